import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { readCardImage, writeCardImageAtomic } from '../../../emulator/src/state/image-file.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import { buildProgram } from '../main.ts';
import { profilesText } from './card-profiles.ts';
import { showText } from './card-show.ts';

const dir = mkdtempSync(join(tmpdir(), 'ciebench-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = 0;
});

async function run(...args: string[]): Promise<string> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const program = await buildProgram(['node', 'ciebench', ...args]);
  program.exitOverride();
  await program.parseAsync(['node', 'ciebench', ...args]);
  vi.restoreAllMocks();
  return out;
}

describe('ciebench card … and ias … (CLI)', () => {
  const path = join(dir, 'card.json');
  const image = defaultCardImage();

  it('card profiles lists the 12 personalities with ATR and EF.ATR', () => {
    const text = profilesText();
    expect(text.match(/^\S+( \(default\))? — /gm)).toHaveLength(12);
    expect(text).toContain('3B 8F 80 01 80 31 80 65 49 54 4A 34 4C 12 0F FF 82 90 00 85');
  });

  it('card profiles shows each personality’s PACE nonce length (16 for nxp, 8 for bit4id2)', () => {
    const text = profilesText();
    expect(text.match(/PACE nonce (8|16) bytes/g)).toHaveLength(12);
    const block = (id: string): string =>
      text.slice(
        text.indexOf(`${id} `),
        text.indexOf('\n', text.indexOf('PACE nonce', text.indexOf(`${id} `))),
      );
    expect(block('nxp')).toContain('PACE nonce 16 bytes');
    expect(block('bit4id2')).toContain('PACE nonce 8 bytes');
  });

  it('card show labels the secrets as TEST data and prints PIN, PUK and CAN', () => {
    const text = showText(image, 'x.json');
    expect(text).toContain('SYNTHETIC TEST DATA');
    expect(text).toContain(`PIN  ${image.state.pin.value}`);
    expect(text).toContain(`PUK  ${image.state.puk.value}`);
    expect(text).toContain(`CAN  ${image.citizen.can}`);
  });

  it('ias login --card: a wrong PIN is reported (63C2) and written back to the image; the right one passes', async () => {
    writeCardImageAtomic(path, image);
    const bad = await run('ias', 'login', '--card', path, '--pin', '00000000');
    expect(bad).toContain('FAIL');
    expect(bad).toContain('PIN_WRONG (SW 63C2)');
    expect(process.exitCode).toBe(1);
    expect(readCardImage(path).state.pin.remaining).toBe(2);
    process.exitCode = 0;
    const good = await run('ias', 'login', '--card', path, '--style', 'ios');
    expect(good).toContain('PASS');
    expect(good).toContain('verify signature with the certificate');
    expect(readCardImage(path).state.pin.remaining).toBe(3);
  });

  it('ias login --apdus masks the PIN unless --show-secrets', async () => {
    const masked = await run('ias', 'login', '--apdus');
    expect(masked).toContain('00200081082A2A2A2A2A2A2A2A');
    expect(masked).not.toContain(Buffer.from(image.state.pin.value).toString('hex').toUpperCase());
    const shown = await run('ias', 'login', '--apdus', '--show-secrets');
    expect(shown).toContain(
      `0020008108${Buffer.from(image.state.pin.value).toString('hex').toUpperCase()}`,
    );
  });

  it('ias nis prints a verified NIS flow; --json gives the report as data', async () => {
    const json = JSON.parse(await run('ias', 'nis', '--json'));
    expect(json.verdict).toBe('pass');
    expect(json.result.nis).toBe(image.citizen.nis);
  });
});
