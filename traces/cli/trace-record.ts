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
import type { Command } from 'commander';
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
import { resolveCard } from '../replay/card-source.ts';
import { replayTrace } from '../replay/replay.ts';
import { InProcessChannel } from '../../harness/channel/in-process-channel.ts';
import { PinGuardChannel } from '../../harness/pcsc/pin-guard.ts';
import { commandGroup } from '../../harness/cli/cli-kit.ts';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

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
  output?: string;
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
      'emulated card in-process (id or card.json): emulator-side recording',
      'default',
    )
    .option('-o, --output <file>', 'trace file (default: standard output)')
    .option('--reveal-secrets', 'keep PIN/PUK digits (masked by default)')
    .option('--description <text>', 'description stored in the trace header')
    .action(async (flowName: string, args: string[], o: RecordOptions) => {
      const flow = findFlow(flowName);
      if (!flow)
        throw new Error(
          `unknown flow '${flowName}' (flows: ${listFlows()
            .map((f) => `${f.name}: ${f.description}`)
            .join('; ')})`,
        );
      const common = {
        revealSecrets: o.revealSecrets ?? false,
        ...(o.description ? { description: o.description } : {}),
      };
      const t = o.reader
        ? await recordChannelSession(
            await pcscChannel(o.reader, o.allowLastTry ?? false),
            (ch) => flow.run(ch, args),
            { profile: 'unknown', transport: 'pcsc', ...common },
          )
        : await (async () => {
            const { card, profile } = await resolveCard(o.card ?? 'default');
            return recordCardSession(card, (ch) => flow.run(ch, args), { profile, ...common });
          })();
      if (o.output) {
        writeTrace(o.output, t);
        process.stderr.write(
          `wrote ${o.output}: ${t.records.filter((r) => r.type === 'exchange').length} exchange(s)\n`,
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
    .requiredOption('--card <card>', 'emulated card (id or card.json)')
    .option('-o, --output <file>', 'write the replay trace here')
    .option('--json', 'print the diff report as JSON')
    .option('--html <file>', 'also write the HTML side-by-side report')
    .option('--no-color', 'no ANSI colours')
    .option('--allow-list <file>', 'JSON list of explained divergences')
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
          output?: string;
          json?: boolean;
          html?: string;
          color: boolean;
          allowList?: string;
          pin?: string;
          puk?: string;
          smKeys: string[];
        },
      ) => {
        const source = loadTraceOrLog(file);
        const { card, profile } = await resolveCard(o.card);
        const sourceAnnotation = { smKeys: o.smKeys.map(parseSmKeys) };
        const r = await replayTrace(source, new InProcessChannel(card, profile), {
          profile,
          sourceAnnotation,
          secrets: { ...(o.pin ? { pin: o.pin } : {}), ...(o.puk ? { puk: o.puk } : {}) },
        });
        if (o.output) writeTrace(o.output, r.trace);
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
