/**
 * The IAS reference terminal: building blocks of the client flows of ias/README.md §5 and §8.1 over
 * any ApduChannel, each recorded as a step (APDUs, timing, verdict, precise error). Flows
 * (`flows.ts`) compose them; the conformance suite and the scenario runner can call them one by
 * one. The terminal keeps what it has learnt (ATR type, DH parameters, CA key, EF 1004) so later
 * blocks can use it, and validates everything it receives.
 */
import type { ApduChannel } from '../../channel/apdu-channel.ts';
import { commandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import {
  SW_6282_END_OF_FILE,
  SW_6300_VERIFICATION_FAILED,
  SW_6700_WRONG_LENGTH,
  SW_6983_AUTH_METHOD_BLOCKED,
  SW_6A82_FILE_NOT_FOUND,
  SW_6B00_WRONG_P1P2,
  SW_9000_OK,
  retriesOf63C,
} from '../../../emulator/src/apdu/status-words.ts';
import { asciiBytes, concatBytes } from '../../../emulator/src/bytes/bytes.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { systemRng, type Rng } from '../../../emulator/src/crypto/rng.ts';
import type { RsaPublicKey } from '../../../emulator/src/crypto/rsa.ts';
import type { DappTranscript } from '../../../emulator/src/applications/ias/dapp-crypto.ts';
import type { DhGroup } from '../../../emulator/src/applications/ias/dh.ts';
import { DF_CIE_AID, IAS_AID } from '../../../emulator/src/applications/ias/ias-constants.ts';
import { StepRecorder, swText, TerminalError, type StepReport } from '../common/step-report.ts';
import { IasLink, type Reply } from './ias-link.ts';
import {
  desktopBehaviour,
  detectFromAtr,
  detectFromEfAtr,
  type EfAtrFamily,
  type MiddlewareType,
} from './personality.ts';
import {
  dapp,
  dhKeyExchange,
  expectOk,
  parseCaPublicKey,
  parseDhParameters,
  type CaPublicKey,
} from './secure-channel.ts';
import { STYLE_RULES, type StyleRules, type TerminalStyle } from './styles.ts';
import { referenceTerminalKey } from './terminal-key.ts';
import { parseRsaPublicKeyFile } from './validation.ts';

export interface IasTerminalOptions {
  readonly style?: TerminalStyle;
  readonly rng?: Rng;
  /** Show PIN/PUK in reports (masked by default). */
  readonly showSecrets?: boolean;
}

export type VerifyResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly blocked: boolean;
      readonly triesLeft?: number;
      readonly sw: number;
    };

const MAX_FILE = 0x7fff;

export class IasTerminal {
  readonly rules: StyleRules;
  readonly recorder: StepRecorder;
  readonly link: IasLink;
  private readonly channel: ApduChannel;
  private readonly rng: Rng;
  atr: Uint8Array | undefined;
  /** Desktop classification of the ATR (§1.2); undefined = "CIE not recognized". */
  atrType: MiddlewareType | undefined;
  efAtrFamily: EfAtrFamily | undefined;
  dh: DhGroup | undefined;
  ca: CaPublicKey | undefined;
  iccAuthKey: RsaPublicKey | undefined;
  transcript: DappTranscript | undefined;
  snIcc: Uint8Array | undefined;

  constructor(channel: ApduChannel, options: IasTerminalOptions = {}) {
    this.channel = channel;
    this.rules = STYLE_RULES[options.style ?? 'desktop'];
    this.rng = options.rng ?? systemRng;
    this.recorder = new StepRecorder();
    this.link = new IasLink(channel, this.recorder, this.rules, options.showSecrets ?? false);
  }

  get style(): TerminalStyle {
    return this.rules.style;
  }

  get reports(): readonly StepReport[] {
    return this.recorder.reports;
  }

  private forget(): void {
    this.link.session = undefined;
    this.transcript = undefined;
    this.snIcc = undefined;
  }

  async connect(): Promise<Uint8Array> {
    return this.recorder.step(
      'connect',
      async () => this.learnAtr(await this.channel.connect()),
      () =>
        `ATR ${toHex(this.atr ?? new Uint8Array(), ' ')} → ${this.atrType ?? 'not recognized by the desktop table'}`,
    );
  }

  /** Warm reset (the desktop resets before every login and signature, §10). */
  async reset(): Promise<Uint8Array> {
    return this.recorder.step('reset', async () => this.learnAtr(await this.channel.reset()));
  }

  private learnAtr(atr: Uint8Array): Uint8Array {
    this.forget();
    this.atr = atr;
    this.atrType = detectFromAtr(atr);
    return atr;
  }

