/**
 * BAC, terminal side (ICAO Doc 9303-11 §9.7.2, Appendix D.3): builds the MUTUAL AUTHENTICATE data
 * and checks the chip's answer.
 */
import { HostError } from '../../host-error.ts';
import { concatBytes, equalBytes } from '../../bytes/bytes.ts';
import { padIso9797M2 } from '../../bytes/padding.ts';
import { tdesCbcDecrypt, tdesCbcEncrypt } from '../../crypto/des.ts';
import { retailMac } from '../../crypto/retail-mac.ts';
import type { SmSession } from '../../sm/sm-session.ts';
import { bacSession, type BacKeys } from './bac-keys.ts';

export class BacTerminalError extends HostError {
  readonly code: 'BAC_MAC' | 'BAC_NONCE' | 'BAC_LENGTH';
  constructor(code: BacTerminalError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** E.IFD ‖ M.IFD over S = RND.IFD ‖ RND.IC ‖ K.IFD. */
export function bacCommandData(
  keys: BacKeys,
  rndIc: Uint8Array,
  rndIfd: Uint8Array,
  kIfd: Uint8Array,
): Uint8Array {
  const eIfd = tdesCbcEncrypt(keys.kEnc, concatBytes(rndIfd, rndIc, kIfd));
  return concatBytes(eIfd, retailMac(keys.kMac, padIso9797M2(eIfd, 8)));
}

export function bacFinish(
  keys: BacKeys,
  rndIc: Uint8Array,
  rndIfd: Uint8Array,
  kIfd: Uint8Array,
  response: Uint8Array,
): SmSession {
  if (response.length !== 40)
    throw new BacTerminalError(
      'BAC_LENGTH',
      `MUTUAL AUTHENTICATE answer of ${response.length} bytes`,
    );
  const eIc = response.subarray(0, 32);
  if (!equalBytes(retailMac(keys.kMac, padIso9797M2(eIc, 8)), response.subarray(32)))
    throw new BacTerminalError('BAC_MAC', 'M.IC does not verify');
  const r = tdesCbcDecrypt(keys.kEnc, eIc);
  if (!equalBytes(r.subarray(0, 8), rndIc) || !equalBytes(r.subarray(8, 16), rndIfd))
    throw new BacTerminalError('BAC_NONCE', 'nonces not echoed');
  return bacSession(kIfd, r.slice(16, 32), rndIc, rndIfd);
}
