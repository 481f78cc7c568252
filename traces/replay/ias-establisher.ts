/**
 * The IAS session establisher for replay (ias/README.md §4.1 DH key exchange, §5.3 DAPP): the IAS
 * reference terminal (harness/terminals/ias) runs the key exchange — and DAPP when the source
 * block had it — on the replay channel. The DH group, the CA public key and EF 1004 are taken from
 * what the target itself answered earlier in the replay, since every client reads them before
 * the key exchange (§8.1 steps 3–5); nothing extra is sent.
 */
import { HostError } from '../../emulator/src/host-error.ts';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import type { CommandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import { parseResponseApdu } from '../../emulator/src/apdu/response-apdu.ts';
import {
  INS_A4_SELECT,
  INS_B0_READ_BINARY,
  INS_CB_GET_DATA_ODD,
} from '../../emulator/src/apdu/ins.ts';
import type { DhGroup } from '../../emulator/src/applications/ias/dh.ts';
import type { RsaPublicKey } from '../../emulator/src/crypto/rsa.ts';
import type { Rng } from '../../emulator/src/crypto/rng.ts';
import { IasTerminal } from '../../harness/terminals/ias/ias-terminal.ts';
import {
  parseCaPublicKey,
  parseDhParameters,
  type CaPublicKey,
} from '../../harness/terminals/ias/secure-channel.ts';
import type { TerminalStyle } from '../../harness/terminals/ias/styles.ts';
import { parseRsaPublicKeyFile } from '../../harness/terminals/ias/validation.ts';
import { tryParseCommand } from '../annotate/sm-keys.ts';
import type { AnsweredExchange, SessionEstablisher } from './replay.ts';
import { SW_6282_END_OF_FILE, SW_9000_OK } from '../../emulator/src/apdu/status-words.ts';

export class IasReplayError extends HostError {
  readonly code = 'IAS_REPLAY';
}

export interface IasTargetParameters {
  readonly dh?: DhGroup;
  readonly ca?: CaPublicKey;
  /** EF 1004: public part of the ICC authentication key (82). */
  readonly iccAuthKey?: RsaPublicKey;
}

const FID_1004 = 0x1004;
/** SFI 04 of DF_CIE is EF 1004 (ias/README.md §2.2). */
const SFI_04 = 0x04;

function dataOf(response: Uint8Array): Uint8Array | undefined {
  const r = parseResponseApdu(response);
  return r.sw === SW_9000_OK || r.sw === SW_6282_END_OF_FILE ? r.data : undefined;
}

function hasBytes(a: CommandApdu, hex: string): boolean {
  return toHex(a.data).includes(hex);
}

/** g, p, q, the CA key and EF 1004 as the target answered them (plain exchanges, in order). */
export function iasParametersFrom(answered: readonly AnsweredExchange[]): IasTargetParameters {
  const dh = new Map<number, Uint8Array>();
  let ca: CaPublicKey | undefined;
  let current: number | undefined;
  const ef1004: number[] = [];
  for (const x of answered) {
    const a = tryParseCommand(x.command);
    const data = x.response.length >= 2 ? dataOf(x.response) : undefined;
    if (!a) continue;
    if (a.ins === INS_A4_SELECT) {
      current =
        (a.p1 === 0x00 || a.p1 === 0x02) && a.data.length === 2
          ? ((a.data[0] as number) << 8) | (a.data[1] as number)
          : undefined;
    } else if (a.ins === INS_CB_GET_DATA_ODD && data && data.length > 0) {
      if (hasBytes(a, 'BFA101')) for (const [tag, v] of parseDhParameters(data)) dh.set(tag, v);
      else if (hasBytes(a, 'BFA004')) ca = parseCaPublicKey(data);
    } else if (a.ins === INS_B0_READ_BINARY && data) {
      const sfi = (a.p1 & 0x80) !== 0 ? a.p1 & 0x1f : undefined;
      if (sfi !== undefined) current = sfi === SFI_04 ? FID_1004 : undefined;
      const offset = sfi !== undefined ? a.p2 : ((a.p1 & 0x7f) << 8) | a.p2;
      if (current === FID_1004) data.forEach((b, i) => (ef1004[offset + i] = b));
    }
  }
  const g = dh.get(0x97);
  const p = dh.get(0x98);
  const q = dh.get(0x99);
  return {
    ...(g && p && q ? { dh: { g, p, q } } : {}),
    ...(ca ? { ca } : {}),
    ...(ef1004.length > 0
      ? { iccAuthKey: parseRsaPublicKeyFile(Uint8Array.from(ef1004, (b) => b ?? 0)) }
      : {}),
  };
}

export interface IasEstablisherOptions {
  readonly rng: Rng;
  /** Client command sequence of the terminal (ias/README.md §1.3, §4.2); desktop by default. */
  readonly style?: TerminalStyle;
}

export function iasEstablisher(o: IasEstablisherOptions): SessionEstablisher {
  return {
    async establish(channel, protocol, block, answered) {
      if (protocol !== 'ias')
        throw new IasReplayError(`this establisher runs the IAS key exchange, not ${protocol}`);
      const target = iasParametersFrom(answered);
      if (!target.dh)
        throw new IasReplayError(
          'the target has not answered the DH parameters (GET DATA 70/BFA101/A3) before the key exchange',
        );
      const t = new IasTerminal(channel, { rng: o.rng, ...(o.style ? { style: o.style } : {}) });
      t.dh = target.dh;
      await t.dhKeyExchange();
      const withDapp = block.some((x) => tryParseCommand(fromHex(x.command))?.ins === 0x88);
      if (withDapp) {
        if (!target.ca || !target.iccAuthKey)
          throw new IasReplayError(
            'DAPP needs the CA key (GET DATA 7F49) and EF 1004 answered before the key exchange',
          );
        t.ca = target.ca;
        t.iccAuthKey = target.iccAuthKey;
        await t.dapp();
      }
      if (!t.link.session)
        throw new IasReplayError('no secure-messaging session after the key exchange');
      return t.link.session;
    },
  };
}
