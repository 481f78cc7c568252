/**
 * The card pipeline (DESIGN.md §2): header checks, chaining (ISO/IEC 7816-4:2020 §5.3.3), response
 * length and GET RESPONSE (§5.1, §7.6.1), the error funnel (DESIGN.md rule 4), power cycles, and
 * the secure-messaging session rules (ICAO 9303-11 §9.8; emrtd/README.md §2.3, §4.7).
 */
import { cardState } from './card-os.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../bytes/hex.ts';
import { commandApdu, encodeCommandApdu, parseCommandApdu } from '../apdu/command-apdu.ts';
import { parseResponseApdu, responseApdu } from '../apdu/response-apdu.ts';
import {
  describeSw,
  SW_6A82_FILE_NOT_FOUND,
  SW_9000_OK,
  swFromResponse,
} from '../apdu/status-words.ts';
import { seededRng } from '../crypto/rng.ts';
import { createIsoTestCard, ISO_TEST_LONG, ISO_TEST_SHORT } from '../profiles/iso-test-card.ts';
import { unwrapResponse, wrapCommand } from '../sm/sm-codec.ts';
import { smSession, withSsc, type SmSession } from '../sm/sm-session.ts';
import { des3Suite } from '../sm/suites/des3.ts';
import { createSmTestCard, START_SM_APDU } from '../profiles/sm-test-card.ts';
import type { HandlerEntry, SmSessionEvent } from './application.ts';
import { CardError } from './card-error.ts';
import type { CardOptions } from './card-options.ts';

const LONG = toHex(ISO_TEST_LONG);
const SHORT = toHex(ISO_TEST_SHORT);

function isoCard(options: Partial<CardOptions> = {}) {
  const c = createIsoTestCard({ strict: true, options, rng: seededRng('card-os-test') });
  c.powerOn();
  return { c, tx: (hex: string): string => toHex(c.transmit(fromHex(hex))) };
}

describe('header checks (ISO/IEC 7816-4:2020 §5.4)', () => {
  it('invalid or proprietary CLA: 6E00; logical channel: 6881; proprietary SM: 6882', () => {
    const { tx } = isoCard();
    expect(tx('FFA4000C')).toBe('6E00');
    expect(tx('20A4000C')).toBe('6E00');
    expect(tx('80A4000C')).toBe('6E00');
    expect(tx('01A4000C')).toBe('6881');
    expect(tx('41A4000C')).toBe('6881');
    expect(tx('04A4000C')).toBe('6882');
  });
  it('invalid INS (6x, 9x) and unknown INS: 6D00', () => {
    const { tx } = isoCard();
    expect(tx('00600000')).toBe('6D00');
    expect(tx('00900000')).toBe('6D00');
    expect(tx('00120000')).toBe('6D00');
  });
  it('malformed lengths: 6700; extended APDUs on a short-only personality: 6700', () => {
    const { tx } = isoCard({ extendedLength: false });
    expect(tx('00A4')).toBe('6700');
    expect(tx('00A4000C05AABB')).toBe('6700');
    tx('00A4000C020101');
    expect(tx('00B00000000010')).toBe('6700');
  });
  it('Nc above the personality maximum: 6700', () => {
    const { tx } = isoCard({ maxCommandData: 4 });
    expect(tx('002241A406800101840102')).toBe('6700');
  });
});

