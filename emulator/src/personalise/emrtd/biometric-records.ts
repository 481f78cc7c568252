/**
 * Biometric data groups: ISO/IEC 19794-5:2005 facial records (DG2) and ISO/IEC 19794-4:2005 finger
 * image records (DG3) inside the ICAO biometric information templates (ICAO Doc 9303-10, 8th ed.
 * 2021, §4.7.2–4.7.3; CBEFF, ISO/IEC 19785-1; emrtd/README.md §2.9).
 *
 * ```
 * 75|63 { 7F61 { 02 01 n,                                      biometric information group template
 *            7F60 { A1 { 80 0101  81 type  [82 subtype]  87 0101  88 format },  BHT (CBEFF header)
 *                   5F2E <ISO 19794 record> } … } }
 * type 02 face / 08 finger;  format owner 0101 (ISO/IEC JTC 1/SC 37);  format type 0008 face, 0007 finger image
 * ```
 * The CIE stores DG2 as JPEG2000 and DG3 as WSQ (emrtd/README.md §1.6); the emulator uses baseline JPEG
 * (19794-5 image data type 00; 19794-4 compression 03), which both standards define, because it
 * generates the images itself.
 */
import { ByteWriter } from '../../bytes/byte-writer.ts';
import { tlv } from '../../bytes/ber-tlv.ts';
import { concatBytes } from '../../bytes/bytes.ts';
import { encodeGreyJpeg, type GreyImage } from './jpeg-encoder.ts';

export const TAG_75_DG2 = 0x75;
export const TAG_63_DG3 = 0x63;
const TAG_7F61_GROUP = 0x7f61;
const TAG_7F60_BIT = 0x7f60;
const TAG_A1_BHT = 0xa1;
const TAG_5F2E_BDB = 0x5f2e;

export const CBEFF_TYPE_FACE = 0x02;
export const CBEFF_TYPE_FINGER = 0x08;
export const FORMAT_OWNER_ISO_SC37 = 0x0101;
export const FORMAT_TYPE_FACE_19794_5 = 0x0008;
export const FORMAT_TYPE_FINGER_19794_4 = 0x0007;

function u32(w: ByteWriter, v: number): ByteWriter {
  return w.u16(Math.floor(v / 0x10000)).u16(v & 0xffff);
}

/** ISO/IEC 19794-5:2005 §5.4–5.7: header, one facial information block, image information, JPEG. */
export function faceRecord(image: GreyImage, sex: 'M' | 'F', quality = 75): Uint8Array {
  const jpeg = encodeGreyJpeg(image, quality);
  const blockLength = 20 + 12 + jpeg.length;
  const w = new ByteWriter(jpeg.length + 64);
  w.bytes(Uint8Array.of(0x46, 0x41, 0x43, 0x00, 0x30, 0x31, 0x30, 0x00)); // "FAC\0" "010\0"
  u32(w, 14 + blockLength).u16(1); // record length, number of facial images
  u32(w, blockLength).u16(0); // facial record data length, feature points
  w.u8(sex === 'M' ? 1 : 2)
    .u8(0)
    .u8(0); // gender, eye colour (unspecified), hair colour (unspecified)
  w.u8(0).u16(0).u16(1); // feature mask (3 bytes = 0), expression 1 = neutral
  w.bytes(new Uint8Array(6)); // pose angle and uncertainty: unspecified
  w.u8(0x01).u8(0x00).u16(image.width).u16(image.height); // full frontal, JPEG, size
  w.u8(0x03).u8(0x02).u16(0).u16(0); // 8-bit greyscale, digital still camera, device, quality
  w.bytes(jpeg);
  return w.toBytes();
}

export interface FingerImage {
  /** ISO/IEC 19794-4 Table 2 finger position (2 right index, 7 left index, …). */
  readonly position: number;
  readonly image: GreyImage;
}

/** ISO/IEC 19794-4:2005 §8.2–8.3: general header, one finger image record per view, JPEG data. */
export function fingerRecord(fingers: readonly FingerImage[], quality = 80): Uint8Array {
  const blocks = fingers.map((f) => {
    const jpeg = encodeGreyJpeg(f.image, quality);
    const h = new ByteWriter(14);
    u32(h, 14 + jpeg.length)
      .u8(f.position)
      .u8(1)
      .u8(1)
      .u8(80)
      .u8(0); // length, position, views, view #, quality, live-scan plain
    h.u16(f.image.width).u16(f.image.height).u8(0);
    return concatBytes(h.toBytes(), jpeg);
  });
  const body = concatBytes(...blocks);
  const total = 32 + body.length;
  const w = new ByteWriter(total);
  w.bytes(Uint8Array.of(0x46, 0x49, 0x52, 0x00, 0x30, 0x31, 0x30, 0x00)); // "FIR\0" "010\0"
  w.u16(Math.floor(total / 0x100000000))
    .u16(Math.floor(total / 0x10000) & 0xffff)
    .u16(total & 0xffff); // 6-byte length
  w.u16(0).u16(31).u8(fingers.length).u8(1); // device id, acquisition level 31 (500 ppi), count, scale ppi
  w.u16(500).u16(500).u16(500).u16(500).u8(8).u8(3).u16(0); // resolutions, 8-bit, JPEG, reserved
  w.bytes(body);
  return w.toBytes();
}

interface BitSpec {
  readonly type: number;
  readonly subtype?: number;
  readonly formatType: number;
  readonly record: Uint8Array;
}

function bit(b: BitSpec): Uint8Array {
  const header = tlv(
    TAG_A1_BHT,
    tlv(0x80, Uint8Array.of(0x01, 0x01)),
    tlv(0x81, Uint8Array.of(b.type)),
    ...(b.subtype === undefined ? [] : [tlv(0x82, Uint8Array.of(b.subtype))]),
    tlv(0x87, Uint8Array.of(FORMAT_OWNER_ISO_SC37 >> 8, FORMAT_OWNER_ISO_SC37 & 0xff)),
    tlv(0x88, Uint8Array.of(b.formatType >> 8, b.formatType & 0xff)),
  );
  return tlv(TAG_7F60_BIT, header, tlv(TAG_5F2E_BDB, b.record));
}

function group(tag: number, bits: readonly BitSpec[]): Uint8Array {
  return tlv(tag, tlv(TAG_7F61_GROUP, tlv(0x02, Uint8Array.of(bits.length)), ...bits.map(bit)));
}

export function buildDg2(faceRecordBytes: Uint8Array): Uint8Array {
  return group(TAG_75_DG2, [
    { type: CBEFF_TYPE_FACE, formatType: FORMAT_TYPE_FACE_19794_5, record: faceRecordBytes },
  ]);
}

/** CBEFF finger subtypes (ICAO 9303-10 / ISO 19785-3): 01 right, 02 left; 08 pointer (index) finger. */
const SUBTYPE_BY_POSITION: Readonly<Record<number, number>> = { 2: 0x09, 7: 0x0a };

/** DG3: one biometric information template per finger (each holding its own 19794-4 record). */
export function buildDg3(fingers: readonly FingerImage[]): Uint8Array {
  return group(
    TAG_63_DG3,
    fingers.map((f) => ({
      type: CBEFF_TYPE_FINGER,
      ...(SUBTYPE_BY_POSITION[f.position] === undefined
        ? {}
        : { subtype: SUBTYPE_BY_POSITION[f.position] as number }),
      formatType: FORMAT_TYPE_FINGER_19794_4,
      record: fingerRecord([f]),
    })),
  );
}