  private send(ins: number, p1: number, p2: number, data?: Uint8Array, ne = 0): Promise<Reply> {
    return this.link.send(commandApdu({ cla: 0x00, ins, p1, p2, ...(data ? { data } : {}), ne }));
  }

  /** SELECT IAS as the detected client would (§1.3, §1.2): by AID or `00 A4 00 00`. */
  async selectIas(): Promise<void> {
    await this.recorder.step('select IAS', async () => {
      const byMf =
        this.rules.style === 'desktop' &&
        this.atrType !== undefined &&
        desktopBehaviour(this.atrType).iasSelect === 'mf';
      if (byMf)
        return void expectOk(
          await this.link.plain(commandApdu({ cla: 0, ins: 0xa4, p1: 0, p2: 0 })),
          'SELECT MF (00 A4 00 00)',
        );
      const r = await this.link.plain(
        commandApdu({ cla: 0, ins: 0xa4, p1: 0x04, p2: 0x0c, data: IAS_AID }),
      );
      if (r.sw === SW_6A82_FILE_NOT_FOUND && this.rules.iasSelectFallback) {
        return void expectOk(
          await this.link.plain(commandApdu({ cla: 0, ins: 0xa4, p1: 0, p2: 0 })),
          'SELECT MF fallback',
        );
      }
      expectOk(r, 'SELECT IAS AID');
    });
  }

  async selectDfCie(p2: 0x0c | 0x04 = 0x0c): Promise<void> {
    await this.recorder.step(
      'select DF_CIE',
      async () => void expectOk(await this.send(0xa4, 0x04, p2, DF_CIE_AID), 'SELECT DF_CIE'),
    );
  }

  async selectEf(fid: number, p2: 0x04 | 0x0c = 0x04): Promise<void> {
    const name = fid.toString(16).toUpperCase().padStart(4, '0');
    await this.recorder.step(
      `select EF ${name}`,
      async () =>
        void expectOk(
          await this.send(0xa4, 0x02, p2, Uint8Array.of(fid >> 8, fid & 0xff)),
          `SELECT ${name}`,
        ),
    );
  }

  /** READ BINARY loop over the current EF until 6282/6B00/short data (§3 row 6), plain or SM. */
  async readCurrentEf(le?: number): Promise<Uint8Array> {
    const n = le ?? (this.link.session ? this.rules.smReadLe : this.rules.plainReadLe);
    return this.recorder.step('read binary', async () => {
      const parts: Uint8Array[] = [];
      for (let offset = 0; offset <= MAX_FILE;) {
        const r = await this.send(0xb0, offset >> 8, offset & 0xff, undefined, n);
        if (r.sw === SW_6B00_WRONG_P1P2 && offset > 0) break;
        if (r.sw !== SW_9000_OK && r.sw !== SW_6282_END_OF_FILE)
          throw new TerminalError(
            'UNEXPECTED_SW',
            `READ BINARY at ${offset}: ${swText(r.sw)}`,
            r.sw,
          );
        parts.push(r.data);
        offset += r.data.length;
        if (r.sw === SW_6282_END_OF_FILE || r.data.length === 0) break;
      }
      return concatBytes(...parts).slice();
    });
  }

  async readEf(fid: number): Promise<Uint8Array> {
    const name = fid.toString(16).toUpperCase().padStart(4, '0');
    return this.recorder.step(
      `read EF ${name}`,
      async () => {
        await this.selectEf(fid);
        return this.readCurrentEf();
      },
      (d) => `${d.length} bytes`,
    );
  }

  /** Mobile form (§1.4): `00 A4 00 00 02 3F 00`, `00 A4 02 04 02 2F 01`, READ BINARY. */
  async readEfAtr(): Promise<Uint8Array> {
    return this.recorder.step(
      'read EF.ATR',
      async () => {
        expectOk(
          await this.link.plain(
            commandApdu({ cla: 0, ins: 0xa4, p1: 0, p2: 0, data: fromHex('3F00') }),
          ),
          'SELECT MF',
        );
        await this.selectEf(0x2f01);
        const efAtr = await this.readCurrentEf();
        this.efAtrFamily = detectFromEfAtr(efAtr);
        return efAtr;
      },
      () => `EF.ATR family ${this.efAtrFamily ?? 'unknown'}`,
    );
  }

