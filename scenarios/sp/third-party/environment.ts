/**
 * Are the Debian packages of the third-party SPs installed? Each check names the file it needs and
 * the package that provides it, so a skip or a failure says exactly what to install.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import type { ThirdPartyKind } from './instance.ts';

interface Need {
  readonly path: string;
  readonly pkg: string;
}

const APACHE: readonly Need[] = [
  { path: '/usr/sbin/apache2', pkg: 'apache2' },
  { path: '/usr/lib/apache2/modules/mod_ssl.so', pkg: 'apache2' },
  { path: '/usr/lib/apache2/modules/libphp8.2.so', pkg: 'libapache2-mod-php8.2' },
];

const NEEDS: Record<ThirdPartyKind, readonly Need[]> = {
  simplesamlphp: [
    ...APACHE,
    { path: '/usr/share/simplesamlphp/lib/_autoload.php', pkg: 'simplesamlphp' },
  ],
  shibboleth: [
    ...APACHE,
    { path: '/usr/lib/apache2/modules/mod_shib.so', pkg: 'libapache2-mod-shib' },
    { path: '/usr/sbin/shibd', pkg: 'shibboleth-sp-utils' },
  ],
};

/** Debian packages to install for both SPs (the PHP DOM and mbstring extensions SimpleSAMLphp uses are not declared by its package). */
export const THIRD_PARTY_PACKAGES = [
  'apache2',
  'libapache2-mod-php8.2',
  'php8.2-xml',
  'php8.2-mbstring',
  'simplesamlphp',
  'libapache2-mod-shib',
  'shibboleth-sp-utils',
] as const;

export interface ThirdPartyStatus {
  readonly ok: boolean;
  /** Why not, with the apt-get line that fixes it. */
  readonly reason: string;
}

/** PHP extensions are ini files under /etc/php/8.2/apache2/conf.d (one per enabled module). */
function phpExtensionEnabled(name: string): boolean {
  const dir = '/etc/php/8.2/apache2/conf.d';
  return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith(`-${name}.ini`));
}

export function thirdPartyStatus(kind: ThirdPartyKind): ThirdPartyStatus {
  const missing = NEEDS[kind].filter((n) => !existsSync(n.path));
  const pkgs = [...new Set(missing.map((n) => n.pkg))];
  if (kind === 'simplesamlphp') {
    if (!phpExtensionEnabled('dom')) pkgs.push('php8.2-xml');
    if (!phpExtensionEnabled('mbstring')) pkgs.push('php8.2-mbstring');
  }
  if (pkgs.length === 0) return { ok: true, reason: '' };
  return {
    ok: false,
    reason: `${kind}: missing ${missing.map((n) => n.path).join(', ') || 'PHP extensions'} (apt-get install -y ${pkgs.join(' ')})`,
  };
}

/** Installed versions of the packages (dpkg-query), for reports. */
export function thirdPartyVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of THIRD_PARTY_PACKAGES) {
    try {
      out[p] =
        execFileSync('dpkg-query', ['-W', '-f=${Version}', p], { encoding: 'utf8' }).trim() ||
        'not installed';
    } catch {
      out[p] = 'not installed';
    }
  }
  return out;
}
