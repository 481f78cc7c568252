/**
 * One card image, one holder — as one physical card is in one reader at a time. A process that
 * runs a card from an image holds an exclusive lock on it for as long as the card lives; any other
 * process that opens the same image for a card (or writes it) is refused with
 * `IMAGE_IN_USE: card image … is in use by PID n (…)`. Inside one process every card object on the
 * image shares one secret store (file-secret-store.ts), so there is still one retry counter.
 *
 * The lock is a file next to the real image (`<real path>.lock`, symlinks resolved) created with
 * `O_CREAT | O_EXCL` (POSIX open(2): atomic, fails if the file exists), holding the owner's PID, the
 * kernel's start time of that PID (Linux `/proc/<pid>/stat` field 22, so a recycled PID is not
 * mistaken for the owner), the host name and the command line. Node.js has no flock(2) in its
 * standard library, and an O_EXCL file works the same on every local file system.
 *
 * A lock whose owner is gone (killed with SIGKILL, machine restarted) is stale and is taken over by
 * the next opener. Two openers that find the same stale lock at once are serialised by a second
 * O_EXCL file (`….lock.takeover`): only its holder removes the stale lock, and only if it still
 * holds the very record it judged stale. A lock from another host (network file system) cannot be
 * checked and is treated as live; the message says which file to delete once that card is stopped.
 * Locks are removed on release and when the process exits normally.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import { CardImageError } from './image-error.ts';

export interface ImageLockOwner {
  readonly pid: number;
  /** Start time of the process (clock ticks since boot, Linux); absent elsewhere. */
  readonly start?: string;
  /** Worker thread of the owner (0: the main thread); threads of one process hold locks apart. */
  readonly thread?: number;
  readonly host: string;
  readonly command: string;
  readonly since: string;
}

/** A held lock; {@link ImageLock.release} once per acquisition. */
export interface ImageLock {
  readonly imagePath: string;
  readonly lockPath: string;
  release(): void;
}

interface Held {
  readonly lockPath: string;
  readonly record: string;
  refs: number;
}

const held = new Map<string, Held>();
let exitHook = false;

/** Start time of `pid` from /proc (field 22 of /proc/<pid>/stat), if the system has it. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function ownRecord(): ImageLockOwner {
  const start = startTimeOf(process.pid);
  return {
    pid: process.pid,
    ...(start !== undefined ? { start } : {}),
    thread: threadId,
    host: hostname(),
    command: process.argv.slice(1).join(' ').slice(0, 300),
    since: new Date().toISOString(),
  };
}

function parseOwner(text: string): ImageLockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<ImageLockOwner>;
    if (typeof o.pid !== 'number' || typeof o.host !== 'string') return undefined;
    return {
      pid: o.pid,
      ...(typeof o.start === 'string' ? { start: o.start } : {}),
      ...(typeof o.thread === 'number' ? { thread: o.thread } : {}),
      host: o.host,
      command: typeof o.command === 'string' ? o.command : '?',
      since: typeof o.since === 'string' ? o.since : '?',
    };
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote `o` is still running (a foreign host: assumed so). */
export function ownerAlive(o: ImageLockOwner): boolean {
  if (o.host !== hostname()) return true;
  try {
    process.kill(o.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = startTimeOf(o.pid);
  return o.start === undefined || start === undefined || start === o.start;
}

function readLock(
  lockPath: string,
): { text: string; owner: ImageLockOwner | undefined } | undefined {
  try {
    const text = readFileSync(lockPath, 'utf8');
    return { text, owner: parseOwner(text) };
  } catch {
    return undefined;
  }
}

function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Removes a stale lock, unless someone else replaced it meanwhile (see the file comment). */
function takeOver(lockPath: string, staleText: string): void {
  const guard = `${lockPath}.takeover`;
  if (!createExclusive(guard, JSON.stringify(ownRecord()))) {
    const g = readLock(guard);
    const age = Date.now() - statMtime(guard);
    if (g === undefined || (g.owner && !ownerAlive(g.owner)) || age > 10_000) removeQuietly(guard);
    return;
  }
  try {
    if (readLock(lockPath)?.text === staleText) removeQuietly(lockPath);
  } finally {
    removeQuietly(guard);
  }
}

function statMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Date.now();
  }
}