describe('command chaining (ISO/IEC 7816-4:2020 §5.3.3)', () => {
  it('accumulates chained MSE data and answers 9000 to every segment', () => {
    const { tx, c } = isoCard();
    expect(tx('102241A403800101')).toBe('9000');
    expect(cardState(c).se.get(0xa4)).toBeUndefined();
    expect(tx('002241A403840102')).toBe('9000');
    expect(
      cardState(c)
        .se.get(0xa4)
        ?.dos.map((d) => d.tag),
    ).toEqual([0x80, 0x84]);
  });
  it('a command outside the pending chain is refused with 6883 and aborts the chain', () => {
    const { tx, c } = isoCard();
    expect(tx('102241A403800101')).toBe('9000');
    expect(tx('00A4000C023F00')).toBe('6883');
    expect(tx('002241A403840102')).toBe('9000');
    expect(
      cardState(c)
        .se.get(0xa4)
        ?.dos.map((d) => d.tag),
    ).toEqual([0x84]);
    expect(tx('102241A403800101')).toBe('9000');
    expect(tx('002241B603840102')).toBe('6883'); // other P2: not the same chain
  });
  it('commands that do not support chaining answer 6884', () => {
    const { tx } = isoCard();
    expect(tx('10A4000C023F00')).toBe('6884');
    expect(tx('10B0000004')).toBe('6884');
  });
  it('chained data beyond the maximum: 6700, and the chain is dropped', () => {
    const { tx, c } = isoCard({ maxChainedData: 6 });
    expect(tx('102241A403800101')).toBe('9000');
    expect(tx('102241A403800101')).toBe('9000');
    expect(tx('102241A403800101')).toBe('6700');
    expect(cardState(c).chain).toBeUndefined();
  });
});

describe('response length and GET RESPONSE (ISO/IEC 7816-4:2020 §5.1, §7.6.1)', () => {
  const selectFci = '00A4000002 0101'.replace(/ /g, '');
  const fci = (tx: (h: string) => string): string => tx(`${selectFci}00`).slice(0, -4);

  it('Le shorter than the data: 6Cxx with the exact length (default personality)', () => {
    const { tx } = isoCard();
    const full = fci(tx);
    expect(tx(`${selectFci}05`)).toBe(
      `6C${(full.length / 2).toString(16).toUpperCase().padStart(2, '0')}`,
    );
  });
  it('Le shorter than the data: first Ne bytes + 61xx, the rest by GET RESPONSE (61xx personality)', () => {
    const { tx } = isoCard({ neTooSmall: '61xx' });
    const full = fci(tx);
    const rest = full.length / 2 - 5;
    expect(tx(`${selectFci}05`)).toBe(
      `${full.slice(0, 10)}61${rest.toString(16).toUpperCase().padStart(2, '0')}`,
    );
    expect(tx(`00C00000${rest.toString(16).padStart(2, '0')}`)).toBe(`${full.slice(10)}9000`);
    expect(tx('00C0000000')).toBe('6985');
  });
  it('Le shorter than the data: truncated (truncate personality)', () => {
    const { tx } = isoCard({ neTooSmall: 'truncate' });
    const full = fci(tx);
    expect(tx(`${selectFci}05`)).toBe(`${full.slice(0, 10)}9000`);
  });
  it('case-3 commands that produce data: sent by default, dropped when the personality says so', () => {
    const withData = isoCard();
    expect(withData.tx(selectFci).length).toBeGreaterThan(4);
    const without = isoCard({ dataWithoutLe: 'drop' });
    expect(without.tx(selectFci)).toBe('9000');
  });
  it('responses above the personality maximum go out in chunks: 61xx, GET RESPONSE until the last status', () => {
    const { tx } = isoCard({ maxResponseData: 256 });
    tx('00A4000C020101');
    expect(tx('00B00000000000')).toBe(`${LONG.slice(0, 512)}6100`);
    expect(tx('00C0000000')).toBe(`${LONG.slice(512, 1024)}6158`);
    expect(tx('00C0000058')).toBe(`${LONG.slice(1024)}6282`);
  });
  it('GET RESPONSE with a smaller Le returns that much and announces the rest', () => {
    const { tx } = isoCard({ maxResponseData: 256 });
    tx('00A4000C020101');
    tx('00B00000000000');
    expect(tx('00C0000010')).toBe(`${LONG.slice(512, 544)}6100`); // 328 bytes left
  });
  it('T=0-style personality answers case-4 commands with 61xx and no data (ias/README.md §3 row 25)', () => {
    const { tx } = isoCard({ t0Case4: true });
    const full = isoCard().tx(`${selectFci}00`).slice(0, -4);
    const n = (full.length / 2).toString(16).toUpperCase().padStart(2, '0');
    expect(tx(`${selectFci}00`)).toBe(`61${n}`);
    expect(tx(`00C00000${n}`)).toBe(`${full}9000`);
  });
  it('GET RESPONSE with wrong P1-P2 keeps the pending data; any other command discards it', () => {
    const { tx } = isoCard({ maxResponseData: 256 });
    tx('00A4000C020101');
    tx('00B00000000000');
    expect(tx('00C0010000')).toBe('6A86');
    expect(tx('00C0000000')).toBe(`${LONG.slice(512, 1024)}6158`);
    expect(tx('00A4000C023F00')).toBe('9000');
    expect(tx('00C0000000')).toBe('6985');
  });
});

