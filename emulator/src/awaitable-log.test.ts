/**
 * The awaitable log: waits settle on `push` (or at once on an entry already logged), from the
 * index asked for, only on a matching entry; they time out with the caller's error; `keep` caps
 * the log.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AwaitableLog } from './awaitable-log.ts';

class Late extends Error {}

function log(keep?: number): AwaitableLog<{ n: number }> {
  return new AwaitableLog({
    ...(keep === undefined ? {} : { keep }),
    timeoutError: (ms) => new Late(`nothing within ${ms} ms`),
  });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('AwaitableLog', () => {
  it('answers at once with the first matching entry already logged from the index on', async () => {
    const l = log();
    for (const n of [1, 2, 3, 4]) l.push({ n });
    await expect(l.waitFor((e) => e.n % 2 === 0, 1000, 0)).resolves.toEqual({ n: 2 });
    await expect(l.waitFor((e) => e.n % 2 === 0, 1000, 2)).resolves.toEqual({ n: 4 });
  });

  it('settles on the first later entry that matches, and not on one that does not', async () => {
    const l = log();
    l.push({ n: 1 });
    const wait = l.waitFor((e) => e.n > 1, 60_000, l.entries.length);
    l.push({ n: 0 });
    l.push({ n: 7 });
    l.push({ n: 8 });
    await expect(wait).resolves.toEqual({ n: 7 });
  });

  it("rejects with the caller's error when nothing matched in time, and forgets the wait", async () => {
    vi.useFakeTimers();
    const l = log();
    const wait = l.waitFor((e) => e.n === 5, 250, 0);
    const outcome = expect(wait).rejects.toThrow(new Late('nothing within 250 ms'));
    await vi.advanceTimersByTimeAsync(250);
    await outcome;
    l.push({ n: 5 });
    expect(l.entries).toEqual([{ n: 5 }]);
  });

  it('keeps only the newest `keep` entries, and all of them without `keep`', () => {
    const capped = log(3);
    const all = log();
    for (let n = 0; n < 10; n++) {
      capped.push({ n });
      all.push({ n });
    }
    expect(capped.entries.map((e) => e.n)).toEqual([7, 8, 9]);
    expect(all.entries).toHaveLength(10);
  });
});
