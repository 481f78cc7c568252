/**
 * The module through OpenSSL's PKCS#11 engine (Debian `libengine-pkcs11-openssl`, libp11): how
 * Node's `tls` (`privateKeyEngine: 'pkcs11'`) and curl (`--engine pkcs11 --key-type ENG`) sign a
 * TLS CertificateVerify with the card's key. The engine finds the module through
 * PKCS11_MODULE_PATH and the engine itself through OPENSSL_ENGINES; both are read when the engine
 * loads, so setting them in `process.env` before the first TLS context is enough.
 *
 * Node must also restrict its signature algorithms to PKCS#1 v1.5: OpenSSL otherwise prefers
 * RSA-PSS in TLS 1.2, which a CIE cannot do (libp11 then asks the module for CKM_RSA_PKCS_PSS and
 * gets CKR_MECHANISM_INVALID). curl 7.88 has no such option; it works only when the server's
 * CertificateRequest leaves it PKCS#1 (README.md, "TLS").
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ENGINE_DIRS = [
  '/usr/lib/x86_64-linux-gnu/engines-3',
  '/usr/lib/aarch64-linux-gnu/engines-3',
  '/usr/lib/engines-3',
];

/** PKCS#1 v1.5 signature algorithms only (what the card signs). */
export const PKCS1_SIGALGS = 'RSA+SHA256:RSA+SHA384:RSA+SHA512';

/** The engines directory holding `pkcs11.so`, if the package is installed. */
export function engineDir(): string | undefined {
  return ENGINE_DIRS.find((d) => existsSync(join(d, 'pkcs11.so')));
}

/** The environment the engine needs to find the module (and the module, the daemon). */
export function engineEnv(module: string, socket?: string): Record<string, string> {
  const dir = engineDir();
  return {
    ...(dir ? { OPENSSL_ENGINES: dir } : {}),
    PKCS11_MODULE_PATH: module,
    ...(socket ? { CIEBENCH_PKCS11_SOCKET: socket } : {}),
  };
}

/** RFC 7512 URI of the card's private key on the token of card `nis`. */
export function cardKeyUri(nis: string): string {
  return `pkcs11:token=CIE%20${nis};object=CIE0;type=private`;
}

/** TLS options that make Node sign with the card's key through the engine. */
export function engineTlsOptions(o: { certificatePem: string; keyUri: string }): {
  cert: string;
  privateKeyEngine: string;
  privateKeyIdentifier: string;
  sigalgs: string;
} {
  return {
    cert: o.certificatePem,
    privateKeyEngine: 'pkcs11',
    privateKeyIdentifier: o.keyUri,
    sigalgs: PKCS1_SIGALGS,
  };
}
