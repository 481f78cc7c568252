/**
 * `ciebench trace record` and `ciebench trace replay` (traces/README.md).
 *
 * record: runs a flow (`-- <flow> [args]`) against an emulated card in-process (`--card`, the
 * emulator-side recorder: wire and plain forms) or a PC/SC reader (`--reader`, a physical card or
 * vpcd: client-side {@link RecordingChannel}), and writes the trace.
 * replay: resends a trace's commands to an emulated card and diffs the answers (exit 1 on
 * unexplained divergences).
 */
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { ApduChannel } from '../../harness/channel/apdu-channel.ts';
import { parseSmKeys } from '../annotate/sm-keys.ts';
import { loadTraceOrLog, writeTrace } from './load.ts';
import { readAllowList } from '../diff/allow-list.ts';
import { diffReportJson, diffTraces } from '../diff/diff.ts';
import { renderDiffHtml } from '../diff/render-html.ts';
import { renderDiffTerminal } from '../diff/render-terminal.ts';
import { findFlow, listFlows } from '../record/flows.ts';
import '../record/terminal-flows.ts';
import { recordCardSession, recordChannelSession } from '../record/record-session.ts';
import {
  CardSpecError,
  resolveCardSpec,
  type CardRuntime,
} from '../../harness/cards/card-registry.ts';
import { replayTrace } from '../replay/replay.ts';
import { detectPaceNonceLength, type PaceNonceLength } from '../replay/pace-nonce.ts';
import type { Trace } from '../format/schema.ts';
import { InProcessChannel } from '../../harness/channel/in-process-channel.ts';
import { PinGuardChannel } from '../../harness/pcsc/pin-guard.ts';
import { BenchError } from '../../emulator/src/host-error.ts';
import { CARD_SPEC_HELP, commandGroup } from '../../harness/cli/cli-kit.ts';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** The emulated card of `--card` (registry grammar), optionally with another PACE nonce length. */
function cardFor(
  spec: string,
  paceNonceLength?: PaceNonceLength,
): ReturnType<typeof cardAndProfile> {
  const runtime: CardRuntime = paceNonceLength ? { emrtd: { paceNonceLength } } : {};
  return cardAndProfile(spec, runtime);
}

/**
 * The PACE nonce length for a replay: `--pace-nonce-length` when given, else the one the trace's
 * first GA step 1 answer shows (traces/replay/pace-nonce.ts), else the personality's.
 */
function nonceForReplay(
  source: Trace,
  option: string | undefined,
): { length?: PaceNonceLength; why: string } {
  if (option !== undefined) {
    if (!['8', '16', '32'].includes(option))
      throw new CardSpecError(`--pace-nonce-length must be 8, 16 or 32, got '${option}'`);
    return { length: Number(option) as PaceNonceLength, why: 'given with --pace-nonce-length' };
  }
  const d = detectPaceNonceLength(source);
  return d
    ? { length: d.length, why: `read from the trace's first GA step 1 answer (#${d.seq})` }
    : { why: "the trace has no GA step 1 answer: the personality's" };
}

function cardAndProfile(spec: string, runtime: CardRuntime) {
  const recipe = resolveCardSpec(spec);
  return { card: recipe.create(runtime), profile: recipe.personality };
}

/**
 * A PC/SC reader (physical card or vpcd) behind the last-try PIN guard: a VERIFY that could use the
 * last PIN/PUK try is refused unless --allow-last-try (the guard's own probes are recorded too).
 * The binding is loaded only when --reader is used (it is an optional dependency).
 */
async function pcscChannel(reader: string, allowLastTry: boolean): Promise<ApduChannel> {
  const { PcscChannel } = await import('../../harness/pcsc/pcsc-channel.ts');
  return new PinGuardChannel(new PcscChannel({ reader }), {
    allowLastTry,
    onDecision: (text) => process.stderr.write(`${text}\n`),
  });
}

interface RecordOptions {
  reader?: string;
  allowLastTry?: boolean;
  card?: string;
  out?: string;
  output?: string;
  showSecrets?: boolean;
  revealSecrets?: boolean;
  description?: string;
}

