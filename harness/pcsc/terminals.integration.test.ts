/**
 * The reference terminals run unchanged over the PC/SC channel (the IAS reference
 * terminal's full login and the eMRTD PACE read), through this project's driver and through Debian's vpcd.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { inspect } from '../terminals/emrtd/inspection-system.ts';
import { testCard as emrtdTestCard, testCredentials } from '../terminals/emrtd/test-support.ts';
import { loginFlow } from '../terminals/ias/flows.ts';
import { trustOf } from '../terminals/ias/testing.ts';
import { toHex } from '../../emulator/src/bytes/hex.ts';
import { CIEBENCH_READER, DEBIAN_VPCD, readerName } from '../transport/endpoints.ts';
import { PcscChannel } from './pcsc-channel.ts';
import {
  insertCard,
  integrationGate,
  reportGate,
  type InsertedCard,
} from './testing/integration.ts';

/** The terminals' own test cards, built in the card's thread (same seeds: same keys as here). */
const IAS_TESTING = new URL('../terminals/ias/testing.ts', import.meta.url).href;
const EMRTD_TESTING = new URL('../terminals/emrtd/test-support.ts', import.meta.url).href;

for (const kind of [CIEBENCH_READER, DEBIAN_VPCD]) {
  const reader = readerName(kind);
  const gate = await integrationGate({ readers: [reader] });
  reportGate(`reference terminals over PC/SC (${kind.readerPrefix})`, gate);

  describe.skipIf(!gate.ok)(`reference terminals over PcscChannel + ${kind.readerPrefix}`, () => {
    const binding = gate.binding!;
    const open: Array<InsertedCard | PcscChannel> = [];
    afterEach(async () => {
      for (const o of open.splice(0).reverse())
        await (o instanceof PcscChannel ? o.close() : o.remove());
    });

    it('IAS: full login (DH + DAPP + VERIFY + certificate + sign, signature verified) — ias/README.md §5', async () => {
      const image = defaultCardImage();
      const seed = `pcsc-${kind.id}`;
      const inserted = await insertCard(binding, kind, {
        kind: 'module',
        module: IAS_TESTING,
        factory: 'testCard',
        args: [{ seed }],
      });
      open.push(inserted);
      const ch = new PcscChannel({ reader, binding });
      open.push(ch);
      const r = await loginFlow(ch, {
        pin: image.state.pin.value,
        style: 'desktop',
        trust: trustOf(image),
        rng: seededRng(`pcsc-${kind.id}`),
      });
      expect(r.error, JSON.stringify(r.error)).toBeUndefined();
      expect(r.verdict).toBe('pass');
      expect(r.steps.find((s) => s.name === 'verify signature with the certificate')?.verdict).toBe(
        'pass',
      );
      expect(r.atr?.replace(/ /g, '')).toBe(toHex(inserted.atr));
      open.splice(open.indexOf(inserted), 1);
      await ch.close();
      await inserted.remove();
      expect(inserted.worker.faults).toEqual([]);
    });

    it('eMRTD: PACE-CAN + Chip Authentication + Terminal Authentication, every data group read, Passive Authentication ok — emrtd/README.md', async () => {
      const t = emrtdTestCard();
      open.push(
        await insertCard(binding, kind, {
          kind: 'module',
          module: EMRTD_TESTING,
          factory: 'testCard',
        }),
      );
      const ch = new PcscChannel({ reader, binding });
      open.push(ch);
      const r = await inspect(ch, {
        access: { kind: 'pace', password: { kind: 'can', can: t.citizen.can } },
        cscas: t.cscas,
        terminal: testCredentials(),
        rng: seededRng(`pcsc-${kind.id}`),
      });
      expect(r.report.error, JSON.stringify(r.report.error)).toBeUndefined();
      expect(r.report.verdict).toBe('pass');
      expect(r.report.dataGroupsRead).toEqual([1, 2, 3, 11, 12, 14]);
      expect(r.report.passiveAuthentication?.ok).toBe(true);
    });
  });
}
