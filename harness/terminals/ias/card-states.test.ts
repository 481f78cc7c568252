/**
 * The card's state machine (ias/README.md §10) and status words (§11) —
 * every command in the wrong state, bad MAC, missing DO 99/8E, reused challenge, wrong key
 * references, wrong lengths — driven through the reference terminal's building blocks.
 * Under SM, the §4.3 policy applies: the real status is inside DO 99, the outer SW is 9000
 * (except 6282/6B00); SM format errors are plain 6987/6988 and end the session.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  commandApdu,
  encodeCommandApdu,
  parseCommandApdu,
  type CommandApdu,
} from '../../../emulator/src/apdu/command-apdu.ts';
import { concatBytes } from '../../../emulator/src/bytes/bytes.ts';
import { tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import {
  deriveSessionKeys,
  dhKeyPair,
  dhSharedSecret,
  iasSmSession,
  randomExponent,
} from '../../../emulator/src/applications/ias/dh.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { byteLength } from '../../../emulator/src/crypto/rsa.ts';
import {
  externalAuthHash,
  ISO9796_OVERHEAD,
  iso9796Block,
} from '../../../emulator/src/applications/ias/dapp-crypto.ts';
import { TERMINAL_SN_IFD } from '../../../emulator/src/applications/ias/interop.ts';
import { rsaPrivateRaw } from '../../../emulator/src/crypto/rsa.ts';
import { wrapCommand } from '../../../emulator/src/sm/sm-codec.ts';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { terminalCertificate } from './secure-channel.ts';
import { referenceTerminalKey } from './terminal-key.ts';
import { rig, toPinVerified, toSma, toSmd, type Rig } from './testing.ts';

const hex = (sw: number): string => sw.toString(16).toUpperCase().padStart(4, '0');

/** Protected command; returns the DO 99 status and the outer SW of the wire response. */
async function sm(
  r: Rig,
  cmd: string | CommandApdu,
): Promise<{ sw: string; outer: string; data: Uint8Array }> {
  const apdu = typeof cmd === 'string' ? parseCommandApdu(fromHex(cmd)) : cmd;
  const reply = await r.terminal.link.protected(apdu);
  return { sw: hex(reply.sw), outer: r.channel.lastSw, data: reply.data };
}

/** Plain command (ends any SM session); returns the SW. */
async function plain(r: Rig, cmd: string): Promise<string> {
  return hex((await r.terminal.link.plain(parseCommandApdu(fromHex(cmd)))).sw);
}

/** A raw command on the wire, bypassing the terminal. */
async function raw(r: Rig, bytes: Uint8Array): Promise<string> {
  await r.channel.transmit(bytes);
  return r.channel.lastSw;
}

const SELECT_1003 = '00A40204021003';
const READ_80 = '00B0000080';
const DST = '002281B606800141830184';
const AT_CHR = '002281A40E830C000000002000000000000001';
const AT_82 = '002241A40684018280019B';
const AT_81 = '002241A406800102840181';
const GET_CHALLENGE = '0084000008';

async function certificate(r: Rig): Promise<Uint8Array> {
  const ca = r.terminal.ca;
  if (!ca) throw new Error('CA key not read');
  return terminalCertificate(ca, referenceTerminalKey());
}

async function pso(r: Rig, cert?: Uint8Array): Promise<{ sw: string; outer: string }> {
  return sm(
    r,
    commandApdu({ cla: 0, ins: 0x2a, p1: 0x00, p2: 0xae, data: cert ?? (await certificate(r)) }),
  );
}

function extAuthData(r: Rig, rndIcc: Uint8Array): Uint8Array {
  const key = referenceTerminalKey();
  const t = r.terminal.transcript;
  if (!t) throw new Error('no transcript');
  const prnd = seededRng('prnd').bytes(byteLength(key.n) - ISO9796_OVERHEAD);
  return concatBytes(
    TERMINAL_SN_IFD,
    rsaPrivateRaw(key, iso9796Block(prnd, externalAuthHash(prnd, t, TERMINAL_SN_IFD, rndIcc))),
  );
}

const extAuth = (r: Rig, data: Uint8Array): Promise<{ sw: string; outer: string }> =>
  sm(r, commandApdu({ cla: 0, ins: 0x82, p1: 0, p2: 0, data }));