  /**
   * NIS (EF 1001, 12 ASCII digits): `sfi` = `00 B0 81 00 0C` (mobile NIS flow, §5.1 B),
   * `select-0c` = SELECT 1001 + `00 B0 00 00 0C` (mobile login, §8.1 step 1), `select` = SELECT +
   * READ loop with the client's Le (desktop, §5.1 A step 7).
   */
  async readNis(form: 'sfi' | 'select-0c' | 'select' = 'select'): Promise<string> {
    return this.recorder.step(
      'read NIS',
      async () => {
        let data: Uint8Array;
        if (form === 'sfi')
          data = expectOk(await this.send(0xb0, 0x81, 0x00, undefined, 0x0c), 'READ BINARY SFI 1');
        else if (form === 'select-0c') {
          await this.selectEf(0x1001);
          data = expectOk(await this.send(0xb0, 0x00, 0x00, undefined, 0x0c), 'READ BINARY 1001');
        } else data = await this.readEf(0x1001);
        const nis = String.fromCharCode(...data);
        if (!/^\d{12}$/.test(nis))
          throw new TerminalError('BAD_FILE', `NIS is not 12 ASCII digits: ${toHex(data)}`);
        return nis;
      },
      (nis) => `NIS ${nis}`,
    );
  }

  /** Desktop `InitEncKey` (§5.1 A step 6): servizi signature of the 12 hex digits of EF.SN.ICC[5..10]. */
  async initEncKey(snIcc: Uint8Array): Promise<Uint8Array> {
    return this.recorder.step('InitEncKey (servizi signature of the PAN)', async () =>
      this.serviziSign(asciiBytes(toHex(snIcc.subarray(5, 11)))),
    );
  }

  /** GET DATA of g, p, q: one request (Gemalto desktop form) or three (§2.4). */
  async getDhParameters(form: 'template' | 'separate'): Promise<DhGroup> {
    return this.recorder.step(
      `GET DATA DH parameters (${form})`,
      async () => {
        const ask = async (hex: string): Promise<Map<number, Uint8Array>> =>
          parseDhParameters(
            expectOk(await this.send(0xcb, 0x3f, 0xff, fromHex(hex)), 'GET DATA DH'),
          );
        const all =
          form === 'template'
            ? await ask('4D 08 70 06 BF A1 01 02 A3 80')
            : new Map([
                ...(await ask('4D 0A 70 08 BF A1 01 04 A3 02 97 00')),
                ...(await ask('4D 0A 70 08 BF A1 01 04 A3 02 98 00')),
                ...(await ask('4D 0A 70 08 BF A1 01 04 A3 02 99 00')),
              ]);
        const g = all.get(0x97);
        const p = all.get(0x98);
        const q = all.get(0x99);
        if (!g || !p || !q) throw new TerminalError('BAD_RESPONSE', 'DH parameters incomplete');
        this.dh = { g, p, q };
        return this.dh;
      },
      (g) => `|p| = ${g.p.length} bytes, |q| = ${g.q.length} bytes`,
    );
  }

  async getCaPublicKey(): Promise<CaPublicKey> {
    return this.recorder.step(
      'GET DATA CA public key',
      async () => {
        this.ca = parseCaPublicKey(
          expectOk(
            await this.send(0xcb, 0x3f, 0xff, fromHex('4D 09 70 07 BF A0 04 03 7F 49 80')),
            'GET DATA 7F49',
          ),
        );
        return this.ca;
      },
      (ca) => `CHR ${toHex(ca.chr)}`,
    );
  }

  /** EF 1004 (public key 82 for DAPP). */
  async readIccAuthKey(): Promise<RsaPublicKey> {
    return this.recorder.step('read EF 1004 (Int.Kpub)', async () => {
      this.iccAuthKey = parseRsaPublicKeyFile(await this.readEf(0x1004));
      return this.iccAuthKey;
    });
  }

  async dhKeyExchange(): Promise<void> {
    await this.recorder.step(
      'DH key exchange',
      async () => {
        if (!this.dh) throw new TerminalError('STATE', 'DH parameters not read (GET DATA first)');
        this.transcript = await dhKeyExchange(this.link, this.dh, this.rng);
      },
      () => 'SM active, SSC = 1',
    );
  }

  async dapp(): Promise<Uint8Array> {
    return this.recorder.step(
      'DAPP',
      async () => {
        if (!this.transcript || !this.ca || !this.iccAuthKey)
          throw new TerminalError('STATE', 'DAPP needs the DH exchange, the CA key and EF 1004');
        this.snIcc = await dapp(this.link, {
          transcript: this.transcript,
          ca: this.ca,
          iccAuthKey: this.iccAuthKey,
          terminalKey: referenceTerminalKey(),
          rng: this.rng,
        });
        return this.snIcc;
      },
      (sn) => `SN.ICC ${toHex(sn)}; SSC re-seeded`,
    );
  }

