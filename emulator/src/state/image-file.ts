/**
 * Reading and writing card image files.
 *
 * Writes are atomic and durable: the JSON goes to a temporary file in the same directory,
 * which is fsync'ed, renamed over the image, and the directory is fsync'ed (POSIX rename is
 * atomic within a file system). A process killed at any point leaves either the old or the new
 * image, never a mix. Loads refuse — with a stable error code and a clear message — anything that
 * is not a complete image of the supported version; nothing is ever silently reset.
 */
import { HostError } from '../host-error.ts';
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
  existsSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  CARD_IMAGE_FORMAT,
  CARD_IMAGE_VERSION,
  cardImageSchema,
  type CardImage,
} from './card-image.ts';

export type CardImageErrorCode =
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_UNREADABLE'
  | 'IMAGE_CORRUPT'
  | 'IMAGE_NOT_A_CARD'
  | 'IMAGE_VERSION'
  | 'IMAGE_INVALID'
  | 'IMAGE_EXISTS'
  | 'IMAGE_WRITE_FAILED';

export class CardImageError extends HostError {
  readonly code: CardImageErrorCode;
  constructor(code: CardImageErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

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

export function readCardImage(path: string): CardImage {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new CardImageError('IMAGE_NOT_FOUND', `card image ${path} does not exist`);
    throw new CardImageError(
      'IMAGE_UNREADABLE',
      `card image ${path} cannot be read: ${(e as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CardImageError(
      'IMAGE_CORRUPT',
      `card image ${path} is not valid JSON (${(e as Error).message}); refusing to load it`,
    );
  }
  return validateCardImage(json, `card image ${path}`);
}

export function serializeCardImage(image: CardImage): string {
  return `${JSON.stringify(image, null, 2)}\n`;
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

/** Atomic, durable replacement of the image at `path` (temp file + fsync + rename + dir fsync). */
export function writeCardImageAtomic(
  path: string,
  image: CardImage,
  options: { exclusive?: boolean } = {},
): void {
  if (options.exclusive && existsSync(path))
    throw new CardImageError('IMAGE_EXISTS', `${path} already exists (use --force to overwrite)`);
  const text = serializeCardImage(image);
  const tmp = tempName(path);
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
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
  fsyncDirectory(dirname(path));
}