/** DST, PSO, AT CHR, GET CHALLENGE — up to EXTERNAL AUTHENTICATE. */
async function upToExternalAuth(r: Rig): Promise<Uint8Array> {
  expect((await sm(r, DST)).sw).toBe('9000');
  expect((await pso(r)).sw).toBe('9000');
  expect((await sm(r, AT_CHR)).sw).toBe('9000');
  const c = await sm(r, GET_CHALLENGE);
  expect(c.sw).toBe('9000');
  return c.data;
}

describe('§10 S0 (after reset, no SM): SM-only commands are refused in plain', () => {
  let r: Rig;
  beforeEach(async () => {
    r = rig();
    await r.terminal.connect();
    await r.terminal.selectIas();
    await r.terminal.selectDfCie();
  });

  const refused: [string, string, string][] = [
    ['VERIFY PIN', '00200081083132333435363738', '6982'],
    ['CHANGE REFERENCE DATA', '002400811031323334353637383132333435363738', '6982'],
    ['RESET RETRY COUNTER 02', '002C02810831323334353637 38', '6982'],
    ['MSE SET DST (CA key)', DST, '6982'],
    ['MSE SET AT key 82', AT_82, '6982'],
    ['MSE SET AT CHR', AT_CHR, '6982'],
    ['PSO VERIFY CERTIFICATE', '002A00AE037F2100', '6982'],
    ['EXTERNAL AUTHENTICATE', '00820000080102030405060708', '6982'],
    ['INTERNAL AUTHENTICATE without MSE', '00880000080102030405060708', '6985'],
    ['GET DATA A6 91 without MSE SET KAT', '00CB3FFF064D04A6029100', '6985'],
  ];
  for (const [name, cmd, sw] of refused) {
    it(`${name} → ${sw}`, async () => {
      expect(await plain(r, cmd)).toBe(sw);
    });
  }

  it('READ BINARY of EF 1002/1003 → 6982 (SELECT works)', async () => {
    expect(await plain(r, SELECT_1003)).toBe('9000');
    expect(await plain(r, READ_80)).toBe('6982');
    expect(await plain(r, '00A40204021002')).toBe('9000');
    expect(await plain(r, READ_80)).toBe('6982');
  });

  it('signing with key 81 in plain → 6982 even after its MSE SET AT', async () => {
    expect(await plain(r, AT_81)).toBe('9000');
    expect(await plain(r, '008800000401020304')).toBe('6982');
  });

  it('a protected command without an SM session → 6988', async () => {
    expect(
      await raw(
        r,
        fromHex('0C2000811D8711019A020D278B53BA4057A2598F0A76460D8E085EE4A992589D6EBD00'),
      ),
    ).toBe('6988');
  });

  it('servizi key 83 signs in plain without PIN, deterministically (PKCS#1 v1.5 type 1)', async () => {
    const a = await r.terminal.serviziSign(fromHex('313233'));
    const b = await r.terminal.serviziSign(fromHex('313233'));
    expect(a.length).toBe(256);
    expect(toHex(a)).toBe(toHex(b));
  });
});

