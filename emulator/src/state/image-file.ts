/**
 * Reading and writing card image files.
 *
 * Writes are atomic and durable: the JSON goes to a temporary file in the directory of the real
 * image (symlinks are followed, so a symlinked image is updated where it lives), created with the
 * image's own permission bits, fsync'ed, renamed over the image, and the directory is fsync'ed
 * (POSIX rename is atomic within a file system). A process killed at any point leaves either the old
 * or the new image, never a mix. Every written image carries a SHA-256 over its exact bytes
 * (image-checksum.ts), so a damaged file is refused rather than loaded with altered data.
 *
 * Loads refuse — with a stable error code and a clear message — anything that is not a complete
 * image of the supported version: a missing file, something that is not a regular file (a FIFO
 * would block, `/dev/zero` would never end: checked on the open descriptor before any byte is
 * read), a file above {@link MAX_IMAGE_BYTES}, a checksum mismatch, a foreign or damaged JSON.
 * Nothing is ever silently reset. Writing an image another process holds (image-lock.ts) is
 * refused.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readSync,
  readdirSync,
  realpathSync,
  renameSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  CARD_IMAGE_FORMAT,
  CARD_IMAGE_VERSION,
  cardImageSchema,
  type CardImage,
} from './card-image.ts';
import {
  CHECKSUM_KEY,
  CHECKSUM_PLACEHOLDER,
  sealChecksum,
  verifyChecksum,
} from './image-checksum.ts';
import { CardImageError, type CardImageErrorCode } from './image-error.ts';
import { assertNotLockedByOther } from './image-lock.ts';

export { CardImageError, type CardImageErrorCode };

/** Largest image file read (the default image is about 90 KB; a DG2 photo adds some tens of KB). */
export const MAX_IMAGE_BYTES = 8 * 1024 * 1024;

/** Validates parsed JSON as a card image (format, then version, then the full schema). */
export function validateCardImage(json: unknown, source = 'card image'): CardImage {
  const head = json as { format?: unknown; version?: unknown } | null;
  if (typeof head !== 'object' || head === null || head.format !== CARD_IMAGE_FORMAT) {
    throw new CardImageError(
      'IMAGE_NOT_A_CARD',
      `${source} is not a CIE Bench card image (format '${String(head?.format)}', expected '${CARD_IMAGE_FORMAT}')`,
    );
  }
  if (head.version !== CARD_IMAGE_VERSION) {
    throw new CardImageError(
      'IMAGE_VERSION',
      `${source} has image version ${String(head.version)}; this CIE Bench reads version ${CARD_IMAGE_VERSION} only (refusing rather than resetting the card)`,
    );
  }
  const parsed = cardImageSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new CardImageError(
      'IMAGE_INVALID',
      `${source} is damaged or hand-edited inconsistently: ${issues.join('; ')}`,
    );
  }
  return parsed.data;
}

function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

/** The image's bytes, read through one descriptor whose type and size are checked first. */
function readImageText(path: string): string {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below).
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT')
      throw new CardImageError('IMAGE_NOT_FOUND', `card image not found: ${path}`);
    throw new CardImageError(
      'IMAGE_UNREADABLE',
      `card image ${path} cannot be read: ${(e as Error).message}`,
    );
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      throw new CardImageError(
        'IMAGE_NOT_A_FILE',
        `card image ${path} is not a regular file (${kindOf(st)}); refusing to read it`,
      );
    if (st.size > MAX_IMAGE_BYTES)
      throw new CardImageError(
        'IMAGE_TOO_LARGE',
        `card image ${path} is ${st.size} bytes, above the ${MAX_IMAGE_BYTES}-byte limit of a card image; refusing to read it`,
      );
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got).toString('utf8');
  } catch (e) {
    if (e instanceof CardImageError) throw e;
    throw new CardImageError(
      'IMAGE_UNREADABLE',
      `card image ${path} cannot be read: ${(e as Error).message}`,
    );
  } finally {
    closeSync(fd);
  }
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Parses the text of an image file: JSON, then the checksum (when present), then the schema.
 * `legacy` is true for an image without a checksum (accepted; the next write adds one).
 */
