/**
 * A {@link SecretStore} backed by a card image file: every write replaces the whole image
 * atomically and durably (`image-file.ts`), so the PIN/PUK state on disk is always a state the
 * card actually reached. On open, temporary files left by a writer that was killed mid-write
 * are removed (they were never renamed, so they never were the image).
 */
import { unlinkSync } from 'node:fs';
import type { CardImage } from './card-image.ts';
import { readCardImage, staleTempFiles, writeCardImageAtomic } from './image-file.ts';
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

export class FileSecretStore implements SecretStore {
  readonly path: string;
  private image: CardImage;

  private constructor(path: string, image: CardImage) {
    this.path = path;
    this.image = image;
  }

  /** Loads (and validates) the image at `path`; throws CardImageError when it is unusable. */
  static open(path: string): FileSecretStore {
    const image = readCardImage(path);
    for (const stale of staleTempFiles(path)) {
      if (writerAlive(stale)) continue;
      try {
        unlinkSync(stale);
      } catch {
        // another process may have removed it
      }
    }
    return new FileSecretStore(path, image);
  }

  /** The image as last written (personalisation plus state). */
  get current(): CardImage {
    return this.image;
  }

  read(): SecretsState {
    return this.image.state;
  }

  write(next: SecretsState): void {
    const state = secretsStateSchema.parse(next);
    const image = { ...this.image, state };
    writeCardImageAtomic(this.path, image);
    this.image = image;
  }
}
