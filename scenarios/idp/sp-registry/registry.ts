/**
 * The IdP's registry of federated SPs: metadata files loaded from a folder or added at run time
 * (the federation portal's upload, one file per SP, re-upload replaces). Each file is checked with
 * the CIE rules first; a refused file is not registered and its report says why.
 */
import { HostError } from '../../../emulator/src/host-error.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkSpMetadata, type MetadataReport } from './sp-rules.ts';
import type { SpMetadata } from './sp-metadata.ts';

export class SpRegistryError extends HostError {
  readonly code = 'SP_REGISTRY';
}

export interface RegistrationResult {
  readonly source: string;
  readonly report: MetadataReport;
  readonly registered: boolean;
}

export class SpRegistry {
  private readonly sps = new Map<string, SpMetadata>();
  private readonly now: () => Date;

  constructor(now: () => Date = () => new Date()) {
    this.now = now;
  }

  /** Checks and, when it passes, registers (or replaces) the SP described by `xml`. */
  add(xml: string, source = 'metadata'): RegistrationResult {
    const { report, metadata } = checkSpMetadata(xml, this.now());
    if (metadata) this.sps.set(metadata.entityId, metadata);
    return { source, report, registered: metadata !== undefined };
  }

  /** Adds every `*.xml` file of `dir`, in name order. */
  addFolder(dir: string): RegistrationResult[] {
    let files: string[];
    try {
      files = readdirSync(dir)
        .filter((f) => f.endsWith('.xml'))
        .sort();
    } catch (e) {
      throw new SpRegistryError(`cannot read SP metadata folder ${dir}: ${(e as Error).message}`);
    }
    return files.map((f) => this.add(readFileSync(join(dir, f), 'utf8'), join(dir, f)));
  }

  get(entityId: string): SpMetadata | undefined {
    return this.sps.get(entityId);
  }

  remove(entityId: string): boolean {
    return this.sps.delete(entityId);
  }

  list(): SpMetadata[] {
    return [...this.sps.values()];
  }
}
