/**
 * Real third-party PC/SC programs see the emulated card, through this project's reader driver and
 * through Debian's vpcd:
 * `opensc-tool -l / -a / -s`, `pcsc_scan`, `scriptor`. Answers are compared byte for byte with the
 * same personality in-process, so the test holds for whatever `createDefaultCard()` returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import type { Card } from '../../emulator/src/card/card.ts';
import { createDefaultCard } from '../cards/card-registry.ts';
import {
  insertCard,
  integrationGate,
  reportGate,
  runTool,
  type InsertedCard,
} from '../pcsc/testing/integration.ts';
import { CIEBENCH_READER, DEBIAN_VPCD, readerName } from '../transport/endpoints.ts';

const PROBES = ['00A4000C023F00', '00A4000C02ABCD', '00B0000004', '00FF000000'];

/** `opensc-tool -s` output → one `data ‖ SW` hex string per APDU. */
function parseOpenscExchanges(stdout: string): string[] {
  return stdout
    .split('Sending:')
    .slice(1)
    .map((block) => {
      const m = /Received \(SW1=0x([0-9a-f]{2}), SW2=0x([0-9a-f]{2})\)/i.exec(block);
      if (!m) return 'no answer';
      const data = block
        .slice(m.index)
        .split('\n')
        .slice(1)
        .map((line) => /^((?:[0-9A-F]{2} )+)/.exec(line)?.[1] ?? '')
        .join('');
      return toHex(fromHex(`${data}${m[1]}${m[2]}`));
    });
}

async function twin(): Promise<Card> {
  const { card } = await createDefaultCard();
  card.powerOn();
  return card;
}

for (const kind of [CIEBENCH_READER, DEBIAN_VPCD]) {
  const reader = readerName(kind);
  const gate = await integrationGate({
    readers: [reader],
    tools: ['opensc-tool', 'pcsc_scan', 'scriptor'],
  });
  reportGate(`external-tools (${kind.readerPrefix})`, gate);

  describe.skipIf(!gate.ok)(
    `third-party PC/SC programs through pcscd + ${kind.readerPrefix}`,
    () => {
      let card: { atr: Uint8Array };
      let inserted: InsertedCard;

      beforeAll(async () => {
        inserted = await insertCard(gate.binding!, kind, { kind: 'default' });
        card = { atr: inserted.atr };
      });
      afterAll(async () => {
        await inserted?.remove();
      });

      it(`opensc-tool -l lists '${reader}' with a card`, async () => {
        const r = await runTool('opensc-tool', ['-l']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`^\\d+\\s+Yes\\s+.*${reader}$`, 'm'));
      });

      it("opensc-tool -a prints the personality's ATR", async () => {
        const r = await runTool('opensc-tool', ['-r', reader, '-a']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout.trim().toUpperCase()).toBe(toHex(card.atr, ':'));
      });

      it('opensc-tool -s round-trips APDUs exactly as the card answers in-process', async () => {
        const r = await runTool('opensc-tool', [
          '-r',
          reader,
          '-c',
          'default',
          ...PROBES.flatMap((p) => ['-s', p]),
        ]);
        expect(r.code, r.stderr).toBe(0);
        const ref = await twin();
        expect(parseOpenscExchanges(r.stdout)).toEqual(
          PROBES.map((p) => toHex(ref.transmit(fromHex(p)))),
        );
      });

      it('opensc-tool -s gets the UID from FF CA 00 00 00, answered by the virtual reader', async () => {
        const r = await runTool('opensc-tool', ['-r', reader, '-c', 'default', '-s', 'FFCA000000']);
        const [answer] = parseOpenscExchanges(r.stdout);
        expect(answer).toMatch(/^08[0-9A-F]{6}9000$/);
      });

      it('pcsc_scan sees the reader, the inserted card and its ATR', async () => {
        const r = await runTool('pcsc_scan', ['-n', '-t', '2']);
        const section = r.stdout.slice(r.stdout.lastIndexOf(`: ${reader}\n`));
        expect(section).toMatch(/Card state: Card inserted/);
        expect(section).toContain(`ATR: ${toHex(card.atr, ' ')}`);
      });

      it('scriptor resets the card and exchanges APDUs', async () => {
        const r = await runTool('scriptor', ['-r', reader], `reset\n${PROBES.join('\n')}\n`);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain(`< OK: ${toHex(card.atr, ' ')}`);
        const answers = [...r.stdout.matchAll(/^< ([0-9A-F ]+?)\s*(?::.*)?$/gm)].map((m) =>
          toHex(fromHex(m[1] as string)),
        );
        const ref = await twin();
        expect(answers).toEqual(PROBES.map((p) => toHex(ref.transmit(fromHex(p)))));
      });
    },
  );
}
