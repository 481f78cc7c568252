/**
 * Terminal-side secure messaging for test steps: the correct wrapping (the foundation codec,
 * `sm-codec.ts`) and deliberately damaged variants for the negative cases of ICAO Part 3
 * ISO7816_C_12..C_18, P_79/P_80 (emrtd/README.md §4.2) and ISO/IEC 7816-4:2020 §6.
 *
 * ```
 * correct     CLA|0C INS P1 P2 Lc [87|85] [97] 8E 08 MAC 00        (MAC over SSC+1, header, DOs)
 * corrupt-mac          ...           8E 08 MAC⊕01                  → 6988 (ICAO C_13, C_18)
 * drop-mac             ...  (no 8E)                                → 6987 (ICAO C_12, C_17)
 * skip-ssc    MAC computed with SSC+2 instead of SSC+1             → 6988 (ICAO C_14, P_79)
 * corrupt-cryptogram   87 re-encrypted with a broken padding, MAC recomputed → 6988 (bad padding)
 * wrong-cryptogram-do  85 for an even INS / 87 for an odd one      → 6988
 * unknown-do           an extra DO 81 before 8E, MAC recomputed    → 6988
 * truncated-mac        8E 04                                       → 6988
 * ```
 * In every case the terminal's own session advances as if the command had been correct, so a
 * following correct command uses the counter the card would expect had it kept the session.
 */