describe('the error funnel (DESIGN.md rule 4)', () => {
  const throwing: ReadonlyMap<number, HandlerEntry> = new Map<number, HandlerEntry>([
    [
      0xe2,
      {
        handle: () => {
          throw new TypeError('handler bug');
        },
      },
    ],
    [0xe4, { handle: () => responseApdu(SW_6A82_FILE_NOT_FOUND, fromHex('0102')) }],
    [
      0xe6,
      {
        handle: () => {
          throw new CardError(SW_6A82_FILE_NOT_FOUND, 'reason for the trace');
        },
      },
    ],
  ]);
  const make = (strict: boolean) => {
    const c = createSmTestCard({
      mfChildren: [],
      session: () => smSession(des3Suite, new Uint8Array(16), new Uint8Array(16)),
      extraHandlers: throwing,
    });
    Object.defineProperty(c, 'strict', { value: strict });
    c.powerOn();
    return c;
  };
  it('an unexpected exception is rethrown in strict mode', () => {
    expect(() => make(true).transmit(fromHex('00E20000'))).toThrow('handler bug');
  });
  it('an unexpected exception becomes 6F00 and a recorded fault otherwise; the card keeps working', () => {
    const c = make(false);
    expect(toHex(c.transmit(fromHex('00E20000')))).toBe('6F00');
    expect(c.faults.map((f) => f.message)).toEqual(['handler bug']);
    expect(toHex(c.transmit(fromHex('00A4000C023F00')))).toBe('9000');
  });
  it('CardError becomes its bare status word; data never accompanies an error status', () => {
    const c = make(true);
    expect(toHex(c.transmit(fromHex('00E60000')))).toBe('6A82');
    expect(toHex(c.transmit(fromHex('00E40000')))).toBe('6A82');
  });
  it('the reason of a CardError reaches the exchange notes, not the wire', () => {
    const c = make(true);
    const notes: string[] = [];
    c.observe({ exchange: (e) => notes.push(...e.notes) });
    c.transmit(fromHex('00E60000'));
    expect(notes.join()).toContain('reason for the trace');
  });
});

describe('power (the single reset path, DESIGN.md §4)', () => {
  it('a command before power-on gets 6F00', () => {
    const c = createIsoTestCard({ strict: true });
    expect(toHex(c.transmit(fromHex('00A4000C023F00')))).toBe('6F00');
  });
  it('reset and power cycles forget the selection, the SE, the chain and pending data', () => {
    const { tx, c } = isoCard({ maxResponseData: 256 });
    tx('00A4000C020101');
    tx('002241A406800101840102');
    tx('102241A403800101');
    expect(toHex(c.reset())).toBe('3B80800101');
    expect(tx('00B0000004')).toBe('6986');
    expect(cardState(c).se.get(0xa4)).toBeUndefined();
    expect(cardState(c).chain).toBeUndefined();
    tx('00A4000C020101');
    tx('00B00000000000');
    c.powerOff();
    c.powerOn();
    expect(tx('00C0000000')).toBe('6985');
  });
  it('observers see power events and every exchange exactly once', () => {
    const c = createIsoTestCard({ strict: true });
    const events: string[] = [];
    c.observe({
      exchange: (e) => events.push(`x:${toHex(e.command)}`),
      power: (p) => events.push(p.kind),
    });
    c.powerOn();
    c.transmit(fromHex('00A4000C023F00'));
    c.reset();
    c.powerOff();
    expect(events).toEqual(['power-on', 'x:00A4000C023F00', 'reset', 'power-off']);
  });
});