describe('§10 SMd (DH done, DAPP not done)', () => {
  let r: Rig;
  beforeEach(async () => {
    r = rig();
    await toSmd(r);
  });

  it('VERIFY PIN → 6982 inside DO 99 with outer 9000 (§4.3 policy), no try consumed', async () => {
    expect(await sm(r, '00200081083132333435363738')).toMatchObject({ sw: '6982', outer: '9000' });
    expect(r.cie.secrets.read().pin.remaining).toBe(3);
  });

  it('READ BINARY of EF 1003 → 6982; public EFs read fine under SM', async () => {
    expect((await sm(r, SELECT_1003)).sw).toBe('9000');
    expect((await sm(r, READ_80)).sw).toBe('6982');
    expect((await sm(r, '00A40204021001')).sw).toBe('9000');
    expect(await sm(r, '00B000000C')).toMatchObject({ sw: '9000' });
  });

  it('DAPP out of order: PSO before DST 6985, MSE CHR before PSO 6A88, EXTERNAL AUTH before its key 6985, INTERNAL AUTH 82 before EXTERNAL AUTH 6985', async () => {
    expect((await pso(r)).sw).toBe('6985');
    expect((await sm(r, AT_CHR)).sw).toBe('6A88');
    expect((await sm(r, GET_CHALLENGE)).sw).toBe('9000');
    expect((await extAuth(r, new Uint8Array(264))).sw).toBe('6985');
    expect((await sm(r, AT_82)).sw).toBe('9000');
    expect((await sm(r, '00880000080102030405060708')).sw).toBe('6985');
  });

  it('signing with key 81 → 6982; MSE SET KAT under SM → 6985', async () => {
    expect((await sm(r, AT_81)).sw).toBe('9000');
    expect((await sm(r, '008800000401020304')).sw).toBe('6982');
    expect((await sm(r, '002241A60980019B830181910102')).sw).toBe('6985');
  });

  it('PSO VERIFY CERTIFICATE: wrong P1P2 6A86, corrupted signature 6A80, foreign CAR 6A88', async () => {
    expect((await sm(r, DST)).sw).toBe('9000');
    expect(
      (
        await sm(
          r,
          commandApdu({ cla: 0, ins: 0x2a, p1: 0x00, p2: 0xbe, data: await certificate(r) }),
        )
      ).sw,
    ).toBe('6A86');
    const bad = (await certificate(r)).slice();
    bad[20] = (bad[20] as number) ^ 0x01;
    expect((await pso(r, bad)).sw).toBe('6A80');
    expect((await sm(r, DST)).sw).toBe('9000');
    const car = (await certificate(r)).slice();
    car[car.length - 1] = (car[car.length - 1] as number) ^ 0x01;
    expect((await pso(r, car)).sw).toBe('6A88');
  });

  it('EXTERNAL AUTHENTICATE without a challenge → 6985; wrong length → 6700; bad signature → 6300 and DAPP restarts', async () => {
    expect((await sm(r, DST)).sw).toBe('9000');
    expect((await pso(r)).sw).toBe('9000');
    expect((await sm(r, AT_CHR)).sw).toBe('9000');
    expect((await extAuth(r, extAuthData(r, new Uint8Array(8)))).sw).toBe('6985');
    const rnd = (await sm(r, GET_CHALLENGE)).data;
    expect((await extAuth(r, extAuthData(r, rnd).subarray(0, 100))).sw).toBe('6700');
    await upToExternalAuth(r);
    const wrong = extAuthData(r, new Uint8Array(8));
    expect((await extAuth(r, wrong)).sw).toBe('6300');
    expect((await pso(r)).sw).toBe('6985');
  });

  it('a challenge is single use: replaying an accepted EXTERNAL AUTHENTICATE → 6985', async () => {
    const rnd = await upToExternalAuth(r);
    const data = extAuthData(r, rnd);
    expect((await extAuth(r, data)).sw).toBe('9000');
    expect((await sm(r, DST)).sw).toBe('9000');
    expect((await pso(r)).sw).toBe('9000');
    expect((await sm(r, AT_CHR)).sw).toBe('9000');
    expect((await extAuth(r, data)).sw).toBe('6985');
  });

  it('DAPP INTERNAL AUTHENTICATE with a 7-byte RND.IFD → 6700', async () => {
    const rnd = await upToExternalAuth(r);
    expect((await extAuth(r, extAuthData(r, rnd))).sw).toBe('9000');
    expect((await sm(r, AT_82)).sw).toBe('9000');
    expect((await sm(r, '0088000007010203040506 07')).sw).toBe('6700');
  });

  it('wrong key references and algorithms: 6A88 / 6A80', async () => {
    expect((await sm(r, '002281B606800141830185')).sw).toBe('6A88');
    expect((await sm(r, '002281B606800142830184')).sw).toBe('6A80');
    expect((await sm(r, '002241A406800102840185')).sw).toBe('6A88');
    expect((await sm(r, '002241A40684018180019B')).sw).toBe('6A80');
    expect((await sm(r, '002241A403840182')).sw).toBe('6A80');
    // On the full CIE, MSE C1 A4 belongs to PACE (eMRTD module at MF level); this OID (DH-GM-AES-128)
    // is not among the card's PACEInfos → 6A80.
    expect((await sm(r, '0022C1A40F800A04007F00070202040202830102')).sw).toBe('6A80');
  });
});