  /** VERIFY PIN (81) or PUK (82) with 8 ASCII digits (§5.4); statuses per §6. */
  async verify(ref: 0x81 | 0x82, value: string): Promise<VerifyResult> {
    return this.recorder.step(
      `VERIFY ${ref === 0x81 ? 'PIN' : 'PUK'}`,
      async () => {
        const r = await this.send(0x20, 0x00, ref, asciiBytes(value));
        return verifyResult(r);
      },
      (v) =>
        v.ok
          ? 'verified'
          : v.blocked
            ? 'blocked (6983)'
            : `wrong, ${v.triesLeft ?? '?'} tries left`,
    );
  }

  /**
   * VERIFY without data (ISO/IEC 7816-4:2020 §7.5.6): the tries left (`63Cx`), 'verified' (`9000`)
   * or 0 when blocked (`6983`), without consuming a try. Sent before a VERIFY on a physical card so
   * that the last-try guard of the channel (harness/pcsc/pin-guard.ts) learns the count from DO 99.
   */
  async retriesLeft(ref: 0x81 | 0x82): Promise<number | 'verified'> {
    return this.recorder.step(
      `tries left (${ref === 0x81 ? 'PIN' : 'PUK'})`,
      async () => {
        const r = await this.send(0x20, 0x00, ref);
        if (r.sw === SW_9000_OK) return 'verified' as const;
        if (r.sw === SW_6983_AUTH_METHOD_BLOCKED) return 0;
        const left = retriesOf63C(r.sw);
        if (left !== undefined) return left;
        throw new TerminalError(
          'UNEXPECTED_SW',
          `VERIFY without data answered ${swText(r.sw)}`,
          r.sw,
        );
      },
      (v) => String(v),
    );
  }

  async changePin(oldPin: string, newPin: string): Promise<VerifyResult> {
    return this.recorder.step('CHANGE REFERENCE DATA (PIN)', async () =>
      verifyResult(await this.send(0x24, 0x00, 0x81, asciiBytes(oldPin + newPin))),
    );
  }

  /** RESET RETRY COUNTER: `02` with a new PIN, `03` unblock only (§5.5). */
  async resetRetryCounter(newPin?: string): Promise<void> {
    await this.recorder.step('RESET RETRY COUNTER', async () => {
      const r =
        newPin === undefined
          ? await this.send(0x2c, 0x03, 0x81)
          : await this.send(0x2c, 0x02, 0x81, asciiBytes(newPin));
      expectOk(r, 'RESET RETRY COUNTER');
    });
  }

  /** MSE SET AT 41 A4 for key 81 or 83 (algorithm 02), DO order per client (§3 rows 22, 24). */
  async selectSigningKey(key: 0x81 | 0x83): Promise<void> {
    const alg = '80 01 02';
    const ref = `84 01 ${key.toString(16)}`;
    const data = fromHex(this.rules.signDoOrder === '80-84' ? `${alg} ${ref}` : `${ref} ${alg}`);
    expectOk(await this.send(0x22, 0x41, 0xa4, data), `MSE SET AT key ${key.toString(16)}`);
  }

  /** Key 81 signature of `data` (a DigestInfo) under SM after DAPP + VERIFY (§7). */
  async sign(data: Uint8Array): Promise<Uint8Array> {
    return this.recorder.step(
      'sign (key 81)',
      async () => {
        if (!this.link.session)
          throw new TerminalError('STATE', 'signing needs the secure channel');
        await this.selectSigningKey(0x81);
        return expectOk(await this.send(0x88, 0x00, 0x00, data), 'INTERNAL AUTHENTICATE (sign)');
      },
      (s) => `${s.length}-byte signature`,
    );
  }

  /** Servizi key 83 INTERNAL AUTHENTICATE, plain (or under SM when a session is open) (§5.1). */
  async serviziSign(challenge: Uint8Array): Promise<Uint8Array> {
    return this.recorder.step('servizi INTERNAL AUTHENTICATE (key 83)', async () => {
      await this.selectSigningKey(0x83);
      return expectOk(
        await this.send(0x88, 0x00, 0x00, challenge, this.rules.serviziLe),
        'INTERNAL AUTHENTICATE (servizi)',
      );
    });
  }
}

function verifyResult(r: Reply): VerifyResult {
  if (r.sw === SW_9000_OK) return { ok: true };
  if (r.sw === SW_6983_AUTH_METHOD_BLOCKED) return { ok: false, blocked: true, sw: r.sw };
  const triesLeft = retriesOf63C(r.sw);
  if (triesLeft !== undefined) return { ok: false, blocked: false, triesLeft, sw: r.sw };
  if (r.sw === SW_6300_VERIFICATION_FAILED || r.sw === SW_6700_WRONG_LENGTH)
    return { ok: false, blocked: false, sw: r.sw };
  throw new TerminalError('UNEXPECTED_SW', `VERIFY/CHANGE answered ${swText(r.sw)}`, r.sw);
}
