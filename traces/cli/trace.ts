/**
 * `ciebench trace show|import|diff`: read, import, annotate and compare traces (traces/README.md).
 * `trace record|replay` live in `trace-record.ts`. Exit codes: 0 fine, 1 divergences (diff), 2
 * bad input.
 */
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { annotateTrace } from '../annotate/annotate.ts';
import { renderTraceText } from '../annotate/render-text.ts';
import { parseSmKeys } from '../annotate/sm-keys.ts';
import { loadTraceOrLog } from './load.ts';
import { readAllowList } from '../diff/allow-list.ts';
import { diffReportJson, diffTraces } from '../diff/diff.ts';
import { renderDiffHtml } from '../diff/render-html.ts';
import { renderDiffTerminal } from '../diff/render-terminal.ts';
import { serializeTrace } from '../format/write.ts';
import { IMPORT_FORMATS, type ImportFormatId } from '../import/formats/format.ts';
import { describeImport, importLogFile } from '../import/import.ts';
import { commandGroup } from '../../harness/cli/cli-kit.ts';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function register(program: Command): void {
  const trace = commandGroup(program, 'trace');

  trace
    .command('import')
    .description(
      `import a log (${IMPORT_FORMATS.join(', ')}) into the trace format; every unknown or truncated line is reported with its line number`,
    )
    .argument('<log>', 'log file')
    .option('-f, --format <format>', `log format: auto, ${IMPORT_FORMATS.join(', ')}`, 'auto')
    .option('-o, --out <file>', 'write the trace here (default: standard output)')
    .addOption(new Option('--output <file>').hideHelp())
    .option('--show-secrets', 'keep PIN/PUK digits (masked by default)')
    .addOption(new Option('--reveal-secrets').hideHelp())
    .option('--strict', 'exit 2 when any line was reported')
    .option('--json', 'print the import report as JSON')
    .action(
      (
        log: string,
        o: {
          format: string;
          out?: string;
          output?: string;
          showSecrets?: boolean;
          revealSecrets?: boolean;
          strict?: boolean;
          json?: boolean;
        },
      ) => {
        const out = o.out ?? o.output;
        const r = importLogFile(log, {
          format: o.format as ImportFormatId | 'auto',
          revealSecrets: o.showSecrets ?? o.revealSecrets ?? false,
        });
        const report = o.json
          ? JSON.stringify(
              {
                format: r.format,
                exchanges: r.exchanges,
                incomplete: r.incomplete,
                diagnostics: r.diagnostics,
                ignored: r.ignored,
              },
              null,
              2,
            )
          : describeImport(r);
        if (out) {
          writeFileSync(out, serializeTrace(r.trace));
          process.stdout.write(`${report}\nwrote ${out}\n`);
        } else {
          process.stdout.write(serializeTrace(r.trace));
          process.stderr.write(`${report}\n`);
        }
        if (o.strict && r.diagnostics.length > 0) process.exitCode = 2;
      },
    );

  trace
    .command('show')
    .description(
      'decode every exchange: command names, P1/P2, files, SW meanings, TLV trees, SM data objects and plain forms',
    )
    .argument('<trace>', 'trace file (.jsonl), or a log to import on the fly')
    .option('--json', 'print the annotation as JSON')
    .option('--full', 'print whole values instead of shortening them')
    .option('--brief', 'omit TLV trees')
    .option(
      '--sm-keys <spec>',
      'session keys to decrypt SM exchanges: [des3|aes:]KENC:KMAC[:SSC][@SEQ] (repeatable)',
      collect,
      [],
    )
    .option('--show-secrets', 'when importing a log: keep PIN/PUK digits')
    .addOption(new Option('--reveal-secrets').hideHelp())
    .action(
      (
        file: string,
        o: {
          json?: boolean;
          full?: boolean;
          brief?: boolean;
          smKeys: string[];
          showSecrets?: boolean;
          revealSecrets?: boolean;
        },
      ) => {
        const t = loadTraceOrLog(file, {
          revealSecrets: o.showSecrets ?? o.revealSecrets ?? false,
        });
        const annotated = annotateTrace(t, { smKeys: o.smKeys.map(parseSmKeys) });
        process.stdout.write(
          o.json
            ? `${JSON.stringify(annotated, null, 2)}\n`
            : renderTraceText(annotated, { full: o.full ?? false, brief: o.brief ?? false }),
        );
      },
    );

  trace
    .command('diff')
    .description(
      'align two traces over normalised commands and classify every pair; exit 1 on unexplained divergences',
    )
    .argument('<a>', 'trace A (or a log)')
    .argument('<b>', 'trace B (or a log)')
    .option('--json', 'print the report as JSON')
    .option('--html <file>', 'also write a self-contained HTML side-by-side report')
    .option('--no-color', 'no ANSI colours')
    .option('--allow-list <file>', 'JSON list of explained divergences')
    .option('--sm-keys-a <spec>', 'session keys for trace A (repeatable)', collect, [])
    .option('--sm-keys-b <spec>', 'session keys for trace B (repeatable)', collect, [])
    .action(
      (
        a: string,
        b: string,
        o: {
          json?: boolean;
          html?: string;
          color: boolean;
          allowList?: string;
          smKeysA: string[];
          smKeysB: string[];
        },
      ) => {
        const report = diffTraces(loadTraceOrLog(a), loadTraceOrLog(b), {
          nameA: a,
          nameB: b,
          annotateA: { smKeys: o.smKeysA.map(parseSmKeys) },
          annotateB: { smKeys: o.smKeysB.map(parseSmKeys) },
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