describe('§10 SMa (DAPP done)', () => {
  let r: Rig;
  beforeEach(async () => {
    r = rig();
    await toSma(r);
  });

  it('without PIN: READ EF 1003 6982, sign 6982, RESET RETRY COUNTER 6982 (no PUK)', async () => {
    expect((await sm(r, SELECT_1003)).sw).toBe('9000');
    expect((await sm(r, READ_80)).sw).toBe('6982');
    expect((await sm(r, AT_81)).sw).toBe('9000');
    expect((await sm(r, '008800000401020304')).sw).toBe('6982');
    expect((await sm(r, '002C038100')).sw).toBe('6982');
  });

  it('VERIFY: P1 01 6A86, P2 83 6A88, 7 digits 6700, non-digits 6A80 — none costs a try; empty data reports 63C3', async () => {
    expect((await sm(r, '00200181083132333435363738')).sw).toBe('6A86');
    expect((await sm(r, '00200083083132333435363738')).sw).toBe('6A88');
    expect((await sm(r, '0020008107313233343536 37')).sw).toBe('6700');
    expect((await sm(r, '002000810831323334353637 41')).sw).toBe('6A80');
    expect(r.cie.secrets.read().pin.remaining).toBe(3);
    expect((await sm(r, '0020008100')).sw).toBe('63C3');
  });

  it('CHANGE REFERENCE DATA: P2 82 6A88, 8 bytes 6700, wrong old PIN 63C2; RESET RETRY COUNTER P1 01 6A86', async () => {
    expect((await sm(r, '002400820831323334353637 38')).sw).toBe('6A88');
    expect((await sm(r, '002400810831323334353637 38')).sw).toBe('6700');
    expect((await sm(r, '002400811030303030303030303132333435363738')).sw).toBe('63C2');
    expect((await sm(r, '002C018100')).sw).toBe('6A86');
  });

  it('with protectedFileAccess = dapp (option, §12 item 7) EF 1003 reads without PIN', async () => {
    const d = rig({ iasOptions: { protectedFileAccess: 'dapp' } });
    await toSma(d);
    expect((await sm(d, SELECT_1003)).sw).toBe('9000');
    expect((await sm(d, READ_80)).sw).toBe('9000');
  });
});

describe('§10 SMa + PIN: lengths, end of the session', () => {
  let r: Rig;
  beforeEach(async () => {
    r = rig();
    await toPinVerified(r);
  });

  it('sign: 245 bytes accepted, 246 → 6700', async () => {
    expect((await sm(r, AT_81)).sw).toBe('9000');
    expect(
      (
        await sm(
          r,
          commandApdu({ cla: 0, ins: 0x88, p1: 0, p2: 0, data: new Uint8Array(245).fill(1) }),
        )
      ).sw,
    ).toBe('9000');
    expect(
      (
        await sm(
          r,
          commandApdu({ cla: 0, ins: 0x88, p1: 0, p2: 0, data: new Uint8Array(246).fill(1) }),
        )
      ).sw,
    ).toBe('6700');
  });

  it('RESET RETRY COUNTER 03 with data → 6700 once the PUK is verified', async () => {
    expect((await r.terminal.verify(0x82, r.puk)).ok).toBe(true);
    expect((await sm(r, '002C038101 00')).sw).toBe('6700');
  });

  it('a plain APDU ends the session: the old session is refused (6988) and signing needs DAPP again (6982)', async () => {
    const session = r.terminal.link.session;
    expect(await plain(r, '00A40204021001')).toBe('9000');
    r.terminal.link.session = session;
    expect(
      (await r.terminal.link.protected(parseCommandApdu(fromHex(AT_81)))).sw.toString(16),
    ).toBe('6988');
    expect(await plain(r, AT_81)).toBe('9000');
    expect(await plain(r, '008800000401020304')).toBe('6982');
  });

  it('a bad MAC → plain 6988 and the session ends; missing DO 8E → plain 6987', async () => {
    const s = r.terminal.link.session;
    if (!s) throw new Error('no session');
    const w = wrapCommand(s, parseCommandApdu(fromHex(AT_81)));
    const bad = encodeCommandApdu(w.apdu).slice();
    bad[bad.length - 3] = (bad[bad.length - 3] as number) ^ 0x01;
    expect(await raw(r, bad)).toBe('6988');
    const w2 = wrapCommand(w.session, parseCommandApdu(fromHex(AT_81)));
    expect(await raw(r, encodeCommandApdu(w2.apdu))).toBe('6988');
    const fresh = rig();
    await toSma(fresh);
    const s2 = fresh.terminal.link.session;
    if (!s2) throw new Error('no session');
    const body = wrapCommand(s2, parseCommandApdu(fromHex(AT_81))).apdu.data;
    const noMac = body.subarray(0, body.length - 10);
    expect(
      await raw(
        fresh,
        encodeCommandApdu(
          commandApdu({ cla: 0x0c, ins: 0x22, p1: 0x41, p2: 0xa4, data: noMac, ne: 256 }),
        ),
      ),
    ).toBe('6987');
  });

  it('DO 97 present (desktop 97 01 00) or absent (mobile) is accepted on a command without Le', async () => {
    const s = r.terminal.link.session;
    if (!s) throw new Error('no session');
    const w = wrapCommand(s, parseCommandApdu(fromHex(AT_81)), { leWhenAbsent: 0 });
    expect(toHex(w.apdu.data)).toContain('970100');
    await r.channel.transmit(encodeCommandApdu(w.apdu));
    expect(r.channel.lastSw).toBe('9000');
    r.terminal.link.session = undefined;
  });

  it('warm reset → S0: protected commands 6988, VERIFY in plain 6982', async () => {
    await r.terminal.reset();
    expect(
      await raw(
        r,
        fromHex('0C2000811D8711019A020D278B53BA4057A2598F0A76460D8E085EE4A992589D6EBD00'),
      ),
    ).toBe('6988');
    expect(await plain(r, '00200081083132333435363738')).toBe('6982');
  });
});

