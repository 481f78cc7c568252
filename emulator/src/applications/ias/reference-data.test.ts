import { describe, expect, it } from 'vitest';
import { asciiBytes } from '../../bytes/bytes.ts';
import {
  initialSecrets,
  MemorySecretStore,
  type SecretsState,
  type SecretStore,
} from '../../state/secret-store.ts';
import { presentReferenceData } from './reference-data.ts';

/** Records every durable write and every read that happens after a write. */
class RecordingStore implements SecretStore {
  readonly inner: MemorySecretStore;
  readonly writes: SecretsState[] = [];
  failNextWrite = false;
  constructor(s: SecretsState) {
    this.inner = new MemorySecretStore(s);
  }
  read(): SecretsState {
    return this.inner.read();
  }
  write(next: SecretsState): void {
    if (this.failNextWrite) throw new Error('power lost during the write');
    this.writes.push(next);
    this.inner.write(next);
  }
}

describe('reference data (PIN/PUK) — decrement persisted before the comparison (anti-tearing, README.md §6)', () => {
  it('a right PIN: first write = counter − 1, second write = counter restored', () => {
    const s = new RecordingStore(initialSecrets('12345678', '87654321'));
    expect(presentReferenceData(s, 'pin', asciiBytes('12345678'))).toEqual({ outcome: 'ok' });
    expect(s.writes.map((w) => w.pin.remaining)).toEqual([2, 3]);
  });

  it('a wrong PIN: one write with the decrement; the last try blocks (63C0 semantics), then nothing is written', () => {
    const s = new RecordingStore(initialSecrets('12345678', '87654321'));
    expect(presentReferenceData(s, 'pin', asciiBytes('00000000'))).toEqual({
      outcome: 'wrong',
      remaining: 2,
    });
    expect(presentReferenceData(s, 'pin', asciiBytes('00000000'))).toEqual({
      outcome: 'wrong',
      remaining: 1,
    });
    expect(presentReferenceData(s, 'pin', asciiBytes('00000000'))).toEqual({
      outcome: 'wrong',
      remaining: 0,
    });
    expect(s.read().pin.blocked).toBe(true);
    expect(presentReferenceData(s, 'pin', asciiBytes('12345678'))).toEqual({ outcome: 'blocked' });
    expect(s.writes).toHaveLength(3);
  });

  it('if the decrement cannot be written, the value is never compared and the state is unchanged', () => {
    const s = new RecordingStore(initialSecrets('12345678', '87654321'));
    s.failNextWrite = true;
    expect(() => presentReferenceData(s, 'pin', asciiBytes('12345678'))).toThrow(/power lost/);
    expect(s.read().pin.remaining).toBe(3);
  });

  it('PUK: 10 tries; onMatch can change the value in the restoring write', () => {
    const s = new RecordingStore(initialSecrets('12345678', '87654321'));
    expect(presentReferenceData(s, 'puk', asciiBytes('00000000'))).toEqual({
      outcome: 'wrong',
      remaining: 9,
    });
    expect(
      presentReferenceData(s, 'pin', asciiBytes('12345678'), (r) => ({ ...r, value: '11112222' })),
    ).toEqual({ outcome: 'ok' });
    expect(s.read().pin).toEqual({ value: '11112222', remaining: 3, max: 3, blocked: false });
    expect(s.read().puk.remaining).toBe(9);
  });
});
