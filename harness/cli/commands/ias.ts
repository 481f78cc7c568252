/**
 * `ciebench ias …`: the IAS reference terminal against an emulated card in-process — the default
 * card, or a card image whose PIN/PUK state is persisted (`--card`) — or against a card in a PC/SC
 * reader (`--pcsc`: the virtual reader of `ciebench card start`, or a physical card). Over PC/SC the
 * terminal asks for the tries left before each VERIFY and the last-try guard refuses a VERIFY that
 * could block the PIN/PUK unless `--allow-last-try`; trust anchors and the TEST PIN come from
 * `--card` (or the default card image).
 */
import { HostError } from '../../../emulator/src/host-error.ts';
import type { Command } from 'commander';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { cieCardFromImage, openCieCard } from '../../../emulator/src/profiles/cie-card-image.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import type { CardImage } from '../../../emulator/src/state/card-image.ts';
import { readCardImage } from '../../../emulator/src/state/image-file.ts';
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
import { commandGroup } from '../cli-kit.ts';

interface CommonOptions {
  card?: string;
  pcsc?: string | boolean;
  allowLastTry?: boolean;
  profile?: string;
  style?: string;
  json?: boolean;
  apdus?: boolean;
  showSecrets?: boolean;
}

export class IasCliError extends HostError {
  readonly code = 'IAS_CLI_OPTION';
}

interface Target {
  readonly channel: ApduChannel;
  readonly image: CardImage;
  readonly flow: FlowOptions;
}

/** The card (image file with persistent state, or the default card) and the trust anchors it was issued under. */
export async function openTarget(o: CommonOptions): Promise<Target> {
  if (o.style !== undefined && !(TERMINAL_STYLES as readonly string[]).includes(o.style))
    throw new IasCliError(`--style must be one of ${TERMINAL_STYLES.join(', ')}`);
  const flowOf = (image: CardImage, probeTries: boolean): FlowOptions => ({
    trust: {
      csca: [fromHex(image.ias.certificates.csca)],
      holderCa: [fromHex(image.ias.certificates.holderCa)],
    },
    ...(o.style ? { style: o.style as TerminalStyle } : {}),
    ...(o.showSecrets ? { showSecrets: true } : {}),
    ...(probeTries ? { probeTries } : {}),
  });
  if (o.pcsc !== undefined && o.pcsc !== false) {
    // Loaded only here: the PC/SC binding is an optional dependency.
    const { PcscChannel } = await import('../../pcsc/pcsc-channel.ts');
    const image = o.card ? readCardImage(o.card) : defaultCardImage();
    const reader = new PcscChannel(typeof o.pcsc === 'string' ? { reader: o.pcsc } : {});
    const channel = new PinGuardChannel(reader, {
      allowLastTry: o.allowLastTry ?? false,
      onDecision: (text) => process.stderr.write(`${text}\n`),
    });
    return { channel, image, flow: flowOf(image, true) };
  }
  const cardOpts = o.profile ? { profile: o.profile } : {};
  const opened = o.card ? openCieCard(o.card, cardOpts) : undefined;
  const c = opened ?? cieCardFromImage(defaultCardImage(), cardOpts);
  const image = opened ? opened.store.current : defaultCardImage();
  return {
    channel: new InProcessChannel(c.card, c.profile.label),
    image,
    flow: flowOf(image, false),
  };
}

function print(report: FlowReport<unknown>, o: CommonOptions): void {
  process.stdout.write(
    o.json
      ? `${JSON.stringify(report, null, 2)}\n`
      : formatFlowReport(report, { apdus: o.apdus ?? false, showSecrets: o.showSecrets ?? false }),
  );
  if (report.verdict !== 'pass') process.exitCode = 1;
}

function common(cmd: Command): Command {
  return cmd
    .option(
      '--card <image>',
      'card image (PIN/PUK changes are written back); default: the default card, in memory. With --pcsc: the image the card in the reader was started from (trust anchors, TEST PIN)',
    )
    .option(
      '--pcsc [reader]',
      'talk to a card in a PC/SC reader (the virtual reader of `ciebench card start`, or a physical card)',
    )
    .option(
      '--allow-last-try',
      'with --pcsc: let a VERIFY use the last remaining PIN/PUK try (refused by default)',
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