describe('§11 status words at the edges', () => {
  it('READ BINARY: a short read answers the data with 9000 (real cards; B1 keeps 6282), offset beyond EOF 6B00 — plain, and under SM with the same outer SW', async () => {
    const r = rig();
    await toPinVerified(r);
    expect((await sm(r, '00A40204021002')).sw).toBe('9000');
    expect(await sm(r, '00B0000080')).toMatchObject({ sw: '9000', outer: '9000' });
    expect(await sm(r, '00B0000A80')).toMatchObject({ sw: '6B00', outer: '6B00' });
    expect(await plain(r, '00A40204021001')).toBe('9000');
    expect(await plain(r, '00B0000080')).toBe('9000');
    expect(await plain(r, '00B0000C01')).toBe('6B00');
    expect(await plain(r, '00B1000004540200080C')).toBe('6282');
  });

  it('READ BINARY with the option readBeyondEof 6282: the short read answers 6282, plain and as the outer SW under SM', async () => {
    const r = rig({ options: { readBeyondEof: '6282' } });
    await toPinVerified(r);
    expect((await sm(r, '00A40204021002')).sw).toBe('9000');
    expect(await sm(r, '00B0000080')).toMatchObject({ sw: '6282', outer: '6282' });
    expect(await plain(r, '00A40204021001')).toBe('9000');
    expect(await plain(r, '00B0000080')).toBe('6282');
  });

  it('READ BINARY returns at most 231 bytes for Le 00 (§2.2 notes)', async () => {
    const r = rig();
    await r.terminal.connect();
    await r.terminal.selectIas();
    await r.terminal.selectDfCie();
    await r.terminal.selectEf(0x1006);
    const rsp = await r.terminal.link.plain(parseCommandApdu(fromHex('00B0000000')));
    expect(rsp.data.length).toBe(231);
  });

  it('SELECT: unknown FID or AID → 6A82; the IAS AID on a personality that refuses it → 6A82', async () => {
    const r = rig();
    await r.terminal.connect();
    expect(await plain(r, '00A4020402ABCD')).toBe('6A82');
    expect(await plain(r, '00A4040C06A00000000099')).toBe('6A82');
    const n = rig({ iasOptions: { iasAidSelect: 'not-found' } });
    await n.terminal.connect();
    expect(await plain(n, '00A4040C0DA0000000308000000009816001')).toBe('6A82');
    expect(await plain(n, '00A40000')).toBe('9000');
  });

  it('GET DATA: P1P2 not 3FFF 6A86, unknown SDO 6A88, malformed list 6A80, template refused where the personality only serves g/p/q 6A88', async () => {
    const r = rig();
    await r.terminal.connect();
    expect(await plain(r, '00CB00000C4D0A7008BFA10104A3029700')).toBe('6A86');
    expect(await plain(r, '00CB3FFF0C4D0A7008BFA10204A3029700')).toBe('6A88');
    expect(await plain(r, '00CB3FFF034D0870')).toBe('6A80');
    const s = rig({ iasOptions: { getDataTemplate: false } });
    await s.terminal.connect();
    expect(await plain(s, '00CB3FFF0A4D087006BFA10102A380')).toBe('6A88');
    expect(await plain(s, '00CB3FFF0C4D0A7008BFA10104A3029900')).toBe('9000');
  });

  it('MSE SET KAT: wrong key reference 6A88, wrong algorithm 6A80, degenerate public keys 6A80', async () => {
    const r = rig();
    await r.terminal.connect();
    expect(await plain(r, '002241A60980019B830182910102')).toBe('6A88');
    expect(await plain(r, '002241A60980019C830181910102')).toBe('6A80');
    expect(await plain(r, '002241A60980019B830181910101')).toBe('6A80');
    expect(await plain(r, '002241A60680019B830181')).toBe('6A80');
  });

  it('GET CHALLENGE without Le → 6700', async () => {
    const r = rig();
    await r.terminal.connect();
    expect(await plain(r, '00840000')).toBe('6700');
  });

  it('outer SW of a wrong PIN: 9000 + DO 99 63C2 by default; 63C2 outside with smOuterSw = mirror', async () => {
    const a = rig();
    await toSma(a);
    expect(await sm(a, '00200081083030303030303030')).toMatchObject({ sw: '63C2', outer: '9000' });
    const b = rig({ options: { smOuterSw: 'mirror' } });
    await toSma(b);
    expect(await sm(b, '00200081083030303030303030')).toMatchObject({ sw: '63C2', outer: '63C2' });
  });

  it('ST personalities refuse MSE SET B6 for the terminal CHR (6A80); the others accept it', async () => {
    for (const [profile, sw] of [
      ['stm', '6A80'],
      ['nxp', '9000'],
    ] as const) {
      const r = rig({ profile });
      await toSmd(r);
      expect((await sm(r, DST)).sw).toBe('9000');
      expect((await pso(r)).sw).toBe('9000');
      expect((await sm(r, '002281B60E830C000000002000000000000001')).sw).toBe(sw);
    }
  });
});

