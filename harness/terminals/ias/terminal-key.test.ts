import { describe, expect, it } from 'vitest';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { generateRsaKey } from '../../../emulator/src/crypto/rsa.ts';
import { referenceTerminalKey, TERMINAL_KEY_SEED } from './terminal-key.ts';

describe('reference terminal key', () => {
  it('is the key the deterministic generator derives from its seed (not hand-made)', () => {
    const k = referenceTerminalKey();
    expect(generateRsaKey(seededRng(TERMINAL_KEY_SEED), 2048)).toEqual({
      n: k.n,
      e: k.e,
      d: k.d,
      p: k.p,
      q: k.q,
    });
    expect(k.n.toString(2)).toHaveLength(2048);
  });
});