describe('secure-messaging session rules (ICAO 9303-11 §9.8; emrtd/README.md §2.3, §4.7)', () => {
  const KENC = fromHex('979EC13B1CBFE9DCD01AB0FED307EAE5');
  const KMAC = fromHex('F1CB1F1FB5ADF208806B89DC579DC1F8');
  const initial = (): SmSession => smSession(des3Suite, KENC, KMAC, 0x10n);
  const other = (): SmSession => smSession(des3Suite, KMAC, KENC, 0n);
  const grantFlag: ReadonlyMap<number, HandlerEntry> = new Map<number, HandlerEntry>([
    [
      0xe8,
      {
        handle: (ctx) => (ctx.security.grant('test-flag', 'sm-session'), responseApdu(SW_9000_OK)),
      },
    ],
    [
      0xea,
      {
        handle: (ctx) => (
          ctx.setSmSessionAfterResponse(withSsc(ctx.smSession!, 0x99n)),
          responseApdu(SW_9000_OK)
        ),
      },
    ],
    [0xec, { handle: (ctx) => (ctx.setSmSessionAfterResponse(other()), responseApdu(SW_9000_OK)) }],
    [
      0xee,
      {
        handle: (ctx) => (
          ctx.setSmSessionAfterResponse(other(), { keepFlags: true }),
          responseApdu(SW_9000_OK)
        ),
      },
    ],
    [
      0xf0,
      {
        handle: (ctx) => (
          ctx.setSmSessionAfterResponse(undefined, { keepFlags: true }),
          responseApdu(SW_9000_OK)
        ),
      },
    ],
  ]);
  function smCard(options: Partial<CardOptions> = {}, events: SmSessionEvent[] = []) {
    const c = createSmTestCard({
      mfChildren: [
        { kind: 'EF', fid: 0x0101, sfi: 1, content: ISO_TEST_LONG },
        { kind: 'EF', fid: 0x0102, content: ISO_TEST_SHORT },
      ],
      session: initial,
      options,
      extraHandlers: grantFlag,
      smSessionChanged: (e) => void events.push(e),
    });
    c.powerOn();
    expect(toHex(c.transmit(START_SM_APDU))).toBe('9000');
    let terminal = initial();
    const send = (plainHex: string): { outer: string; inner: string } => {
      const w = wrapCommand(terminal, parseCommandApdu(fromHex(plainHex)));
      terminal = w.session;
      const raw = parseResponseApdu(c.transmit(encodeCommandApdu(w.apdu)));
      const outer = toHex(Uint8Array.of(raw.sw >> 8, raw.sw & 0xff));
      if (raw.data.length === 0) return { outer, inner: outer };
      const u = unwrapResponse(terminal, w.apdu.ins, raw.data);
      terminal = u.session;
      return {
        outer,
        inner:
          toHex(u.response.data) + toHex(Uint8Array.of(u.response.sw >> 8, u.response.sw & 0xff)),
      };
    };
    return { c, send, tx: (hex: string): string => toHex(c.transmit(fromHex(hex))) };
  }

  it('protected commands are unwrapped, executed and their responses wrapped', () => {
    const { send } = smCard();
    expect(send('00A4000C020102')).toEqual({ outer: '9000', inner: '9000' });
    expect(send('00B0000004')).toEqual({ outer: '9000', inner: `${SHORT.slice(0, 8)}9000` });
  });
  it('errors are wrapped in DO 99 with the outer status mirroring it (default)', () => {
    const { send, c } = smCard();
    expect(send('00A4000C029999')).toEqual({ outer: '6A82', inner: '6A82' });
    expect(cardState(c).sm).toBeDefined();
  });
  it("outer status 9000 except 6282/6B00 on an smOuterSw='ok' personality (ias/README.md §4.3)", () => {
    const { send } = smCard({ smOuterSw: 'ok' });
    expect(send('00A4000C029999')).toEqual({ outer: '9000', inner: '6A82' });
    send('00A4000C020102');
    expect(send('00B0001000')).toEqual({ outer: '6282', inner: `${SHORT.slice(32)}6282` });
    expect(send('00B0001400')).toEqual({ outer: '6B00', inner: '6B00' });
  });
  it('errors in plain end the session on an smWrapErrors=false personality', () => {
    const { send, c } = smCard({ smWrapErrors: false });
    expect(send('00A4000C029999')).toEqual({ outer: '6A82', inner: '6A82' });
    expect(cardState(c).sm).toBeUndefined();
  });
  it('a wrong MAC gives plain 6988 and destroys the session: the next protected command fails too', () => {
    const { c, tx } = smCard();
    const w = wrapCommand(initial(), parseCommandApdu(fromHex('00A4000C020102')));
    const bad = encodeCommandApdu(w.apdu);
    bad[bad.length - 2] = (bad[bad.length - 2] as number) ^ 1;
    expect(toHex(c.transmit(bad))).toBe('6988');
    expect(cardState(c).sm).toBeUndefined();
    expect(tx(toHex(encodeCommandApdu(w.apdu)))).toBe('6988');
  });
  it('a missing DO 8E gives 6987; a replayed command (old counter) gives 6988', () => {
    const a = smCard();
    expect(a.tx('0CA4000C0787' + '05' + '0100000000')).toBe('6987');
    expect(cardState(a.c).sm).toBeUndefined();
    const b = smCard();
    const w = wrapCommand(initial(), parseCommandApdu(fromHex('00A4000C020102')));
    const hex = toHex(encodeCommandApdu(w.apdu));
    expect(b.tx(hex)).not.toBe('6988');
    expect(b.tx(hex)).toBe('6988');
  });
  it('a plain command during a session is executed in plain and ends the session and its flags', () => {
    const { send, tx, c } = smCard();
    expect(send('00E80000')).toEqual({ outer: '9000', inner: '9000' });
    expect(cardState(c).security.has('test-flag')).toBe(true);
    expect(tx('00A4000C020102')).toBe('9000');
    expect(cardState(c).sm).toBeUndefined();
    expect(cardState(c).security.has('test-flag')).toBe(false);
  });
  it('a counter re-seed with the same keys keeps sm-session flags (IAS DAPP, ias/README.md §5.3 step 8)', () => {
    const { send, c } = smCard();
    send('00E80000');
    expect(send('00EA0000')).toEqual({ outer: '9000', inner: '9000' });
    expect(cardState(c).sm?.ssc).toBe(0x99n);
    expect(cardState(c).security.has('test-flag')).toBe(true);
  });
  it('new keys revoke sm-session flags unless the handler keeps them (ICAO 9303-11 §6.2: CA keeps the access rights)', () => {
    const a = smCard();
    a.send('00E80000');
    a.send('00EC0000');
    expect(cardState(a.c).security.has('test-flag')).toBe(false);
    const b = smCard();
    b.send('00E80000');
    b.send('00EE0000');
    expect(toHex(cardState(b.c).sm!.kMac)).toBe(toHex(KENC));
    expect(cardState(b.c).security.has('test-flag')).toBe(true);
  });
  it('ending the session revokes its flags whatever the handler asks', () => {
    const { send, c } = smCard();
    send('00E80000');
    send('00F00000');
    expect(cardState(c).sm).toBeUndefined();
    expect(cardState(c).security.has('test-flag')).toBe(false);
  });
  it('commands refused before SM processing end the session and its flags (ICAO 9303-11 §9.8)', () => {
    const refused: [string, string][] = [
      ['0D8400000D9701088E08000000000000000000', '6881'], // protected, logical channel 1
      ['0484000008', '6882'], // proprietary secure messaging
      ['00600000', '6D00'], // invalid INS
      ['8084000008', '6E00'], // proprietary class not accepted
      ['00A4040C0000', '6700'], // malformed
      ['00A404', '6700'], // 3-byte fragment
      ['00B00000000004', '6700'], // extended length on a short-only personality
    ];
    for (const [hex, sw] of refused) {
      const events: SmSessionEvent[] = [];
      const { send, tx, c } = smCard({ extendedLength: false }, events);
      send('00E80000');
      expect(tx(hex), hex).toBe(sw);
      expect(cardState(c).sm, hex).toBeUndefined();
      expect(cardState(c).security.has('test-flag'), hex).toBe(false);
      expect(events, hex).toEqual([{ kind: 'ended', reason: expect.stringContaining(sw) }]);
    }
  });
  it('the applications hear each end or replacement once; a counter re-seed is no event', () => {
    const a: SmSessionEvent[] = [];
    const reseed = smCard({}, a);
    reseed.send('00EA0000');
    expect(a).toEqual([]);
    expect(reseed.tx('00A4000C020102')).toBe('9000');
    expect(a).toEqual([{ kind: 'ended', reason: 'plain command' }]);
    const b: SmSessionEvent[] = [];
    smCard({}, b).send('00EE0000');
    expect(b).toEqual([{ kind: 'replaced', rights: 'kept' }]);
    const c: SmSessionEvent[] = [];
    smCard({}, c).send('00EC0000');
    expect(c).toEqual([{ kind: 'replaced', rights: 'revoked' }]);
  });
  it('a protected command without a session: 6988', () => {
    const c = createIsoTestCard({ strict: true });
    c.powerOn();
    expect(toHex(c.transmit(fromHex('0CA4000C00')))).toBe('6988');
  });
  it('long protected responses go out by 61xx on a 61xx personality; GET RESPONSE (CLA 00 or 0C) keeps the session', () => {
    const { c } = smCard({ longResponses: '61xx' });
    let terminal = initial();
    const w = wrapCommand(terminal, parseCommandApdu(fromHex('00B08100F0')));
    terminal = w.session;
    const first = parseResponseApdu(c.transmit(encodeCommandApdu(w.apdu)));
    expect(first.sw >> 8).toBe(0x61);
    expect(first.data.length).toBe(256);
    const rest = parseResponseApdu(
      c.transmit(fromHex(`0CC00000${toHex(Uint8Array.of(first.sw & 0xff))}`)),
    );
    expect(toHex(Uint8Array.of(rest.sw >> 8, rest.sw & 0xff))).toBe('9000');
    const u = unwrapResponse(terminal, 0xb0, Uint8Array.from([...first.data, ...rest.data]));
    expect(toHex(u.response.data)).toBe(LONG.slice(0, 480));
    expect(cardState(c).sm).toBeDefined();
  });
  it('long protected responses are sent whole on a whole personality', () => {
    const { c } = smCard({ longResponses: 'whole' });
    const w = wrapCommand(initial(), parseCommandApdu(fromHex('00B08100F0')));
    const r = parseResponseApdu(c.transmit(encodeCommandApdu(w.apdu)));
    expect(r.sw).toBe(SW_9000_OK);
    expect(r.data.length).toBeGreaterThan(256);
  });
});

