/**
 * A tiny generic ISO/IEC 7816-4 card (no CIE knowledge): MF, one DF with an AID, transparent and
 * record EFs, one protected and one deactivated EF. It exercises every SELECT and READ form of
 * the core and is the baseline card of the benchmarks.
 *
 * ```
 * MF 3F00
 * ├── EF 2F00  SFI 1E  "EF.DIR"      40 bytes
 * ├── EF 0101  SFI 01  "EF.LONG"     600 bytes, byte i = i mod 251
 * ├── EF 0102          "EF.SECRET"   read: never
 * └── DF 5000  AID A0 00 00 00 99 01 02  "DF.TEST"
 *     ├── EF 5001  SFI 02  "EF.SHORT"   20 bytes
 *     ├── EF 5002  SFI 03  "EF.RECORDS" 3 records (4, 8, 12 bytes)
 *     └── EF 5003          "EF.OFF"     deactivated
 * ```
 */
import { CardOs, type CardOsConfig } from '../card/card-os.ts';
import type { EmulatedCard } from '../card/card.ts';
import type { CardOptions } from '../card/card-options.ts';
import { fromHex } from '../bytes/hex.ts';
import type { Clock } from '../crypto/clock.ts';
import type { Rng } from '../crypto/rng.ts';
import { buildFileSystem } from '../iso7816/fs/file-system.ts';
import type { MfSpec } from '../iso7816/fs/file-spec.ts';

export const ISO_TEST_ATR = fromHex('3B 80 80 01 01');
export const ISO_TEST_AID = fromHex('A0 00 00 00 99 01 02');

export const ISO_TEST_LONG = Uint8Array.from({ length: 600 }, (_, i) => i % 251);
export const ISO_TEST_SHORT = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);
export const ISO_TEST_RECORDS = [
  fromHex('01020304'),
  fromHex('1112131415161718'),
  fromHex('2122232425262728292A2B2C'),
];

export function isoTestFileSystemSpec(): MfSpec {
  return {
    kind: 'MF',
    children: [
      {
        kind: 'EF',
        fid: 0x2f00,
        sfi: 0x1e,
        name: 'EF.DIR',
        content: new Uint8Array(40).fill(0x61),
      },
      { kind: 'EF', fid: 0x0101, sfi: 0x01, name: 'EF.LONG', content: ISO_TEST_LONG },
      {
        kind: 'EF',
        fid: 0x0102,
        name: 'EF.SECRET',
        content: fromHex('DEADBEEF'),
        access: { read: 'never' },
      },
      {
        kind: 'DF',
        fid: 0x5000,
        dfName: ISO_TEST_AID,
        name: 'DF.TEST',
        children: [
          { kind: 'EF', fid: 0x5001, sfi: 0x02, name: 'EF.SHORT', content: ISO_TEST_SHORT },
          {
            kind: 'EF-record',
            fid: 0x5002,
            sfi: 0x03,
            name: 'EF.RECORDS',
            records: ISO_TEST_RECORDS,
          },
          {
            kind: 'EF',
            fid: 0x5003,
            name: 'EF.OFF',
            content: fromHex('0000'),
            lifeCycle: 'deactivated',
          },
        ],
      },
    ],
  };
}

export interface IsoTestCardOptions {
  readonly options?: Partial<CardOptions>;
  readonly strict?: boolean;
  readonly rng?: Rng;
  readonly clock?: Clock;
}

export function createIsoTestCard(o: IsoTestCardOptions = {}): EmulatedCard {
  const config: CardOsConfig = {
    atr: ISO_TEST_ATR,
    fileSystem: buildFileSystem(isoTestFileSystemSpec()),
    ...(o.options ? { options: o.options } : {}),
    ...(o.strict !== undefined ? { strict: o.strict } : {}),
    ...(o.rng ? { rng: o.rng } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
  };
  return new CardOs(config);
}
