/**
 * The token's objects, as the official CIE module presents them (italia/cie-middleware-linux
 * `cie-pkcs11/PKCS11/CIEP11Template.cpp`, `CIEtemplateInitSession`): the holder certificate and
 * its RSA private key, both labelled and identified `CIE0`. The public-key object the official
 * module adds is left out: every client used here takes the key from the certificate. The private
 * key is CKA_PRIVATE (visible after C_Login), sensitive and not extractable; its only mechanism is
 * CKM_RSA_PKCS. Attribute values are encoded in the caller's CK_ULONG layout (learnt in HELLO).
 */
import { X509Certificate } from 'node:crypto';
import { parseSingleTlv, type Tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { asciiBytes } from '../../../emulator/src/bytes/bytes.ts';
import { CKA, CKC_X_509, CKK_RSA, CKM, CKO, CK_UNAVAILABLE_INFORMATION } from '../p11-constants.ts';

export type AttrValue =
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'ulong'; readonly value: bigint }
  | { readonly kind: 'ulongs'; readonly value: readonly bigint[] }
  | { readonly kind: 'bytes'; readonly value: Uint8Array }
  | { readonly kind: 'sensitive' };

export interface UlongLayout {
  readonly ulongSize: number;
  readonly littleEndian: boolean;
}

export interface TokenObject {
  readonly handle: number;
  readonly objectClass: number;
  /** CKA_PRIVATE: visible only to a logged-in application. */
  readonly private: boolean;
  readonly attributes: ReadonlyMap<number, AttrValue>;
}

const LABEL = asciiBytes('CIE0');