describe('§4.1 / §5.3 the exact bytes exchanged', () => {
  it('a 255-byte PuK.IFD.DH (desktop-Linux drops a leading zero) is accepted and hashed as received in DAPP', async () => {
    const r = rig({ seed: 'linux-dh' });
    const t = r.terminal;
    await t.connect();
    await t.selectIas();
    await t.selectDfCie();
    await t.readIccAuthKey();
    const group = await t.getDhParameters('separate');
    await t.getCaPublicKey();
    const rng = seededRng('leading-zero-terminal');
    let pair = dhKeyPair(group, randomExponent(group, rng));
    while (pair.publicKey[0] !== 0) pair = dhKeyPair(group, randomExponent(group, rng));
    const trimmed = pair.publicKey.subarray(1);
    const kat = concatBytes(fromHex('80019B830181'), tlv(0x91, trimmed));
    expect(
      (await t.link.plain(commandApdu({ cla: 0, ins: 0x22, p1: 0x41, p2: 0xa6, data: kat }))).sw,
    ).toBe(0x9000);
    const rsp = await t.link.plain(
      commandApdu({ cla: 0, ins: 0xcb, p1: 0x3f, p2: 0xff, data: fromHex('4D04A6029100') }),
    );
    const iccPublic = rsp.data.subarray(rsp.data.length - 256);
    t.link.session = iasSmSession(
      deriveSessionKeys(dhSharedSecret(group, pair.privateExponent, iccPublic)),
    );
    t.transcript = { group, ifdPublic: trimmed, iccPublic };
    await t.dapp();
    expect((await t.verify(0x81, r.pin)).ok).toBe(true);
  });
});