export function describeOwner(o: ImageLockOwner | undefined): string {
  if (!o) return 'an unknown process (unreadable lock file)';
  const where = o.host === hostname() ? '' : ` on host ${o.host}`;
  return `PID ${o.pid}${where} since ${o.since} (${o.command})`;
}

function inUse(imagePath: string, lockPath: string, o: ImageLockOwner | undefined): CardImageError {
  return new CardImageError(
    'IMAGE_IN_USE',
    `card image ${imagePath} is in use by ${describeOwner(o)}: one card image is one card, in one place at a time. ` +
      `Reach that card through its reader or NFC endpoint, or stop it first` +
      `${o && o.host !== hostname() ? `; if it is no longer running, delete ${lockPath}` : ''}`,
  );
}

/**
 * Takes the lock of the image at `imagePath` (a real path: symlinks already resolved), or joins
 * it when this process already holds it. Throws `IMAGE_IN_USE` when another process holds it.
 */
export function acquireImageLock(imagePath: string): ImageLock {
  const lockPath = `${imagePath}.lock`;
  const mine = held.get(imagePath);
  if (mine) {
    mine.refs++;
    return handle(imagePath, mine);
  }
  const record = JSON.stringify(ownRecord());
  for (let attempt = 0; attempt < 20; attempt++) {
    if (createExclusive(lockPath, record)) {
      const h: Held = { lockPath, record, refs: 1 };
      held.set(imagePath, h);
      installExitHook();
      return handle(imagePath, h);
    }
    const current = readLock(lockPath);
    if (!current) continue; // released meanwhile: try again
    if (current.owner && ownerAlive(current.owner) && !ownLeftover(current.owner))
      throw inUse(imagePath, lockPath, current.owner);
    if (!current.owner && Date.now() - statMtime(lockPath) < 2_000) continue; // being written
    takeOver(lockPath, current.text);
  }
  throw inUse(imagePath, lockPath, readLock(lockPath)?.owner);
}

/**
 * A lock naming this very process for an image it does not hold (callers check `held` first): left
 * behind by an earlier holder whose PID this process now has.
 */
function ownLeftover(o: ImageLockOwner): boolean {
  return o.pid === process.pid && (o.thread ?? 0) === threadId && o.host === hostname();
}

function handle(imagePath: string, h: Held): ImageLock {
  let released = false;
  return {
    imagePath,
    lockPath: h.lockPath,
    release: () => {
      if (released) return;
      released = true;
      if (--h.refs > 0) return;
      held.delete(imagePath);
      if (readLock(h.lockPath)?.text === h.record) removeQuietly(h.lockPath);
    },
  };
}

/** Whether this process holds the lock of `imagePath` (a real path). */
export function holdsImageLock(imagePath: string): boolean {
  return held.has(imagePath);
}

/** The live owner of the image's lock, if another process holds it. */
export function otherLockOwner(imagePath: string): ImageLockOwner | undefined {
  if (held.has(imagePath)) return undefined;
  const current = readLock(`${imagePath}.lock`);
  return current?.owner && ownerAlive(current.owner) && !ownLeftover(current.owner)
    ? current.owner
    : undefined;
}

/** Throws `IMAGE_IN_USE` when another live process holds the image. */
export function assertNotLockedByOther(imagePath: string): void {
  const o = otherLockOwner(imagePath);
  if (o) throw inUse(imagePath, `${imagePath}.lock`, o);
}

function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const h of held.values())
      if (readLock(h.lockPath)?.text === h.record) removeQuietly(h.lockPath);
    held.clear();
  });
}