/** Valid status words: SW1 in 61..6F or 9x, and known to the table or one of its families. */
function validSw(response: Uint8Array): boolean {
  if (response.length < 2) return false;
  const sw = swFromResponse(response);
  const sw1 = sw >> 8;
  return (
    ((sw1 >= 0x61 && sw1 <= 0x6f) || (sw1 & 0xf0) === 0x90) &&
    describeSw(sw).text !== 'Unknown status word'
  );
}

const hostileApdu = fc.oneof(
  fc.uint8Array({ maxLength: 8 }),
  fc.uint8Array({ maxLength: 300 }),
  // plausible headers with random bodies, including SM and chaining CLAs and huge or inconsistent Lc
  fc
    .tuple(
      fc.constantFrom(0x00, 0x0c, 0x10, 0x1c, 0x80, 0xff),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 255 }),
      fc.uint8Array({ maxLength: 40 }),
    )
    .map(([cla, ins, p1, p2, rest]) => Uint8Array.from([cla, ins, p1, p2, ...rest])),
  fc
    .tuple(
      fc.constantFrom(0xa4, 0xb0, 0xb1, 0xb2, 0x84, 0x22, 0xc0),
      fc.integer({ min: 0, max: 0xffff }),
      fc.uint8Array({ maxLength: 20 }),
    )
    .map(([ins, lc, rest]) =>
      Uint8Array.from([0x00, ins, 0x00, 0x00, 0x00, lc >> 8, lc & 0xff, ...rest]),
    ),
  fc
    .record({
      cla: fc.constantFrom(0x00, 0x10),
      ins: fc.constantFrom(0xa4, 0xb0, 0xb1, 0xb2, 0x84, 0x22, 0xc0),
      p1: fc.integer({ min: 0, max: 255 }),
      p2: fc.integer({ min: 0, max: 255 }),
      data: fc.uint8Array({ maxLength: 20 }),
      ne: fc.integer({ min: 0, max: 65536 }),
    })
    .map((r) => encodeCommandApdu(commandApdu(r))),
);

