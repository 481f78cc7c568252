/**
 * Tag lost and field off at every APDU n of a registration, of a login's card step (two
 * personalities) and of a PIN change: each ends in the app's "tag lost" event, none corrupts the
 * card (counters read back from the card image) or the registration, and the next tap works.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { asciiBytes } from '../../emulator/src/bytes/bytes.ts';
import { attempt } from './agent.ts';
import { signAsRegistered } from './login-card.ts';
import { kind, rig as makeRig, tempDir } from './testing.ts';

const tmp = tempDir('app-faults');
afterAll(() => tmp.cleanup());
const CHALLENGE = asciiBytes('fault-path challenge');

describe('tag lost / field off at every APDU n', () => {
  it.each(['nxp', 'gemalto'])(
    'login card step on %s: each ends in "tag lost", the card and the registration are untouched, the next tap works',
    async (profile) => {
      const r = await makeRig(tmp.dir, { profile });
      try {
        expect(kind(await r.agent.register({ serial: r.file.serial, pin: r.file.pin }))).toBe('ok');
        const before = r.agent.ctx.store.get(r.file.nis);
        await signAsRegistered(r.agent.ctx, r.file.pin.slice(4), CHALLENGE);
        const n = r.meters.at(-1)?.commands ?? 0;
        expect(n).toBeGreaterThan(20);
        for (const fault of ['tag-lost', 'field-off-mid-command'] as const) {
          for (let at = 1; at <= n; at++) {
            r.next = [{ kind: fault, atApdu: at }];
            const res = await attempt(() =>
              signAsRegistered(r.agent.ctx, r.file.pin.slice(4), CHALLENGE),
            );
            expect(res.ok ? 'ok' : res.event, `${fault} at APDU ${at}`).toMatchObject({
              kind: 'TAG_LOST',
              message: 'Hai rimosso la carta troppo presto\nRIPROVA',
              sdkEvent: 'ON_TAG_LOST',
            });
            expect(r.file.state().pin).toMatchObject({ value: r.file.pin, remaining: 3 });
            expect(r.agent.ctx.store.get(r.file.nis)).toEqual(before);
          }
        }
        expect(r.agent.ctx.store.pinHalf(r.file.nis)).toBe(r.file.pin.slice(0, 4));
        const ok = await attempt(() =>
          signAsRegistered(r.agent.ctx, r.file.pin.slice(4), CHALLENGE),
        );
        expect(ok.ok).toBe(true);
      } finally {
        await r.close();
      }
    },
  );

  it('registration: a lost tag at any APDU stores nothing and the card keeps its 3 tries', async () => {
    const r = await makeRig(tmp.dir);
    try {
      const probe = r.newAgent({ profile: 'probe' });
      expect(kind(await probe.register({ serial: r.file.serial, pin: r.file.pin }))).toBe('ok');
      await probe.close();
      const n = r.meters.at(-1)?.commands ?? 0;
      expect(n).toBeGreaterThan(40);
      for (let at = 1; at <= n; at++) {
        r.next = [{ kind: 'tag-lost', atApdu: at }];
        expect(
          kind(await r.agent.register({ serial: r.file.serial, pin: r.file.pin })),
          `APDU ${at}`,
        ).toBe('TAG_LOST');
        expect(r.agent.list()).toEqual([]);
        expect(r.file.state().pin.remaining).toBe(3);
      }
      expect(kind(await r.agent.register({ serial: r.file.serial, pin: r.file.pin }))).toBe('ok');
    } finally {
      await r.close();
    }
  });

  it('change PIN: the field drops at every APDU; only a loss at CHANGE REFERENCE DATA leaves the half "uncertain"', async () => {
    const r = await makeRig(tmp.dir);
    try {
      expect(kind(await r.agent.register({ serial: r.file.serial, pin: r.file.pin }))).toBe('ok');
      let current = r.file.pin;
      let next = '13572468';
      expect(kind(await r.agent.changePin({ oldPin: current, newPin: next, repeat: next }))).toBe(
        'ok',
      );
      [current, next] = [next, current];
      const n = r.meters.at(-1)?.commands ?? 0;
      let uncertain = 0;
      for (let at = 1; at <= n; at++) {
        r.next = [{ kind: 'field-off-mid-command', atApdu: at }];
        const res = await r.agent.changePin({ oldPin: current, newPin: next, repeat: next });
        expect(kind(res), `APDU ${at}`).toBe('TAG_LOST');
        const onCard = r.file.state().pin;
        expect(onCard.remaining).toBe(3);
        const status = r.agent.ctx.store.get(r.file.nis)?.pinHalfStatus;
        if (onCard.value === next) {
          // The card changed its PIN but the answer was lost: the app must not trust its half.
          expect(at).toBe(n);
          expect(status).toBe('uncertain');
          uncertain++;
          r.agent.ctx.store.put(
            { ...r.agent.ctx.store.get(r.file.nis)!, pinHalfStatus: 'ok' },
            next.slice(0, 4),
          );
          [current, next] = [next, current];
        } else expect(status, `APDU ${at}`).toBe('ok');
      }
      expect(uncertain).toBe(1);
    } finally {
      await r.close();
    }
  });
});