export function parseCardImageText(
  text: string,
  source = 'card image',
): { image: CardImage; legacy: boolean } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CardImageError(
      'IMAGE_CORRUPT',
      `${source} is not valid JSON (${(e as Error).message}); refusing to load it`,
    );
  }
  let legacy = true;
  if (typeof json === 'object' && json !== null && CHECKSUM_KEY in json) {
    const { [CHECKSUM_KEY]: value, ...rest } = json as Record<string, unknown>;
    const verdict = verifyChecksum(text, value);
    if (verdict.kind === 'invalid')
      throw new CardImageError(
        'IMAGE_CORRUPT',
        `${source} is corrupt (${verdict.why}): it was damaged or edited after it was written; refusing to load it. ` +
          `Restore it from a copy; to accept a deliberate hand edit, delete its "${CHECKSUM_KEY}" line`,
      );
    legacy = false;
    json = rest;
  }
  return { image: validateCardImage(json, source), legacy };
}

export function readCardImage(path: string): CardImage {
  return parseCardImageText(readImageText(path), `card image ${path}`).image;
}

/** Reads the image and says whether it predates checksums (see {@link parseCardImageText}). */
export function readCardImageFile(path: string): { image: CardImage; legacy: boolean } {
  return parseCardImageText(readImageText(path), `card image ${path}`);
}

/** The file text of an image: pretty JSON with its checksum right after the version. */
export function serializeCardImage(image: CardImage): string {
  const { format, version, ...rest } = image;
  const withPlaceholder = { format, version, [CHECKSUM_KEY]: CHECKSUM_PLACEHOLDER, ...rest };
  return sealChecksum(`${JSON.stringify(withPlaceholder, null, 2)}\n`);
}

let tempCounter = 0;

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${++tempCounter}.tmp`);
}

/** Temporary files a killed writer may have left next to the image (they are never read). */
export function staleTempFiles(path: string): string[] {
  const prefix = `.${basename(path)}.`;
  return readdirSync(dirname(path))
    .filter((f) => f.startsWith(prefix) && f.endsWith('.tmp'))
    .map((f) => join(dirname(path), f));
}

function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The file an image path stands for: the symlink target when `path` is a symlink (written there,
 * so the link stays a link), `path` itself when it does not exist yet.
 */
export function realImagePath(path: string): string {
  try {
    return realpathSync(path);
  } catch (e) {
    if (errnoOf(e) !== 'ENOENT') throw e;
    let dangling = false;
    try {
      dangling = lstatSync(path).isSymbolicLink();
    } catch {
      // no such entry at all: a new image
    }
    if (dangling)
      throw new CardImageError(
        'IMAGE_NOT_A_FILE',
        `card image ${path} is a symlink to nothing; point it at an image or remove it`,
      );
    return path;
  }
}

/** Atomic, durable replacement of the image at `path` (temp file + fsync + rename + dir fsync). */
export function writeCardImageAtomic(
  path: string,
  image: CardImage,
  options: { exclusive?: boolean } = {},
): void {
  const target = realImagePath(path);
  let existing: Stats | undefined;
  try {
    existing = lstatSync(target);
  } catch {
    existing = undefined;
  }
  if (options.exclusive && existing)
    throw new CardImageError('IMAGE_EXISTS', `${path} already exists (use --force to overwrite)`);
  if (existing && !existing.isFile())
    throw new CardImageError('IMAGE_NOT_A_FILE', `card image ${path} is not a regular file`);
  assertNotLockedByOther(target);
  const text = serializeCardImage(image);
  const tmp = tempName(target);
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      if (existing) keepOwnership(fd, existing);
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or never created
    }
    throw new CardImageError(
      'IMAGE_WRITE_FAILED',
      `cannot write card image ${path}: ${(e as Error).message}`,
    );
  }
  fsyncDirectory(dirname(target));
}

/** The new file keeps the permission bits (and, when allowed, the owner) of the one it replaces. */
function keepOwnership(fd: number, st: Stats): void {
  fchmodSync(fd, st.mode & 0o7777);
  try {
    fchownSync(fd, st.uid, st.gid);
  } catch {
    // Only root may give a file away; everyone else writes files they own anyway.
  }
}