describe('transmit never throws and always answers a valid status word (DESIGN.md §2, §5)', () => {
  it('for any byte string on the ISO test card (strict mode: any internal exception fails the test)', () => {
    const { c } = isoCard();
    fc.assert(
      fc.property(fc.array(hostileApdu, { minLength: 1, maxLength: 6 }), (cmds) => {
        for (const cmd of cmds) if (!validSw(c.transmit(cmd))) return false;
        // The card is still usable afterwards; a pending chain legitimately refuses one foreign
        // command with 6883 (and is aborted by it).
        const selectMf = (): string => toHex(c.transmit(fromHex('00A4000C023F00')));
        const first = selectMf();
        return first === '9000' || (first === '6883' && selectMf() === '9000');
      }),
      { numRuns: 1500 },
    );
  });
  it('for any byte string during a secure-messaging session, on every personality variant', () => {
    const variants: Partial<CardOptions>[] = [
      {},
      {
        smOuterSw: 'ok',
        longResponses: '61xx',
        t0Case4: true,
        neTooSmall: '61xx',
        readBinaryMax: 231,
      },
      { smWrapErrors: false, extendedLength: false, readBeyondEof: '6Cxx' },
    ];
    for (const options of variants) {
      fc.assert(
        fc.property(hostileApdu, (cmd) => {
          const c = createSmTestCard({
            mfChildren: [{ kind: 'EF', fid: 0x0101, sfi: 1, content: ISO_TEST_LONG }],
            session: () =>
              smSession(des3Suite, new Uint8Array(16).fill(1), new Uint8Array(16).fill(2)),
            options,
          });
          c.powerOn();
          c.transmit(START_SM_APDU);
          return validSw(c.transmit(cmd)) && validSw(c.transmit(fromHex('00C0000000')));
        }),
        { numRuns: 500 },
      );
    }
  });
});
