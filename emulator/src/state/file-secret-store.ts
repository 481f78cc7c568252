/**
 * A {@link SecretStore} backed by a card image file: every write replaces the whole image
 * atomically and durably (`image-file.ts`), so the PIN/PUK state on disk is always a state the
 * card actually reached.
 *
 * One image is one card, so it has one retry counter however many card objects use it:
 * - across processes, the image is locked for as long as a store is open (image-lock.ts): a second
 *   process is refused with `IMAGE_IN_USE` instead of running a copy with its own counters;
 * - inside a process, every store opened on the same real file shares one state;
 * - the state is re-read whenever the file was replaced behind the store's back (a new inode:
 *   every write is a rename), so even a writer that ignores the lock cannot make a decrement vanish
 *   or a blocked PIN come back from a stale copy in memory.
 *
 * Opening checks up front what a card would otherwise discover at its first VERIFY (a `6F00`): the
 * image must be a regular file the user has not made read-only, in a directory where the
 * temporary file of an atomic write can be created. A legacy image (no checksum) is rewritten at
 * once with its checksum. Temporary files left by a writer that was killed mid-write are removed
 * (they were never renamed, so they never were the image).
 */
import { accessSync, constants, closeSync, openSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CardImage } from './card-image.ts';
import { CardImageError } from './image-error.ts';
import {
  readCardImageFile,
  realImagePath,
  staleTempFiles,
  writeCardImageAtomic,
} from './image-file.ts';
import { acquireImageLock, type ImageLock } from './image-lock.ts';
import { secretsStateSchema, type SecretsState, type SecretStore } from './secret-store.ts';

/** Temp names carry the writer's pid (`.<image>.<pid>.<n>.tmp`); a live writer's file is left alone. */
function writerAlive(tempPath: string): boolean {
  const pid = Number(/\.(\d+)\.\d+\.tmp$/.exec(tempPath)?.[1]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readOnly(message: string): CardImageError {
  return new CardImageError('IMAGE_READ_ONLY', message);
}

/**
 * Refuses an image a card could not write back: read-only by its mode bits (as the user marked
 * it, whoever runs the card — root included) or by the system, or in a directory where no
 * temporary file can be created.
 */
export function assertWritableImage(path: string, real: string): void {
  const st = statSync(real);
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  const fix = `make it writable (chmod u+w ${path}), or copy it somewhere writable`;
  if ((st.mode & 0o222) === 0)
    throw readOnly(
      `card image ${path} is read-only (mode ${mode}): a card records every PIN/PUK try in its image; ${fix}`,
    );
  try {
    accessSync(real, constants.W_OK);
  } catch (e) {
    throw readOnly(`card image ${path} is not writable (${(e as Error).message}); ${fix}`);
  }
  const dir = dirname(real);
  const probe = join(dir, `.${basename(real)}.${process.pid}.probe.tmp`);
  try {
    if ((statSync(dir).mode & 0o222) === 0) throw new Error('the directory is read-only');
    closeSync(openSync(probe, 'wx', 0o600));
    unlinkSync(probe);
  } catch (e) {
    throw readOnly(
      `the directory ${dir} of card image ${path} is not writable (${(e as Error).message}): every write of the image creates a temporary file there and renames it over the image; make the directory writable or move the image`,
    );
  }
}

/** The state of one image file shared by every store of this process on it. */
class ImageState {
  readonly real: string;
  readonly lock: ImageLock;
  image: CardImage;
  ino: number;
  refs = 1;

  constructor(real: string, lock: ImageLock, image: CardImage) {
    this.real = real;
    this.lock = lock;
    this.image = image;
    this.ino = statSync(real).ino;
  }

  /** The image as on disk: re-read when the file was replaced by someone else. */
  fresh(): CardImage {
    const ino = statSync(this.real).ino;
    if (ino !== this.ino) {
      this.image = readCardImageFile(this.real).image;
      this.ino = ino;
    }
    return this.image;
  }

  write(image: CardImage): void {
    writeCardImageAtomic(this.real, image);
    this.image = image;
    this.ino = statSync(this.real).ino;
  }
}

const open = new Map<string, ImageState>();

export class FileSecretStore implements SecretStore {
  readonly path: string;
  private readonly shared: ImageState;
  private closed = false;

  private constructor(path: string, shared: ImageState) {
    this.path = path;
    this.shared = shared;
  }

  /**
   * Opens the image at `path` for a card: checks it, takes (or joins) its lock, loads it.
   * Throws CardImageError when it is unusable or held by another process.
   */
  static open(path: string): FileSecretStore {
    const real = realImagePath(path);
    const existing = open.get(real);
    if (existing) {
      existing.refs++;
      return new FileSecretStore(path, existing);
    }
    readCardImageFile(real); // missing, not a file, too large, corrupt: refused before anything else
    assertWritableImage(path, real);
    const lock = acquireImageLock(real);
    try {
      const { image, legacy } = readCardImageFile(real);
      for (const stale of staleTempFiles(real)) {
        if (writerAlive(stale)) continue;
        try {
          unlinkSync(stale);
        } catch {
          // another process may have removed it
        }
      }
      const state = new ImageState(real, lock, image);
      if (legacy) state.write(image);
      open.set(real, state);
      return new FileSecretStore(path, state);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /** The image as last written (personalisation plus state). */
  get current(): CardImage {
    return this.live().fresh();
  }

  read(): SecretsState {
    return this.live().fresh().state;
  }

  write(next: SecretsState): void {
    const state = secretsStateSchema.parse(next);
    const shared = this.live();
    shared.write({ ...shared.fresh(), state });
  }

  /** Lets go of the image; the lock is released when the last store of this process closes. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (--this.shared.refs > 0) return;
    open.delete(this.shared.real);
    this.shared.lock.release();
  }

  private live(): ImageState {
    if (this.closed) throw new Error(`card image store for ${this.path} used after close()`);
    return this.shared;
  }
}
