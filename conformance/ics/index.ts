/**
 * Default implementation conformance statements, one per personality. A lab testing a physical
 * card copies the closest one, edits it to the vendor's declarations and passes it with `--ics`.
 */
import { packageFile } from '../../emulator/src/package-root.ts';
import { existsSync } from 'node:fs';
import { IcsError, loadIcsFile, type Ics } from '../lib/ics.ts';

/** Path of the default ICS of a personality (`<personality>.ics.json` in this folder). */
export function defaultIcsPath(personality: string): string {
  return packageFile('conformance', 'ics', `${personality}.ics.json`);
}

export function hasDefaultIcs(personality: string): boolean {
  return /^[a-z0-9-]+$/.test(personality) && existsSync(defaultIcsPath(personality));
}

export async function loadDefaultIcs(personality: string): Promise<{ ics: Ics; source: string }> {
  if (!hasDefaultIcs(personality))
    throw new IcsError(`no default ICS for personality '${personality}'; pass one with --ics`);
  const source = defaultIcsPath(personality);
  return { ics: await loadIcsFile(source), source };
}
