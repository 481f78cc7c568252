/**
 * What every third-party SP instance shares: an instance directory, its TLS certificate (from the
 * SP TLS authority, or one given), its SAML signing key, its CIE metadata (built by the reference
 * SP's metadata builder: SimpleSAMLphp and the Shibboleth SP cannot write the `cie:` ContactPerson
 * extensions, so a team registers hand-made metadata exactly like this), and the handle returned to
 * callers.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpOptions, type SpOptionsInput } from '../config.ts';
import {
  issueTlsServerCertificate,
  spSigningMaterial,
  spTlsAuthority,
  tlsAuthorityFromPem,
  type PemKeyPair,
} from '../keys.ts';
import { signedSpMetadata, type SpEndpoints } from '../metadata.ts';

export type ThirdPartyKind = 'simplesamlphp' | 'shibboleth';

export interface ThirdPartyOptions {
  /** The IdP's metadata (XML). */
  readonly idpMetadataXml: string;
  /** Loopback address to bind. */
  readonly host?: string;
  /** Port; default: a free one. */
  readonly port?: number;
  /** CA issuing the HTTPS certificate; default: the SP TLS authority of `keySeed`. */
  readonly tlsAuthority?: PemKeyPair;
  /** Seed of the SP signing and TLS keys. */
  readonly keySeed?: string;
  /** Identity written into the CIE metadata (organization, contacts…), as for the reference SP. */
  readonly identity?: Pick<
    SpOptionsInput,
    'organization' | 'administrativeContact' | 'technicalContact' | 'serviceName'
  >;
  /** Keep the instance directory after stop (to read logs). */
  readonly keepDir?: boolean;
  /** More log detail from the SP (debug). */
  readonly verbose?: boolean;
}

export interface ThirdPartySp {
  readonly kind: ThirdPartyKind;
  readonly dir: string;
  readonly baseUrl: string;
  /** Page with the "Entra con CIE" button. */
  readonly homeUrl: string;
  /** Page that starts a login directly. */
  readonly loginUrl: string;
  readonly entityId: string;
  readonly acsUrl: string;
  readonly sloUrl: string;
  /** Signed CIE metadata of this SP (register it at the IdP). */
  readonly metadataXml: string;
  readonly tlsCaPem: string;
  /** Text of the SP's logs (for failure messages). */
  logs(): string;
  stop(): Promise<void>;
}

export interface InstanceBase {
  readonly dir: string;
  readonly host: string;
  readonly tls: PemKeyPair;
  readonly tlsCaPem: string;
  readonly signing: PemKeyPair;
}

export function createInstanceDir(kind: ThirdPartyKind, o: ThirdPartyOptions): InstanceBase {
  const dir = mkdtempSync(join(tmpdir(), `ciebench-${kind}-`));
  const host = o.host ?? '127.0.0.1';
  const seed = `${o.keySeed ?? 'ciebench-sp-v1'}|${kind}`;
  const authority = o.tlsAuthority
    ? tlsAuthorityFromPem(o.tlsAuthority)
    : spTlsAuthority(o.keySeed);
  const tls = issueTlsServerCertificate(
    authority,
    [...new Set([host, 'localhost', '127.0.0.1'])],
    seed,
  );
  return { dir, host, tls, tlsCaPem: authority.certPem, signing: spSigningMaterial(seed, host) };
}

export function writeFiles(dir: string, files: Readonly<Record<string, string>>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content, { mode: rel.endsWith('.key') ? 0o600 : 0o644 });
  }
}

export function cieMetadata(
  o: ThirdPartyOptions,
  endpoints: SpEndpoints,
  signing: PemKeyPair,
): string {
  return signedSpMetadata(parseSpOptions({ ...(o.identity ?? {}) }), endpoints, signing);
}

export function removeDir(dir: string, keep: boolean | undefined): void {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}

/** A PHP single-quoted string literal. */
export function phpString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
