/**
 * The card image's integrity check: a SHA-256 (FIPS 180-4) over the exact bytes of the file, kept
 * in the file itself as a top-level `"checksum": "sha256:<64 hex>"` member. The digest is computed
 * over the serialised text with the 64 hex digits replaced by `0`s, so verifying needs no
 * canonical re-serialisation: any changed byte anywhere — content, whitespace, key order, or the
 * checksum itself — is a mismatch, and the image is refused as corrupt rather than loaded with a
 * silently altered PIN, key or counter.
 *
 * An image without the member (written before checksums existed, or whose owner deliberately
 * removed the line after a hand edit) is accepted as a legacy image; the next write adds one.
 */
import { createHash } from 'node:crypto';

export const CHECKSUM_KEY = 'checksum';
const PREFIX = 'sha256:';
const ZEROS = '0'.repeat(64);
/** Placeholder the digest is computed over (same length as the real value). */
export const CHECKSUM_PLACEHOLDER = `${PREFIX}${ZEROS}`;

function member(value: string): string {
  return `"${CHECKSUM_KEY}": "${value}"`;
}

function digest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').toUpperCase();
}

/** Fills in the checksum of a text serialised with {@link CHECKSUM_PLACEHOLDER} as its value. */
export function sealChecksum(textWithPlaceholder: string): string {
  const at = textWithPlaceholder.indexOf(member(CHECKSUM_PLACEHOLDER));
  if (at < 0 || textWithPlaceholder.indexOf(member(CHECKSUM_PLACEHOLDER), at + 1) >= 0)
    throw new RangeError('the checksum placeholder must occur exactly once');
  return textWithPlaceholder.replace(
    member(CHECKSUM_PLACEHOLDER),
    member(`${PREFIX}${digest(textWithPlaceholder)}`),
  );
}

export type ChecksumVerdict =
  | { readonly kind: 'absent' }
  | { readonly kind: 'valid' }
  | { readonly kind: 'invalid'; readonly why: string };

/**
 * Checks `text` against the checksum member `value` found in its parsed form (undefined: the image
 * has no checksum member).
 */
export function verifyChecksum(text: string, value: unknown): ChecksumVerdict {
  if (value === undefined) return { kind: 'absent' };
  if (typeof value !== 'string' || !/^sha256:[0-9A-F]{64}$/.test(value))
    return { kind: 'invalid', why: 'the checksum member is malformed' };
  const m = member(value);
  const at = text.indexOf(m);
  if (at < 0 || text.indexOf(m, at + 1) >= 0)
    return { kind: 'invalid', why: 'the checksum member is not where it was written' };
  const sealed = text.slice(0, at) + member(CHECKSUM_PLACEHOLDER) + text.slice(at + m.length);
  return digest(sealed) === value.slice(PREFIX.length)
    ? { kind: 'valid' }
    : { kind: 'invalid', why: 'checksum mismatch' };
}
