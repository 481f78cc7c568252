/**
 * ISO/IEC 9797-1 padding method 2: append `80`, then `00` up to a multiple of the block size.
 * A full block is always added when the input is already aligned (ISO/IEC 9797-1 §6.1.2;
 * ICAO 9303-11 §9.8.3 uses it for SM, the CIE IAS SM for DO 87 and the MAC input, ias/README.md §4.2).
 */
import { HostError } from '../host-error.ts';

export class PaddingError extends HostError {
  readonly code = 'PADDING';
}

export function padIso9797M2(data: Uint8Array, blockSize: number): Uint8Array {
  const padded = new Uint8Array((Math.floor(data.length / blockSize) + 1) * blockSize);
  padded.set(data);
  padded[data.length] = 0x80;
  return padded;
}

/** Removes method-2 padding; throws {@link PaddingError} if the padding is malformed. */
export function unpadIso9797M2(data: Uint8Array, blockSize: number): Uint8Array {
  if (data.length === 0 || data.length % blockSize !== 0) {
    throw new PaddingError(
      `padded length ${data.length} is not a positive multiple of ${blockSize}`,
    );
  }
  let i = data.length - 1;
  // The marker must sit in the last block: at most blockSize - 1 zero bytes follow it.
  const stop = data.length - blockSize;
  while (i >= stop && data[i] === 0x00) i--;
  if (i < stop || data[i] !== 0x80)
    throw new PaddingError('padding marker 80 not found in the last block');
  return data.subarray(0, i);
}
