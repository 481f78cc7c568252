/** `ciebench card profiles`: the CIE personalities with their ATR, EF.ATR, quirks and PACE nonce length. */
import type { Command } from 'commander';
import {
  CIE_PROFILES,
  DEFAULT_CIE_PROFILE_ID,
} from '../../../emulator/src/profiles/cie-profiles.ts';
import { commandGroup } from '../cli-kit.ts';

export function profilesText(): string {
  const lines: string[] = [];
  for (const p of CIE_PROFILES) {
    const c = p.card;
    const quirks = [
      `long responses ${c.longResponses ?? 'whole'}`,
      `extended length ${c.extendedLength ? 'yes' : 'no'}`,
      `READ BINARY max ${c.readBinaryMax ?? '-'}`,
      `max response ${c.maxResponseData ?? 65536}`,
      `SOD ${p.sodVariant}`,
      `PACE nonce ${p.emrtd.paceNonceLength} bytes`,
      ...(p.ias.externalAuthCrt ? [`terminal-key CRT ${p.ias.externalAuthCrt.join('/')}`] : []),
    ];
    lines.push(`${p.id}${p.id === DEFAULT_CIE_PROFILE_ID ? ' (default)' : ''} — ${p.label}`);
    lines.push(
      `  Windows ${p.windowsCardName ?? '—'} · middleware ${p.middlewareType} · ${p.vendor}`,
    );
    lines.push(`  ATR    ${p.atr}`);
    lines.push(`  EF.ATR ${p.efAtr}`);
    lines.push(`  ${quirks.join(' · ')}`);
    lines.push(`  evidence: ${p.evidence.efAtr}`);
    lines.push(`  PACE nonce: ${p.evidence.paceNonce}`);
  }
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  commandGroup(program, 'card')
    .command('profiles')
    .description('list the CIE personalities (ATR, EF.ATR, quirks, evidence)')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      process.stdout.write(
        opts.json ? `${JSON.stringify(CIE_PROFILES, null, 2)}\n` : profilesText(),
      );
    });
}
