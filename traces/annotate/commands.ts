/**
 * Command semantics for annotation, one table entry per INS (DESIGN.md rule 11: tables, not
 * if/else chains): the name in context, the meaning of P1/P2, the TLV context of the command
 * and response data, and how a successful command changes the annotation state.
 * ISO/IEC 7816-4:2020 §7 (SELECT, READ BINARY, GET DATA, MSE, VERIFY, …), ICAO 9303-11 §4.3–4.4
 * and §9.7 (BAC MUTUAL AUTHENTICATE, PACE GENERAL AUTHENTICATE), ias/README.md §3 (IAS commands).
 */
import type { CommandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import { insName } from '../../emulator/src/apdu/ins.ts';
import { findTlvPath, parseTlvTree, type Tlv } from '../../emulator/src/bytes/ber-tlv.ts';
import { toHex } from '../../emulator/src/bytes/hex.ts';
import type { AnnotationState, FileRef } from './state.ts';
import {
  APPLICATIONS,
  filesOf,
  IAS_ALGORITHMS,
  IAS_PRIVATE_KEYS,
  IAS_REFERENCES,
  MSE_P1,
  MSE_P2,
  OIDS,
  PACE_PASSWORDS,
  sfisOf,
} from './tables.ts';
import type { TlvContext } from './tlv-names.ts';
import { decodeOid } from './tlv-render.ts';

export interface CommandMeaning {
  readonly name: string;
  readonly params: readonly string[];
  readonly file?: FileRef;
  readonly dataContext?: TlvContext;
  readonly responseContext?: TlvContext;
}

interface InsSpec {
  describe(a: CommandApdu, st: AnnotationState): CommandMeaning;
  /** State change after a successful response (data without SW). */
  update?(a: CommandApdu, data: Uint8Array, st: AnnotationState): void;
}

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');
const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');

function safeTree(bytes: Uint8Array): Tlv[] | undefined {
  try {
    return parseTlvTree(bytes);
  } catch {
    return undefined;
  }
}

/** A FID named in the current application, then in the MF. */
export function fileByFid(fid: number, st: AnnotationState): FileRef {
  const info = filesOf(st.app)?.get(fid) ?? filesOf('mf')?.get(fid);
  return info ? { fid, name: info.name, kind: info.kind } : { fid, name: `EF ${hex4(fid)}` };
}

export function fileBySfi(sfi: number, st: AnnotationState): FileRef {
  const fid = sfisOf(st.app)?.get(sfi);
  if (fid !== undefined) return fileByFid(fid, st);
  return { name: `SFI ${hex2(sfi)}` };
}

/** Content context of a file, so a whole-file read is shown as a TLV tree. */
function fileContext(file: FileRef | undefined): TlvContext | undefined {
  if (file?.fid === undefined) return undefined;
  if (
    [0x011c, 0x1004, 0x1005, 0x011d].includes(file.fid) &&
    /CardAccess|Kpub|CardSecurity/.test(file.name)
  )
    return 'der';
  return 'lds';
}

const SELECT_P1: ReadonlyMap<number, string> = new Map([
  [0x00, 'MF, DF or EF by FID'],
  [0x01, 'child DF'],
  [0x02, 'EF under the current DF'],
  [0x03, 'parent DF'],
  [0x04, 'by DF name (AID)'],
  [0x08, 'path from the MF'],
  [0x09, 'path from the current DF'],
]);
const SELECT_P2: ReadonlyMap<number, string> = new Map([
  [0x00, 'return FCI'],
  [0x04, 'return FCP'],
  [0x08, 'return FMD'],
  [0x0c, 'no response data'],
]);

function selectTarget(
  a: CommandApdu,
  st: AnnotationState,
): { text: string; file?: FileRef; app?: AnnotationState['app'] } {
  if (a.p1 === 0x04) {
    const info = APPLICATIONS.get(toHex(a.data));
    return info
      ? { text: `${toHex(a.data)} (${info.name})`, app: info.id, file: { name: info.name } }
      : { text: toHex(a.data), app: 'unknown', file: { name: `DF ${toHex(a.data)}` } };
  }
  if (a.data.length === 0 || (a.p1 === 0x00 && toHex(a.data) === '3F00'))
    return { text: 'MF', app: 'mf', file: { fid: 0x3f00, name: 'MF' } };
  if (a.data.length === 2 && a.p1 <= 0x02) {
    const fid = ((a.data[0] as number) << 8) | (a.data[1] as number);
    const file = fileByFid(fid, st);
    return { text: `${hex4(fid)} (${file.name})`, file };
  }
  return { text: toHex(a.data) };
}

const select: InsSpec = {
  describe(a, st) {
    const target = selectTarget(a, st);
    return {
      name: 'SELECT',
      params: [
        SELECT_P1.get(a.p1) ?? `P1 ${hex2(a.p1)}`,
        SELECT_P2.get(a.p2 & 0x0c) ?? `P2 ${hex2(a.p2)}`,
        target.text,
      ],
      ...(target.file ? { file: target.file } : {}),
      responseContext: 'fcp',
    };
  },
  update(a, _data, st) {
    const target = selectTarget(a, st);
    if (target.app) {
      st.app = target.app;
      st.file = undefined;
    } else if (target.file) st.file = target.file;
  },
};

const readBinary: InsSpec = {
  describe(a, st) {
    const bySfi = (a.p1 & 0x80) !== 0;
    const file = bySfi ? fileBySfi(a.p1 & 0x1f, st) : st.file;
    const offset = bySfi ? a.p2 : ((a.p1 & 0x7f) << 8) | a.p2;
    const ctx = offset === 0 ? fileContext(file) : undefined;
    return {
      name: 'READ BINARY',
      params: [
        `${bySfi && file?.fid !== undefined ? `SFI ${hex2(a.p1 & 0x1f)} ` : ''}${file ? file.name : '(current EF)'}`,
        `offset ${offset}`,
        `Ne ${a.ne}`,
      ],
      ...(file ? { file } : {}),
      ...(ctx ? { responseContext: ctx } : {}),
    };
  },
  update(a, _d, st) {
    if ((a.p1 & 0x80) !== 0) st.file = fileBySfi(a.p1 & 0x1f, st);
  },
};

const readBinaryOdd: InsSpec = {
  describe(a, st) {
    const p1p2 = (a.p1 << 8) | a.p2;
    const bySfi = a.p1 === 0 && a.p2 !== 0 && a.p2 <= 0x1f;
    const file = p1p2 === 0 ? st.file : bySfi ? fileBySfi(a.p2 & 0x1f, st) : fileByFid(p1p2, st);
    const off = findTlvPath(safeTree(a.data), [0x54]);
    const offset = off ? off.value.reduce((x, b) => x * 256 + b, 0) : undefined;
    return {
      name: 'READ BINARY (odd INS)',
      params: [
        file ? file.name : '(current EF)',
        offset !== undefined ? `offset ${offset}` : 'no offset DO',
        `Ne ${a.ne}`,
      ],
      ...(file ? { file } : {}),
      dataContext: 'odd-read',
      responseContext: 'odd-read',
    };
  },
  update(a, _d, st) {
    if (a.p1 === 0 && a.p2 !== 0 && a.p2 <= 0x1f) st.file = fileBySfi(a.p2, st);
    else if (a.p1 !== 0 || a.p2 !== 0) st.file = fileByFid((a.p1 << 8) | a.p2, st);
  },
};

/** IAS GET DATA: what the extended header list asks for (ias/README.md §2.4). */
function getDataTarget(data: Uint8Array): string {
  const header = findTlvPath(safeTree(data), [0x4d]);
  const list = [
    {
      ...(header ?? { tag: 0, constructed: true, value: data, raw: data }),
      children: safeTree(header?.value ?? data) ?? [],
    },
  ];
  const dh = findTlvPath(list, [0x4d, 0x70, 0xbfa101, 0xa3]);
  if (dh) {
    const part = dh.children?.[0]?.tag;
    return part === 0x97
      ? 'DH generator g'
      : part === 0x98
        ? 'DH prime p'
        : part === 0x99
          ? 'DH order q'
          : 'DH domain parameters (g, p, q)';
  }
  if (findTlvPath(list, [0x4d, 0x70, 0xbfa004])) return 'CA public key (7F49)';
  if (findTlvPath(list, [0x4d, 0xa6, 0x91])) return 'ICC ephemeral DH public key (PuK.ICC.DH)';
  return data.length > 0 ? toHex(data) : 'no data';
}

const getData: InsSpec = {
  describe(a) {
    const where = (a.p1 << 8) | a.p2;
    return {
      name: a.ins === 0xcb ? 'GET DATA (odd INS)' : 'GET DATA',
      params: [
        where === 0x3fff ? 'current DF' : `P1P2 ${hex4(where)}`,
        a.ins === 0xcb ? getDataTarget(a.data) : `tag ${hex4(where)}`,
      ],
      dataContext: 'ias-data',
      responseContext: 'ias-data',
    };
  },
};

function mseDetails(a: CommandApdu): {
  text: string[];
  keyRef?: number;
  algorithm?: number;
  protocol?: string;
} {
  const list = safeTree(a.data) ?? [];
  const get = (tag: number): Uint8Array | undefined => list.find((t) => t.tag === tag)?.value;
  const out: string[] = [];
  const mech = get(0x80);
  let protocol: string | undefined;
  let algorithm: number | undefined;
  if (mech && mech.length > 1) {
    const oid = decodeOid(mech);
    protocol = oid ? (OIDS.get(oid) ?? oid) : toHex(mech);
    out.push(protocol);
  } else if (mech && mech.length === 1) {
    algorithm = mech[0] as number;
    out.push(`algorithm ${hex2(algorithm)} (${IAS_ALGORITHMS.get(algorithm) ?? 'unknown'})`);
  }
  const ref83 = get(0x83);
  if (ref83 && ref83.length === 1) {
    const r = ref83[0] as number;
    out.push(
      protocol?.startsWith('id-PACE')
        ? `password ${PACE_PASSWORDS.get(r) ?? hex2(r)}`
        : `key ${hex2(r)} (${IAS_REFERENCES.get(r) ?? 'reference'})`,
    );
  } else if (ref83) out.push(`key/holder reference ${toHex(ref83)}`);
  const ref84 = get(0x84);
  const keyRef = ref84?.length === 1 ? (ref84[0] as number) : undefined;
  if (keyRef !== undefined)
    out.push(
      protocol?.startsWith('id-PACE')
        ? `domain parameters ${keyRef}`
        : `private key ${hex2(keyRef)} (${IAS_PRIVATE_KEYS.get(keyRef) ?? 'reference'})`,
    );
  const pk = get(0x91);
  if (pk) out.push(`ephemeral DH public key (${pk.length} bytes)`);
  return {
    text: out,
    ...(keyRef !== undefined ? { keyRef } : {}),
    ...(algorithm !== undefined ? { algorithm } : {}),
    ...(protocol ? { protocol } : {}),
  };
}

const mse: InsSpec = {
  describe(a) {
    const d = mseDetails(a);
    return {
      name: 'MSE',
      params: [
        MSE_P1.get(a.p1) ?? `P1 ${hex2(a.p1)}`,
        MSE_P2.get(a.p2) ?? `P2 ${hex2(a.p2)}`,
        ...d.text,
      ],
      dataContext: 'mse',
    };
  },
  update(a, _d, st) {
    const d = mseDetails(a);
    st.mse = {
      p1: a.p1,
      p2: a.p2,
      ...(d.keyRef !== undefined ? { keyRef: d.keyRef } : {}),
      ...(d.algorithm !== undefined ? { algorithm: d.algorithm } : {}),
      ...(d.protocol ? { protocol: d.protocol } : {}),
    };
  },
};

const PACE_STEPS: ReadonlyMap<number | undefined, string> = new Map([
  [undefined, 'step 1: get encrypted nonce'],
  [0x81, 'step 2: map the nonce'],
  [0x83, 'step 3: key agreement'],
  [0x85, 'step 4: mutual authentication (tokens)'],
]);

const generalAuthenticate: InsSpec = {
  describe(a, st) {
    const inner = findTlvPath(safeTree(a.data), [0x7c]);
    const first = inner?.children?.[0]?.tag;
    const step = PACE_STEPS.get(first) ?? `data ${toHex(a.data).slice(0, 16)}`;
    const proto = st.mse?.protocol?.startsWith('id-PACE') ? 'PACE' : 'protocol';
    return {
      name: 'GENERAL AUTHENTICATE',
      params: [`${proto} ${step}`, a.cla & 0x10 ? 'chained (more steps follow)' : 'last step'],
      dataContext: 'ga-command',
      responseContext: 'ga-response',
    };
  },
};

const getChallenge: InsSpec = {
  describe: (a) => ({ name: 'GET CHALLENGE', params: [`${a.ne} bytes`] }),
  update(_a, data, st) {
    st.challenge = data;
  },
};

const externalAuthenticate: InsSpec = {
  describe(a, st) {
    if (a.data.length === 40 && st.app !== 'cie')
      return { name: 'MUTUAL AUTHENTICATE', params: ['BAC: E.IFD ‖ M.IFD (ICAO 9303-11 §9.7.2)'] };
    return {
      name: 'EXTERNAL AUTHENTICATE',
      params: [
        a.data.length === 264
          ? 'IAS DAPP: SN.IFD ‖ SIG.IFD (ias/README.md §5.3 step 6)'
          : `${a.data.length} bytes`,
      ],
    };
  },
};

const internalAuthenticate: InsSpec = {
  describe(a, st) {
    const key = st.mse?.keyRef;
    const what =
      key === 0x82
        ? 'DAPP: RND.IFD, card answers SN.ICC ‖ SIG.ICC'
        : key === 0x83
          ? 'servizi key signature (PKCS#1 v1.5)'
          : key === 0x81
            ? 'holder key signature'
            : 'challenge';
    return { name: 'INTERNAL AUTHENTICATE', params: [what, `${a.data.length} bytes`] };
  },
};

const PSO: ReadonlyMap<number, string> = new Map([
  [0x00ae, 'VERIFY CERTIFICATE'],
  [0x00be, 'VERIFY CERTIFICATE (self-descriptive)'],
  [0x9e9a, 'COMPUTE DIGITAL SIGNATURE'],
  [0x00a8, 'VERIFY DIGITAL SIGNATURE'],
  [0x8086, 'DECIPHER'],
  [0x9080, 'HASH'],
]);

const pso: InsSpec = {
  describe: (a) => ({
    name: `PSO: ${PSO.get((a.p1 << 8) | a.p2) ?? `P1P2 ${hex4((a.p1 << 8) | a.p2)}`}`,
    params: [a.cla & 0x10 ? 'chained' : ''].filter(Boolean),
    dataContext: 'cert',
  }),
};

const secretsCommand = (name: string): InsSpec => ({
  describe(a) {
    const masked = a.data.length > 0 && a.data.every((b) => b === 0x2a);
    const p1 =
      name === 'RESET RETRY COUNTER'
        ? [
            `P1 ${hex2(a.p1)}`,
            {
              0: 'PUK ‖ new PIN',
              1: 'PUK only',
              2: 'new PIN (after PUK verified)',
              3: 'unblock only',
            }[a.p1] ?? '',
          ].join(' ')
        : `P1 ${hex2(a.p1)}`;
    return {
      name,
      params: [
        p1,
        `reference ${hex2(a.p2)} (${a.p2 === 0x81 ? 'PIN' : a.p2 === 0x82 ? 'PUK' : 'reference data'})`,
        a.data.length ? `${a.data.length} bytes${masked ? ' (masked)' : ''}` : 'no data',
      ],
    };
  },
});

const simple = (name: string, param: (a: CommandApdu) => string): InsSpec => ({
  describe: (a) => ({ name, params: [param(a)] }),
});

export const INS_SPECS: ReadonlyMap<number, InsSpec> = new Map<number, InsSpec>([
  [0xa4, select],
  [0xb0, readBinary],
  [0xb1, readBinaryOdd],
  [0xca, getData],
  [0xcb, getData],
  [0x22, mse],
  [0x86, generalAuthenticate],
  [0x87, generalAuthenticate],
  [0x84, getChallenge],
  [0x82, externalAuthenticate],
  [0x88, internalAuthenticate],
  [0x2a, pso],
  [0x20, secretsCommand('VERIFY')],
  [0x24, secretsCommand('CHANGE REFERENCE DATA')],
  [0x2c, secretsCommand('RESET RETRY COUNTER')],
  [0xc0, simple('GET RESPONSE', (a) => `Ne ${a.ne}`)],
  [
    0xb2,
    simple('READ RECORD', (a) => `record ${a.p1}${a.p2 >> 3 ? `, SFI ${hex2(a.p2 >> 3)}` : ''}`),
  ],
  [0xd6, simple('UPDATE BINARY', (a) => `offset ${((a.p1 & 0x7f) << 8) | a.p2}`)],
  [
    0x70,
    simple('MANAGE CHANNEL', (a) => (a.p1 === 0x80 ? `close channel ${a.p2}` : 'open channel')),
  ],
]);

export function describeCommandApdu(a: CommandApdu, st: AnnotationState): CommandMeaning {
  const spec = INS_SPECS.get(a.ins);
  if (spec) return spec.describe(a, st);
  return { name: insName(a.ins), params: [`P1 ${hex2(a.p1)} P2 ${hex2(a.p2)}`] };
}

export function updateState(a: CommandApdu, data: Uint8Array, st: AnnotationState): void {
  INS_SPECS.get(a.ins)?.update?.(a, data, st);
}