export function register(program: Command): void {
  const trace = commandGroup(program, 'trace');

  trace
    .command('record')
    .description(
      `run a flow and record the trace; flows: ${listFlows()
        .map((f) => f.name)
        .join(', ')}`,
    )
    .argument('<flow>', 'flow name (after --)')
    .argument('[args...]', 'flow arguments')
    .option('--reader <name>', 'PC/SC reader (physical card or vpcd): client-side recording')
    .option(
      '--allow-last-try',
      'with --reader: let a VERIFY use the last remaining PIN/PUK try (refused by default)',
    )
    .option(
      '--card <card>',
      `emulated card in-process, emulator-side recording: ${CARD_SPEC_HELP}`,
      'default',
    )
    .option('-o, --out <file>', 'trace file (default: standard output)')
    .addOption(new Option('--output <file>').hideHelp())
    .option('--show-secrets', 'keep PIN/PUK digits (masked by default)')
    .addOption(new Option('--reveal-secrets').hideHelp())
    .option('--description <text>', 'description stored in the trace header')
    .action(async (flowName: string, args: string[], o: RecordOptions) => {
      const out = o.out ?? o.output;
      const flow = findFlow(flowName);
      if (!flow)
        throw new BenchError(
          'TRACE_UNKNOWN_FLOW',
          `unknown flow '${flowName}' (flows: ${listFlows()
            .map((f) => `${f.name}: ${f.description}`)
            .join('; ')})`,
        );
      const common = {
        revealSecrets: o.showSecrets ?? o.revealSecrets ?? false,
        ...(o.description ? { description: o.description } : {}),
      };
      const t = o.reader
        ? await recordChannelSession(
            await pcscChannel(o.reader, o.allowLastTry ?? false),
            (ch) => flow.run(ch, args),
            { profile: 'unknown', transport: 'pcsc', ...common },
          )
        : await (async () => {
            const { card, profile } = cardFor(o.card ?? 'default');
            return recordCardSession(card, (ch) => flow.run(ch, args), { profile, ...common });
          })();
      if (out) {
        writeTrace(out, t);
        process.stderr.write(
          `wrote ${out}: ${t.records.filter((r) => r.type === 'exchange').length} exchange(s)\n`,
        );
      } else
        process.stdout.write(
          t.records.length
            ? `${[t.header, ...t.records].map((r) => JSON.stringify(r)).join('\n')}\n`
            : '',
        );
    });

  trace
    .command('replay')
    .description(
      "resend a trace's commands to an emulated card and diff the result; exit 1 on unexplained divergences",
    )
    .argument('<trace>', 'trace file (or a log)')
    .option('--card <card>', `the emulated card: ${CARD_SPEC_HELP}`, 'default')
    .option('-o, --out <file>', 'write the replay trace here')
    .addOption(new Option('--output <file>').hideHelp())
    .option('--json', 'print the diff report as JSON')
    .option('--html <file>', 'also write the HTML side-by-side report')
    .option('--no-color', 'no ANSI colours')
    .option('--allow-list <file>', 'JSON list of explained divergences')
    .option(
      '--pace-nonce-length <bytes>',
      'PACE nonce length of the card that produced the trace: 8 (2023 cards) or 16 (2018 cards); default: read from the trace’s first GA step 1 answer, else the personality’s',
    )
    .option('--pin <digits>', 'PIN to refill masked VERIFY data')
    .option('--puk <digits>', 'PUK to refill masked VERIFY data')
    .option(
      '--sm-keys <spec>',
      'session keys to decrypt the source SM exchanges (repeatable)',
      collect,
      [],
    )
    .action(
      async (
        file: string,
        o: {
          card: string;
          out?: string;
          output?: string;
          json?: boolean;
          html?: string;
          color: boolean;
          allowList?: string;
          pin?: string;
          puk?: string;
          smKeys: string[];
          paceNonceLength?: string;
        },
      ) => {
        const out = o.out ?? o.output;
        const source = loadTraceOrLog(file);
        const nonce = nonceForReplay(source, o.paceNonceLength);
        const { card, profile } = cardFor(o.card, nonce.length);
        process.stderr.write(
          `PACE nonce length: ${nonce.length ?? 'as the personality'} (${nonce.why})\n`,
        );
        const sourceAnnotation = { smKeys: o.smKeys.map(parseSmKeys) };
        const r = await replayTrace(source, new InProcessChannel(card, profile), {
          profile,
          sourceAnnotation,
          secrets: { ...(o.pin ? { pin: o.pin } : {}), ...(o.puk ? { puk: o.puk } : {}) },
        });
        if (out) writeTrace(out, r.trace);
        for (const s of r.skipped)
          process.stderr.write(`not resent: source #${s.seq}: ${s.reason}\n`);
        const report = diffTraces(source, r.trace, {
          nameA: file,
          nameB: `replay on ${profile}`,
          annotateA: sourceAnnotation,
          ...(o.allowList ? { allowList: readAllowList(o.allowList) } : {}),
        });
        if (o.html) writeFileSync(o.html, renderDiffHtml(report));
        process.stdout.write(
          o.json
            ? `${JSON.stringify(diffReportJson(report), null, 2)}\n`
            : renderDiffTerminal(report, o.color && process.stdout.isTTY === true),
        );
        if (report.divergences > 0) process.exitCode = 1;
      },
    );
}