import { commandApdu, type CommandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import { parseTlvs, tlv } from '../../emulator/src/bytes/ber-tlv.ts';
import { concatBytes } from '../../emulator/src/bytes/bytes.ts';
import { padIso9797M2 } from '../../emulator/src/bytes/padding.ts';
import {
  DO_85_CRYPTOGRAM_ODD,
  DO_87_CRYPTOGRAM,
  DO_8E_MAC,
  wrapCommand,
} from '../../emulator/src/sm/sm-codec.ts';
import { advanceSsc, encodeSsc, type SmSession } from '../../emulator/src/sm/sm-session.ts';
import type { Protection, SmFault } from './model.ts';

export interface Protected {
  /** The command as it goes on the wire. */
  readonly apdu: CommandApdu;
  /** The terminal's session after this command (as if it had been correct). */
  readonly session: SmSession;
}

/** MAC over SSC ‖ pad(header) ‖ DOs, as the codec computes it (ICAO 9303-11 §9.8.4). */
function macFor(session: SmSession, header: Uint8Array, dos: Uint8Array): Uint8Array {
  const bs = session.suite.blockSize;
  return session.suite.mac(
    session.kMac,
    padIso9797M2(concatBytes(encodeSsc(session), padIso9797M2(header, bs), dos), bs),
  );
}

function rebuild(wire: CommandApdu, body: Uint8Array): CommandApdu {
  const ne = body.length > 255 || wire.form === 'extended' ? 65536 : 256;
  return commandApdu({ cla: wire.cla, ins: wire.ins, p1: wire.p1, p2: wire.p2, data: body, ne });
}

/** DOs of a wrapped command without its DO 8E. */
function dosBeforeMac(wire: CommandApdu): Uint8Array[] {
  return parseTlvs(wire.data)
    .filter((d) => d.tag !== DO_8E_MAC)
    .map((d) => d.raw.slice());
}

function remac(session: SmSession, wire: CommandApdu, dos: Uint8Array[]): CommandApdu {
  const header = Uint8Array.of(wire.cla, wire.ins, wire.p1, wire.p2);
  const body = concatBytes(...dos);
  return rebuild(wire, concatBytes(body, tlv(DO_8E_MAC, macFor(session, header, body))));
}

/**
 * The cryptogram DO re-encrypted so that it decrypts, by construction, to a plaintext whose last
 * byte is `5A`: neither `80` nor `00`, so no ISO/IEC 9797-1 method 2 padding can end there and the
 * card must refuse it. (Flipping a cryptogram byte instead leaves valid padding about once in 256.)
 * `session` is the one the command was wrapped with (counter already advanced), as for the MAC.
 */
function badPaddingCryptogram(session: SmSession, dobj: Uint8Array): Uint8Array {
  const d = parseTlvs(dobj)[0];
  if (!d) throw new Error('sm-corrupt-cryptogram: unreadable cryptogram DO');
  const withIndicator = d.tag === DO_87_CRYPTOGRAM;
  const cryptogram = withIndicator ? d.value.subarray(1) : d.value;
  const ssc = encodeSsc(session);
  const plain = session.suite.decrypt(session.kEnc, ssc, cryptogram).slice();
  plain[plain.length - 1] = 0x5a;
  const broken = session.suite.encrypt(session.kEnc, ssc, plain);
  return withIndicator
    ? tlv(DO_87_CRYPTOGRAM, Uint8Array.of(0x01), broken)
    : tlv(DO_85_CRYPTOGRAM_ODD, broken);
}

type FaultFn = (session: SmSession, next: SmSession, wire: CommandApdu) => CommandApdu;

const FAULTS: Readonly<Record<SmFault, FaultFn>> = {
  'sm-corrupt-mac': (_s, _n, wire) => {
    const body = wire.data.slice();
    body[body.length - 1] = (body[body.length - 1] as number) ^ 0x01;
    return rebuild(wire, body);
  },
  'sm-truncated-mac': (_s, next, wire) => {
    const dos = dosBeforeMac(wire);
    const header = Uint8Array.of(wire.cla, wire.ins, wire.p1, wire.p2);
    const mac = macFor(next, header, concatBytes(...dos)).subarray(0, 4);
    return rebuild(wire, concatBytes(...dos, tlv(DO_8E_MAC, mac)));
  },
  'sm-drop-mac': (_s, _n, wire) => rebuild(wire, concatBytes(...dosBeforeMac(wire))),
  'sm-skip-ssc': (_s, next, wire) => remac(advanceSsc(next), wire, dosBeforeMac(wire)),
  'sm-corrupt-cryptogram': (_s, next, wire) => {
    const dos = dosBeforeMac(wire);
    const i = dos.findIndex((d) => d[0] === DO_87_CRYPTOGRAM || d[0] === DO_85_CRYPTOGRAM_ODD);
    const target = dos[i];
    if (target === undefined) throw new Error('sm-corrupt-cryptogram needs a command with data');
    dos[i] = badPaddingCryptogram(next, target);
    return remac(next, wire, dos);
  },
  'sm-wrong-cryptogram-do': (_s, next, wire) => {
    const dos = dosBeforeMac(wire).map((d) => {
      if (d[0] === DO_87_CRYPTOGRAM)
        return tlv(DO_85_CRYPTOGRAM_ODD, parseTlvs(d)[0]!.value.subarray(1));
      if (d[0] === DO_85_CRYPTOGRAM_ODD)
        return tlv(DO_87_CRYPTOGRAM, Uint8Array.of(0x01), parseTlvs(d)[0]!.value);
      return d;
    });
    if (!dos.some((d) => d[0] === DO_87_CRYPTOGRAM || d[0] === DO_85_CRYPTOGRAM_ODD))
      throw new Error('sm-wrong-cryptogram-do needs data');
    return remac(next, wire, dos);
  },
  'sm-unknown-do': (_s, next, wire) =>
    remac(next, wire, [...dosBeforeMac(wire), tlv(0x81, Uint8Array.of(0x12, 0x34))]),
};

/** Wraps `plain` with `session`, applying `protection` (`sm` = correct wrapping). */
export function protect(
  session: SmSession,
  plain: CommandApdu,
  protection: Exclude<Protection, 'plain'>,
): Protected {
  const w = wrapCommand(session, plain, protection === 'sm-le-00' ? { leWhenAbsent: 0 } : {});
  if (protection === 'sm' || protection === 'sm-le-00') return { apdu: w.apdu, session: w.session };
  return { apdu: FAULTS[protection](session, w.session, w.apdu), session: w.session };
}
