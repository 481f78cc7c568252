/**
 * `ciebench ias …`: the IAS reference terminal against an emulated card in-process (`--card`, the
 * registry's grammar; a card image file is opened with its PIN/PUK state persisted, any other
 * card lives in memory) or against a card in a PC/SC reader (`--reader`: the virtual reader of
 * `ciebench card start`, or a physical card). Over PC/SC the terminal asks for the tries left
 * before each VERIFY and the last-try guard refuses a VERIFY that could block the PIN/PUK unless
 * `--allow-last-try`; trust anchors and the TEST PIN then come from `--card` (default: the default
 * card).
 */
import { Option, type Command } from 'commander';
import { BenchError } from '../../../emulator/src/host-error.ts';
import type { CardImage } from '../../../emulator/src/state/card-image.ts';
import { cieRecipe, resolveCardSpec, trustOfImage } from '../../cards/card-registry.ts';
import type { ApduChannel } from '../../channel/apdu-channel.ts';
import { InProcessChannel } from '../../channel/in-process-channel.ts';
import { PinGuardChannel } from '../../pcsc/pin-guard.ts';
import {
  changePinFlow,
  desktopEnrolmentPrePin,
  loginFlow,
  nisFlow,
  unblockPinFlow,
  type FlowOptions,
  type FlowReport,
} from '../../terminals/ias/flows.ts';
import { formatFlowReport } from '../../terminals/ias/report-text.ts';
import { TERMINAL_STYLES, type TerminalStyle } from '../../terminals/ias/styles.ts';
import { CARD_SPEC_HELP, commandGroup, exitCodeOfReport } from '../cli-kit.ts';

interface CommonOptions {
  card?: string;
  reader?: string | boolean;
  pcsc?: string | boolean;
  allowLastTry?: boolean;
  profile?: string;
  style?: string;
  json?: boolean;
  apdus?: boolean;
  showSecrets?: boolean;
}

interface Target {
  readonly channel: ApduChannel;
  readonly image: CardImage;
  readonly flow: FlowOptions;
}

/** `--reader [name]` (or the older `--pcsc [name]`): a name, `true` for "the reader with a card", or absent. */
function readerOption(o: CommonOptions): string | true | undefined {
  const r = o.reader ?? o.pcsc;
  if (r === undefined || r === false) return undefined;
  return r === true ? true : r;
}

/** The card (registry spec) and the trust anchors it was issued under, on the chosen channel. */
export async function openTarget(o: CommonOptions): Promise<Target> {
  if (o.style !== undefined && !(TERMINAL_STYLES as readonly string[]).includes(o.style))
    throw new BenchError('IAS_CLI_OPTION', `--style must be one of ${TERMINAL_STYLES.join(', ')}`);
  let recipe = resolveCardSpec(o.card ?? 'default');
  const image = recipe.image;
  if (!image)
    throw new BenchError('IAS_CLI_OPTION', `--card ${recipe.spec}: not a CIE (no IAS application)`);
  if (o.profile) recipe = cieRecipe(recipe.spec, image, o.profile, recipe.imagePath);
  const flowOf = (probeTries: boolean): FlowOptions => ({
    trust: trustOfImage(image),
    ...(o.style ? { style: o.style as TerminalStyle } : {}),
    ...(o.showSecrets ? { showSecrets: true } : {}),
    ...(probeTries ? { probeTries } : {}),
  });
  const reader = readerOption(o);
  if (reader !== undefined) {
    // Loaded only here: the PC/SC binding is an optional dependency.
    const { PcscChannel } = await import('../../pcsc/pcsc-channel.ts');
    const pcsc = new PcscChannel(typeof reader === 'string' ? { reader } : {});
    const channel = new PinGuardChannel(pcsc, {
      allowLastTry: o.allowLastTry ?? false,
      onDecision: (text) => process.stderr.write(`${text}\n`),
    });
    return { channel, image, flow: flowOf(true) };
  }
  const card = recipe.open ? recipe.open() : recipe.create();
  return {
    channel: new InProcessChannel(card, recipe.personality),
    image,
    flow: flowOf(false),
  };
}

function print(report: FlowReport<unknown>, o: CommonOptions): void {
  process.stdout.write(
    o.json
      ? `${JSON.stringify(report, null, 2)}\n`
      : formatFlowReport(report, { apdus: o.apdus ?? false, showSecrets: o.showSecrets ?? false }),
  );
  process.exitCode = exitCodeOfReport(report);
}

function common(cmd: Command): Command {
  return cmd
    .option(
      '--card <card>',
      `the card: ${CARD_SPEC_HELP}. A card image file keeps its PIN/PUK state; with --reader: the card the reader holds was started from (trust anchors, TEST PIN). Default: default`,
    )
    .option(
      '--reader [name]',
      'talk to a card in a PC/SC reader (the virtual reader of `ciebench card start`, or a physical card)',
    )
    .addOption(new Option('--pcsc [name]').hideHelp())
    .option(
      '--allow-last-try',
      'with --reader: let a VERIFY use the last remaining PIN/PUK try (refused by default)',
    )
    .option('--profile <id>', "present another personality (see 'ciebench card profiles')")
    .option('--style <style>', `client command sequence: ${TERMINAL_STYLES.join(' | ')}`, 'desktop')
    .option('--apdus', 'print every APDU')
    .option('--show-secrets', 'do not mask PIN/PUK in the report')
    .option('--json', 'print the report as JSON');
}

export function register(program: Command): void {
  const ias = commandGroup(program, 'ias');
  common(
    ias
      .command('login')
      .description('DH + DAPP + VERIFY PIN + read certificate + sign, verified end to end'),
  )
    .option('--pin <pin>', "8-digit PIN (default: the card's TEST PIN)")
    .action(async (o: CommonOptions & { pin?: string }) => {
      const t = await openTarget(o);
      print(await loginFlow(t.channel, { ...t.flow, pin: o.pin ?? t.image.state.pin.value }), o);
    });
  common(
    ias
      .command('nis')
      .description(
        'NIS flow (mobile §5.1 B): NIS, EF 1005, EF.SOD, servizi signature, all verified',
      ),
  ).action(async (o: CommonOptions) => {
    const t = await openTarget(o);
    print(await nisFlow(t.channel, t.flow), o);
  });
  common(
    ias
      .command('enrol')
      .description('desktop enrolment before the PIN (§5.1 A): SN.ICC, keys, NIS, SOD verified'),
  ).action(async (o: CommonOptions) => {
    const t = await openTarget(o);
    print(await desktopEnrolmentPrePin(t.channel, t.flow), o);
  });
  common(
    ias.command('change-pin').description('change the PIN (VERIFY old + CHANGE REFERENCE DATA)'),
  )
    .requiredOption('--old <pin>', 'current PIN')
    .requiredOption('--new <pin>', 'new PIN (8 digits)')
    .action(async (o: CommonOptions & { old: string; new: string }) => {
      const t = await openTarget(o);
      print(await changePinFlow(t.channel, { ...t.flow, oldPin: o.old, newPin: o.new }), o);
    });
  common(ias.command('unblock').description('unblock the PIN with the PUK and set a new PIN'))
    .requiredOption('--puk <puk>', 'PUK (8 digits)')
    .requiredOption('--new-pin <pin>', 'new PIN (8 digits)')
    .action(async (o: CommonOptions & { puk: string; newPin: string }) => {
      const t = await openTarget(o);
      print(await unblockPinFlow(t.channel, { ...t.flow, puk: o.puk, newPin: o.newPin }), o);
    });
}
