/**
 * eMRTD suite: Terminal Authentication v1 (EAC1; TR-03110, emrtd/README.md §2.7, §4.4): the
 * TR-03105 Part 3.2 unit J cases (their texts and numbers are not public, so they carry project ids
 * `CIE_EMRTD_TA_<n>` in category ISO7816_J) and ICAO Part 3 ISO7816_I_30 (mechanism migration: a
 * CVCA link certificate moves the chip to a new trust point). TA-positive cases need the project's
 * test PKI (token TEST_PKI): on a card without it they are not applicable.
 */
import { concatBytes } from '../../../emulator/src/bytes/bytes.ts';
import { tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { commandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { parseCvCertificate } from '../../../emulator/src/protocols/terminal-auth/cv-certificate.ts';
import { taSign } from '../../../emulator/src/protocols/terminal-auth/cv-signature.ts';
import { taMessage } from '../../../emulator/src/protocols/terminal-auth/ta-card.ts';
import type { TerminalCredentials } from '../../../harness/terminals/emrtd/eac.ts';
import { PreconditionError, type CaseContext } from '../../lib/case-context.ts';
import type { ApduStep, ConformanceCase, Expectation } from '../../lib/model.ts';
import { procedure } from '../../lib/procedures.ts';
import { emrtd, icaoP3, tr03105, tr03110 } from '../refs.ts';
import { emrtdCase, session } from './common.ts';

const ok: Expectation = { sw: ['9000'] };

/** The test PKI's CVCA link chain (harness/cards/card-registry.ts). */
const LINKED = 'emrtd.credentialsLinked';

function creds(ctx: CaseContext, name = 'emrtd.credentials'): TerminalCredentials {
  return ctx.service<TerminalCredentials>(name);
}

/** MSE:Set DST + PSO:VERIFY CERTIFICATE for each certificate of the chain (optionally damaged). */
function certificateSteps(
  o: {
    chain?: string;
    damage?: 'signature' | 'car';
    last?: Expectation;
    /** Certificates in the chain (2: DV + IS; 3: CVCA link + DV + IS). */
    count?: number;
  } = {},
): ApduStep[] {
  const list = (ctx: CaseContext) =>
    creds(ctx, o.chain).chain.map((der) => parseCvCertificate(der));
  const count = o.count ?? 2;
  const out: ApduStep[] = [];
  for (let idx = 0; idx < count; idx++) {
    const isLast = idx === count - 1;
    out.push({
      title: `MSE:Set DST 81 B6 (CAR of certificate ${idx + 1})`,
      send: (ctx) => {
        const cert = list(ctx)[idx];
        if (!cert) throw new PreconditionError(`credential chain shorter than ${count}`);
        const car = o.damage === 'car' && !isLast ? 'ITCVCAXX99999' : cert.car;
        return commandApdu({
          cla: 0,
          ins: 0x22,
          p1: 0x81,
          p2: 0xb6,
          data: tlv(0x83, new TextEncoder().encode(car)),
        });
      },
      protect: 'sm',
      expect: o.damage === 'car' && !isLast ? { sw: ['6A88', '6A80'] } : ok,
    });
    if (o.damage === 'car' && !isLast) break;
    out.push({
      title: `PSO:VERIFY CERTIFICATE 2A 00 BE (certificate ${idx + 1})`,
      send: (ctx) => {
        const cert = list(ctx)[idx] as ReturnType<typeof parseCvCertificate>;
        const sig = cert.signature.slice();
        if (o.damage === 'signature' && !isLast) sig[5] = (sig[5] as number) ^ 0x01;
        return commandApdu({
          cla: 0,
          ins: 0x2a,
          p1: 0x00,
          p2: 0xbe,
          data: concatBytes(cert.body, tlv(0x5f37, sig)),
        });
      },
      protect: 'sm',
      expect:
        o.damage === 'signature' && !isLast
          ? { sw: ['6300', '6A80', '6982'] }
          : isLast
            ? (o.last ?? ok)
            : ok,
    });
    if (o.damage === 'signature' && !isLast) break;
  }
  return out;
}

const mseAtTerminal = (chain?: string): ApduStep => ({
  title: 'MSE:Set AT 81 A4 (CHR of the IS certificate)',
  send: (ctx) => {
    const chr = parseCvCertificate(creds(ctx, chain).chain.at(-1) as Uint8Array).chr;
    return commandApdu({
      cla: 0,
      ins: 0x22,
      p1: 0x81,
      p2: 0xa4,
      data: tlv(0x83, new TextEncoder().encode(chr)),
    });
  },
  protect: 'sm',
  expect: ok,
});

const taChallenge: ApduStep = {
  title: 'GET CHALLENGE (r_PICC)',
  send: '0084000008',
  protect: 'sm',
  expect: { sw: ['9000'], data: { length: 8 } },
  after: (c, r) => void c.vars.set('rPicc', r.data.slice()),
};

const externalAuth = (
  expect: Expectation,
  o: { chain?: string; corrupt?: boolean } = {},
): ApduStep => ({
  title: `EXTERNAL AUTHENTICATE (signature over ID_PICC ‖ r_PICC ‖ Comp(PK_PCD))${o.corrupt ? ', damaged' : ''}`,
  send: (ctx) => {
    const s = session(ctx);
    if (!s.access || !s.caCompPkPcd)
      throw new PreconditionError('TA needs PACE/BAC and CA done by the inspection system');
    const k = creds(ctx, o.chain);
    const challenge = (ctx.vars.get('rPicc') as Uint8Array | undefined) ?? new Uint8Array(8);
    const sig = taSign(
      k.curve,
      k.algorithmOid,
      k.privateKey,
      taMessage({ idPicc: s.access.idPicc, compPkPcd: s.caCompPkPcd }, challenge),
    ).slice();
    if (o.corrupt) sig[0] = (sig[0] as number) ^ 0x01;
    return commandApdu({ cla: 0, ins: 0x82, p1: 0, p2: 0, data: sig });
  },
  protect: 'sm',
  expect,
});

const readDg3 = (expect: Expectation): ApduStep => ({
  title: 'protected READ BINARY DG3 by SFI 03, Le 04',
  send: '00B0830004',
  protect: 'sm',
  expect,
});
const dg3Ok = readDg3({ sw: ['9000'], data: { prefix: '63' } });
const dg3Denied = readDg3({ sw: ['6982'], data: { empty: true } });

/**
 * TR-03105 Part 3.2 unit J (Terminal Authentication) cases. The unit's case texts and numbers are
 * not public (emrtd/README.md §4.4), so these carry our ids (`CIE_EMRTD_TA_<n>`) in category ISO7816_J.
 */
function j(
  n: number,
  title: string,
  rest: Omit<ConformanceCase, 'id' | 'title' | 'suite' | 'category' | 'refs'>,
  refs: ConformanceCase['refs'] = [],
): ConformanceCase {
  return emrtdCase(
    `CIE_EMRTD_TA_${n}`,
    title,
    [
      tr03105('unit ISO7816_J (Terminal Authentication)'),
      tr03110('EAC1 Terminal Authentication'),
      emrtd('§2.7, §4.4'),
      ...refs,
    ],
    { ...rest, applies: ['TA', 'CA', 'DG3', ...(rest.applies ?? [])] },
    'ISO7816_J',
  );
}

const J: ConformanceCase[] = [
  j(
    1,
    'Terminal Authentication after PACE + CA with the test IS certificate makes DG3 readable (tag 63)',
    {
      applies: ['PACE', 'TEST_PKI'],
      preconditions: ['ca_done'],
      steps: [...certificateSteps(), mseAtTerminal(), taChallenge, externalAuth(ok), dg3Ok],
    },
  ),
  j(
    2,
    'DG3 is refused after PACE + CA without Terminal Authentication',
    { applies: ['PACE'], preconditions: ['ca_done'], steps: [dg3Denied] },
    [emrtd('§1.6 (DG3: BAC/PACE + TA)')],
  ),
  j(3, 'DG3 is refused after PACE alone', {
    applies: ['PACE'],
    preconditions: ['pace_done'],
    steps: [dg3Denied],
  }),
  j(4, 'MSE:Set DST with a CAR the chip does not trust is refused', {
    applies: ['PACE'],
    preconditions: ['ca_done'],
    steps: [
      procedure(
        'test credentials present',
        'a DV certificate to start from',
        async (ctx) => void creds(ctx),
      ),
      ...certificateSteps({ damage: 'car' }),
    ],
  }),
  j(5, 'PSO:VERIFY CERTIFICATE with a damaged DV signature is refused and DG3 stays refused', {
    applies: ['PACE', 'TEST_PKI'],
    preconditions: ['ca_done'],
    steps: [...certificateSteps({ damage: 'signature' }), dg3Denied],
  }),
  j(6, 'EXTERNAL AUTHENTICATE with a wrong signature is refused and DG3 stays refused', {
    applies: ['PACE', 'TEST_PKI'],
    preconditions: ['ca_done'],
    steps: [
      ...certificateSteps(),
      mseAtTerminal(),
      taChallenge,
      externalAuth({ sw: ['6300', '6982'] }, { corrupt: true }),
      dg3Denied,
    ],
  }),
  j(
    7,
    'An IS certificate without the DG3 right: TA succeeds, DG3 stays refused (CHAT rights)',
    {
      applies: ['PACE', 'TEST_PKI'],
      preconditions: ['ca_done'],
      steps: [
        ...certificateSteps({ chain: 'emrtd.credentialsWithoutRights' }),
        mseAtTerminal('emrtd.credentialsWithoutRights'),
        taChallenge,
        externalAuth(ok, { chain: 'emrtd.credentialsWithoutRights' }),
        dg3Denied,
      ],
    },
    [tr03110('CHAT read DG3 bit')],
  ),
  j(
    8,
    'Terminal Authentication after BAC + CA (static binding, ID_PICC = document number) makes DG3 readable',
    {
      applies: ['BAC', 'TEST_PKI'],
      preconditions: ['bac_ca_done'],
      steps: [...certificateSteps(), mseAtTerminal(), taChallenge, externalAuth(ok), dg3Ok],
    },
    [tr03105('v1.5.1: J run after BAC and after PACE')],
  ),
  j(9, 'EXTERNAL AUTHENTICATE without GET CHALLENGE is refused', {
    applies: ['PACE', 'TEST_PKI'],
    preconditions: ['ca_done'],
    steps: [
      ...certificateSteps(),
      mseAtTerminal(),
      externalAuth({ sw: ['6985', '6982', '6300'] }),
      dg3Denied,
    ],
  }),
  j(
    10,
    'The TA challenge is single use: a second EXTERNAL AUTHENTICATE on it is refused',
    {
      applies: ['PACE', 'TEST_PKI'],
      preconditions: ['ca_done'],
      steps: [
        ...certificateSteps(),
        mseAtTerminal(),
        taChallenge,
        externalAuth({ sw: ['6300', '6982'] }, { corrupt: true }),
        mseAtTerminal(),
        externalAuth({ sw: ['6985', '6982', '6300'] }),
      ],
    },
    [emrtd('§4.7 (challenge consumed once)')],
  ),
];

const MIGRATION: ConformanceCase = emrtdCase(
  'ISO7816_I_30',
  'Mechanism migration: a CVCA link certificate, a DV and an IS under the new CVCA (MSE:Set DST + PSO ×3) are accepted; TA with the new chain makes DG3 readable',
  [
    icaoP3('ISO7816_I_30 (MSE:Set DST / PSO:VERIFY CERTIFICATE ×3)'),
    tr03110('v1.11 §2.2 (CVCA link certificates)'),
    emrtd('§2.7 (a CVCA link certificate adds a trust point)'),
  ],
  {
    applies: ['PACE', 'CA', 'TA', 'DG3', 'TEST_PKI'],
    preconditions: ['ca_done'],
    destructive: {
      reason: 'the CVCA link certificate adds a trust point to the chip for good',
      irreversible: true,
    },
    steps: [
      ...certificateSteps({ chain: LINKED, count: 3 }),
      mseAtTerminal(LINKED),
      taChallenge,
      externalAuth(ok, { chain: LINKED }),
      dg3Ok,
    ],
  },
  'ISO7816_I',
);

export const TERMINAL_AUTH_CASES: readonly ConformanceCase[] = [...J, MIGRATION];