function ulongBytes(v: bigint, l: UlongLayout): Uint8Array {
  const out = new Uint8Array(l.ulongSize);
  const max = (1n << BigInt(8 * l.ulongSize)) - 1n;
  let x = v & max;
  for (let i = 0; i < l.ulongSize; i++) {
    out[l.littleEndian ? i : l.ulongSize - 1 - i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** The bytes of an attribute in the caller's layout, or 'sensitive'. */
export function encodeAttribute(a: AttrValue, l: UlongLayout): Uint8Array | 'sensitive' {
  switch (a.kind) {
    case 'bool':
      return Uint8Array.of(a.value ? 1 : 0);
    case 'ulong':
      return ulongBytes(a.value, l);
    case 'ulongs': {
      const out = new Uint8Array(a.value.length * l.ulongSize);
      a.value.forEach((v, i) => out.set(ulongBytes(v, l), i * l.ulongSize));
      return out;
    }
    case 'bytes':
      return a.value;
    case 'sensitive':
      return 'sensitive';
  }
}

/** Does `obj` match a C_FindObjectsInit template attribute (same type, same encoded bytes)? */
export function matches(
  obj: TokenObject,
  type: bigint,
  value: Uint8Array,
  l: UlongLayout,
): boolean {
  if (type > 0xffffffffn) return false;
  const a = obj.attributes.get(Number(type));
  if (!a) return false;
  const mine = encodeAttribute(a, l);
  return mine !== 'sensitive' && Buffer.from(mine).equals(Buffer.from(value));
}

const bool = (value: boolean): AttrValue => ({ kind: 'bool', value });
const ulong = (value: number | bigint): AttrValue => ({ kind: 'ulong', value: BigInt(value) });
const bytes = (value: Uint8Array): AttrValue => ({ kind: 'bytes', value });
const SENSITIVE: AttrValue = { kind: 'sensitive' };

/** CK_DATE: YYYYMMDD as 8 ASCII characters (§3.3). */
function ckDate(d: Date): Uint8Array {
  const p = (n: number, w: number): string => String(n).padStart(w, '0');
  return asciiBytes(
    `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1, 2)}${p(d.getUTCDate(), 2)}`,
  );
}

interface CertificateParts {
  readonly issuer: Uint8Array;
  readonly serial: Uint8Array;
  readonly subject: Uint8Array;
  readonly spki: Uint8Array;
  readonly modulus: Uint8Array;
  readonly exponent: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** The DER pieces of an X.509 certificate (RFC 5280 §4.1) the attributes need. */
export function certificateParts(der: Uint8Array): CertificateParts {
  const cert = parseSingleTlv(der);
  const tbs = cert.children?.[0];
  const f = tbs?.children ?? [];
  const offset = f[0]?.tag === 0xa0 ? 1 : 0;
  const [serial, , issuer, , subject, spki] = f.slice(offset) as (Tlv | undefined)[];
  if (!serial || !issuer || !subject || !spki)
    throw new Error('certificate: missing TBSCertificate fields');
  const x = new X509Certificate(der);
  const jwk = x.publicKey.export({ format: 'jwk' });
  if (x.publicKey.asymmetricKeyType !== 'rsa' || !jwk.n || !jwk.e)
    throw new Error('certificate: not an RSA key');
  return {
    issuer: issuer.raw,
    serial: serial.raw,
    subject: subject.raw,
    spki: spki.raw,
    modulus: new Uint8Array(Buffer.from(jwk.n, 'base64url')),
    exponent: new Uint8Array(Buffer.from(jwk.e, 'base64url')),
    notBefore: new Date(x.validFrom),
    notAfter: new Date(x.validTo),
  };
}

/** The certificate object and the private-key object of a paired card. */
export function tokenObjects(
  certificate: Uint8Array,
  handles: { readonly certificate: number; readonly privateKey: number },
): {
  readonly certificate: TokenObject;
  readonly privateKey: TokenObject;
  readonly modulusBytes: number;
} {
  const c = certificateParts(certificate);
  const common: [number, AttrValue][] = [
    [CKA.TOKEN, bool(true)],
    [CKA.MODIFIABLE, bool(false)],
    [CKA.COPYABLE, bool(false)],
    [CKA.DESTROYABLE, bool(false)],
    [CKA.LABEL, bytes(LABEL)],
    [CKA.ID, bytes(LABEL)],
  ];
  const cert = new Map<number, AttrValue>([
    [CKA.CLASS, ulong(CKO.CERTIFICATE)],
    [CKA.PRIVATE, bool(false)],
    ...common,
    [CKA.CERTIFICATE_TYPE, ulong(CKC_X_509)],
    [CKA.TRUSTED, bool(false)],
    // 1 = token user (§4.6.2).
    [CKA.CERTIFICATE_CATEGORY, ulong(1)],
    [CKA.START_DATE, bytes(ckDate(c.notBefore))],
    [CKA.END_DATE, bytes(ckDate(c.notAfter))],
    [CKA.SUBJECT, bytes(c.subject)],
    [CKA.ISSUER, bytes(c.issuer)],
    [CKA.SERIAL_NUMBER, bytes(c.serial)],
    [CKA.VALUE, bytes(certificate)],
    [CKA.URL, bytes(new Uint8Array())],
    [CKA.HASH_OF_SUBJECT_PUBLIC_KEY, bytes(new Uint8Array())],
    [CKA.HASH_OF_ISSUER_PUBLIC_KEY, bytes(new Uint8Array())],
    [CKA.JAVA_MIDP_SECURITY_DOMAIN, ulong(0)],
    [CKA.PUBLIC_KEY_INFO, bytes(c.spki)],
  ]);
  const key = new Map<number, AttrValue>([
    [CKA.CLASS, ulong(CKO.PRIVATE_KEY)],
    [CKA.PRIVATE, bool(true)],
    ...common,
    [CKA.KEY_TYPE, ulong(CKK_RSA)],
    [CKA.SUBJECT, bytes(c.subject)],
    [CKA.START_DATE, bytes(new Uint8Array())],
    [CKA.END_DATE, bytes(new Uint8Array())],
    [CKA.DERIVE, bool(false)],
    [CKA.LOCAL, bool(false)],
    [CKA.KEY_GEN_MECHANISM, ulong(CK_UNAVAILABLE_INFORMATION)],
    [CKA.ALLOWED_MECHANISMS, { kind: 'ulongs', value: [BigInt(CKM.RSA_PKCS)] }],
    [CKA.SENSITIVE, bool(true)],
    [CKA.DECRYPT, bool(false)],
    [CKA.SIGN, bool(true)],
    [CKA.SIGN_RECOVER, bool(false)],
    [CKA.UNWRAP, bool(false)],
    [CKA.EXTRACTABLE, bool(false)],
    [CKA.ALWAYS_SENSITIVE, bool(true)],
    [CKA.NEVER_EXTRACTABLE, bool(true)],
    [CKA.WRAP_WITH_TRUSTED, bool(false)],
    [CKA.ALWAYS_AUTHENTICATE, bool(false)],
    [CKA.PUBLIC_KEY_INFO, bytes(c.spki)],
    [CKA.MODULUS, bytes(c.modulus)],
    [CKA.PUBLIC_EXPONENT, bytes(c.exponent)],
    [CKA.PRIVATE_EXPONENT, SENSITIVE],
    [CKA.PRIME_1, SENSITIVE],
    [CKA.PRIME_2, SENSITIVE],
    [CKA.EXPONENT_1, SENSITIVE],
    [CKA.EXPONENT_2, SENSITIVE],
    [CKA.COEFFICIENT, SENSITIVE],
  ]);
  return {
    certificate: {
      handle: handles.certificate,
      objectClass: CKO.CERTIFICATE,
      private: false,
      attributes: cert,
    },
    privateKey: {
      handle: handles.privateKey,
      objectClass: CKO.PRIVATE_KEY,
      private: true,
      attributes: key,
    },
    modulusBytes: c.modulus.length,
  };
}
