/**
 * ISO-DEP (ISO/IEC 14443-4) activation parameters of an emulated contactless card, shared by every
 * contactless transport (the WebSocket NFC endpoint and the vpcd virtual reader).
 *
 * ```
 * ATQA, UID, SAK          ISO/IEC 14443-3:2018 §6.3-6.5 (SAK bit 0x20: ISO/IEC 14443-4 compliant)
 * ATS = TL T0 TA1 TB1 TC1 T1..Tk     ISO/IEC 14443-4:2018 §5.2
 *   T0  = 0x70 | FSCI            (TA1, TB1, TC1 present; FSCI codes the card's frame size FSC)
 *   TB1 = FWI << 4 | SFGI        FWT = (256 · 16 / fc) · 2^FWI ≈ 0.302 ms · 2^FWI  (§7.2)
 *   TC1 bit 1 = CID supported, bit 0 = NAD supported
 * ```
 * The historical bytes default to those of the personality's ATR (the IAS profile carries the
 * CIE's), the UID to a fresh random one per activation (first byte 08h, ISO/IEC 14443-3 §6.4.4), as
 * privacy-preserving eID chips and Android HCE do (nfc/README.md §1).
 */
import { z } from 'zod';
import { fromHex, HexFormatError } from '../../emulator/src/bytes/hex.ts';
import type { Rng } from '../../emulator/src/crypto/rng.ts';

/** FSCI/FSDI → frame size (ISO/IEC 14443-4:2018 §5.2.3, Table 1, including the 2016 amendment). */
export const FRAME_SIZES = [16, 24, 32, 40, 48, 64, 96, 128, 256, 512, 1024, 2048, 4096] as const;

/** One elementary time unit of FWT: 256 · 16 / 13.56 MHz, in milliseconds. */
export const FWT_UNIT_MS = (256 * 16) / 13_560;

const hexString = (lengths: readonly number[], what: string) =>
  z.string().refine(
    (s) => {
      try {
        return lengths.includes(fromHex(s).length);
      } catch (e) {
        if (e instanceof HexFormatError) return false;
        throw e;
      }
    },
    { message: `${what}: hex of ${lengths.join('/')} bytes` },
  );

export const IsoDepConfigSchema = z
  .object({
    /** `random` (new UID at every activation) or a fixed UID of 4, 7 or 10 bytes. */
    uid: z.union([z.literal('random'), hexString([4, 7, 10], 'uid')]).default('random'),
    /** Two bytes in the order Android's NfcA.getAtqa() returns them; derived from the UID size when absent. */
    atqa: hexString([2], 'atqa').optional(),
    sak: z.number().int().min(0).max(255).default(0x20),
    /** ATS historical bytes; the personality's ATR historical bytes when absent. */
    historicalBytes: z
      .string()
      .refine((s) => /^([0-9a-fA-F]{2}\s?)*$/.test(s.trim()) && s.replace(/\s/g, '').length <= 30, {
        message: 'historicalBytes: hex, at most 15 bytes',
      })
      .optional(),
    fsci: z.number().int().min(0).max(12).default(8),
    /** The reader's (phone's) frame size index. */
    fsdi: z.number().int().min(0).max(12).default(8),
    fwi: z.number().int().min(0).max(14).default(8),
    sfgi: z.number().int().min(0).max(14).default(0),
    ta1: z.number().int().min(0).max(255).default(0x00),
    tc1: z.number().int().min(0).max(255).default(0x02),
    /** Largest command the reader side accepts (Android IsoDep.getMaxTransceiveLength()). */
    maxTransceiveLength: z.number().int().min(5).max(65_546).default(65_546),
    /** Android IsoDep.isExtendedLengthApduSupported(). */
    extendedLengthSupported: z.boolean().default(true),
    /** The card answers long commands with S(WTX) instead of letting FWT expire. */
    wtx: z.boolean().default(true),
    /** WTXM the card asks for in each S(WTX) (ISO/IEC 14443-4 §7.3, 1..59). */
    wtxm: z.number().int().min(1).max(59).default(1),
  })
  .strict();

export type IsoDepConfigInput = z.input<typeof IsoDepConfigSchema>;
export type IsoDepConfig = z.output<typeof IsoDepConfigSchema>;

export function isoDepConfig(input: IsoDepConfigInput = {}): IsoDepConfig {
  return IsoDepConfigSchema.parse(input);
}

export function frameSize(index: number): number {
  const size = FRAME_SIZES[index];
  if (size === undefined) throw new RangeError(`frame size index ${index} out of range`);
  return size;
}

export function frameWaitingTimeMs(fwi: number): number {
  return FWT_UNIT_MS * 2 ** fwi;
}

/** A UID for one activation: the fixed one, or 08 ‖ 3 random bytes (ISO/IEC 14443-3 §6.4.4). */
export function activationUid(config: IsoDepConfig, rng: Rng): Uint8Array {
  if (config.uid !== 'random') return fromHex(config.uid);
  const uid = new Uint8Array(4);
  uid[0] = 0x08;
  uid.set(rng.bytes(3), 1);
  return uid;
}

/** ATQA for the UID size (ISO/IEC 14443-3 §6.3.2, bits 8..7: 00 single, 01 double, 10 triple). */
export function atqaFor(config: IsoDepConfig, uidLength: number): Uint8Array {
  if (config.atqa !== undefined) return fromHex(config.atqa);
  const size = uidLength === 4 ? 0x00 : uidLength === 7 ? 0x40 : 0x80;
  return Uint8Array.of(0x04 | size, 0x00);
}

/** TL T0 TA1 TB1 TC1 historical bytes (ISO/IEC 14443-4 §5.2). */
export function buildAts(config: IsoDepConfig, historicalBytes: Uint8Array): Uint8Array {
  const ats = new Uint8Array(5 + historicalBytes.length);
  ats.set([
    ats.length,
    0x70 | config.fsci,
    config.ta1,
    (config.fwi << 4) | config.sfgi,
    config.tc1,
  ]);
  ats.set(historicalBytes, 5);
  return ats;
}

/** Number of I-blocks needed to carry `length` bytes in frames of `frame` bytes (PCB + CRC = 3). */
export function blocksFor(length: number, frame: number): number {
  return Math.max(1, Math.ceil(length / (frame - 3)));
}
