/**
 * eMRTD suite: ICAO Part 3 ISO7816_C (BAC and its secure messaging; ICAO 9303-11 §4.3, §9.8,
 * Appendix D). Protected parts are computed at run time with the inspection system's building
 * blocks. The matrix's C_6 step 3 expects 9000 for a corrupted MAC, a visible transcription error
 * (conformance/icao-part3/README.md); the suite expects the refusal the purpose names.
 */
import { equalBytes } from '../../../emulator/src/bytes/bytes.ts';
import { commandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { bacKeys } from '../../../emulator/src/protocols/bac/bac-keys.ts';
import { bacCommandData, bacFinish } from '../../../emulator/src/protocols/bac/bac-terminal.ts';
import type { ApduStep, ConformanceCase, Expectation } from '../../lib/model.ts';
import { emrtd, icao11, icaoP3, iso4 } from '../refs.ts';
import { emrtdCase, mrz } from './common.ts';
import { SW_9000_OK } from '../../../emulator/src/apdu/status-words.ts';

const ok: Expectation = { sw: ['9000'] };
const anyError: Expectation = {
  sw: 'error',
  why: 'ICAO Part 3 leaves the error open: any checking error',
};

// ---------------------------------------------------------------------------------------------
// C: BAC (ICAO 9303-11 §4.3, Appendix D)

const bacChallenge = (expect: Expectation = { sw: ['9000'], data: { length: 8 } }): ApduStep => ({
  title: 'GET CHALLENGE 00 84 00 00 08 (RND.IC)',
  send: '0084000008',
  expect,
  after: (c, r) => void c.vars.set('rndIc', r.data.slice()),
});

type MaFault = 'none' | 'cryptogram' | 'mac';

function mutualAuth(fault: MaFault, expect: Expectation): ApduStep {
  return {
    title: `MUTUAL AUTHENTICATE 00 82 00 00 28 E.IFD ‖ M.IFD 28${fault === 'none' ? '' : ` (${fault} damaged)`}`,
    send: (c) => {
      const keys = bacKeys(mrz(c));
      const rndIc = (c.vars.get('rndIc') as Uint8Array | undefined) ?? c.rng.bytes(8);
      const rndIfd = c.rng.bytes(8);
      const kIfd = c.rng.bytes(16);
      c.vars.set('bac', { keys, rndIc, rndIfd, kIfd });
      const data = bacCommandData(keys, rndIc, rndIfd, kIfd).slice();
      if (fault === 'cryptogram') data[3] = (data[3] as number) ^ 0x01;
      if (fault === 'mac') data[39] = (data[39] as number) ^ 0x01;
      return commandApdu({ cla: 0, ins: 0x82, p1: 0, p2: 0, data, ne: 0x28 });
    },
    expect,
    after: (c, r) => {
      if (r.sw !== SW_9000_OK) return;
      const b = c.get<{
        keys: ReturnType<typeof bacKeys>;
        rndIc: Uint8Array;
        rndIfd: Uint8Array;
        kIfd: Uint8Array;
      }>('bac');
      c.sm = bacFinish(b.keys, b.rndIc, b.rndIfd, b.kIfd, r.data);
    },
  };
}

const readComSm: ApduStep = {
  title: 'protected READ BINARY 0C B0 9E 00 … 97 01 06 (EF.COM by SFI)',
  send: '00B09E0006',
  protect: 'sm',
  expect: { sw: ['9000'], data: [{ length: 6 }, { prefix: '60' }] },
};
const sessionGone: ApduStep = {
  title: 'a correct protected READ BINARY now fails (session deleted)',
  send: '00B09E0006',
  protect: 'sm',
  expect: {
    sw: 'error',
    sm: 'plain',
    why: 'ICAO Part 3 C_13 step 2: the next correct SM command must fail',
  },
};

const c = (
  n: number,
  title: string,
  rest: Omit<ConformanceCase, 'id' | 'title' | 'suite' | 'category' | 'refs'>,
  refs: ConformanceCase['refs'] = [],
): ConformanceCase =>
  emrtdCase(`ISO7816_C_${n}`, title, [icaoP3(`ISO7816_C_${n} (§3.3)`), ...refs], {
    ...rest,
    applies: ['BAC', ...(rest.applies ?? [])],
  });

const C: ConformanceCase[] = [
  c(
    1,
    'Two GET CHALLENGEs return two different 8-byte values',
    {
      preconditions: ['emrtd_selected'],
      steps: [
        bacChallenge(),
        {
          title: 'GET CHALLENGE again',
          send: '0084000008',
          expect: {
            sw: ['9000'],
            data: {
              what: 'a different value',
              check: (d, ctx) =>
                equalBytes(d, ctx.get<Uint8Array>('rndIc')) ? 'same challenge twice' : undefined,
            },
          },
        },
      ],
    },
    [icao11('§4.3.4.1')],
  ),
  c(
    2,
    'BAC: MUTUAL AUTHENTICATE answers E.IC ‖ M.IC (40 bytes) that verify; the SM session reads EF.COM',
    {
      preconditions: ['emrtd_selected'],
      steps: [
        bacChallenge(),
        mutualAuth('none', { sw: ['9000'], data: { length: 40 } }),
        readComSm,
      ],
    },
    [icao11('§4.3, Appendix D.3'), emrtd('§2.2')],
  ),
  c(
    3,
    'MUTUAL AUTHENTICATE with a wrong cryptogram is refused; no session results',
    {
      preconditions: ['emrtd_selected'],
      steps: [
        bacChallenge(),
        mutualAuth('cryptogram', anyError),
        {
          title: 'plain READ BINARY EF.COM still refused',
          send: '00B09E0006',
          expect: { sw: ['6982'] },
        },
      ],
    },
    [emrtd('§2.2 (failure SWs not fixed by ICAO)')],
  ),
  c(
    4,
    'MUTUAL AUTHENTICATE without a preceding GET CHALLENGE is refused',
    { preconditions: ['emrtd_selected'], steps: [mutualAuth('none', anyError)] },
    [emrtd('§2.2 (C_4 must fail)')],
  ),
  c(
    6,
    'MUTUAL AUTHENTICATE with a corrupted MAC is refused',
    { preconditions: ['emrtd_selected'], steps: [bacChallenge(), mutualAuth('mac', anyError)] },
    [emrtd('§2.2 (bad MAC)')],
  ),
  emrtdCase(
    'CIE_EMRTD_BAC_1',
    'The BAC challenge is single use: a second MUTUAL AUTHENTICATE on it is refused',
    [icao11('§4.3.4'), emrtd('§4.7 (challenge consumed once)')],
    {
      applies: ['BAC'],
      preconditions: ['emrtd_selected'],
      steps: [bacChallenge(), mutualAuth('mac', anyError), mutualAuth('none', anyError)],
    },
    'ISO7816_C',
  ),
  c(
    8,
    'Protected READ BINARY by SFI after BAC (0C B0 9E 00 … 97 01 06)',
    { preconditions: ['bac_done'], steps: [readComSm] },
    [icao11('§9.8')],
  ),
  c(
    9,
    'Protected odd READ BINARY with SFI in P2 (0C B1 00 1E, DO 85 + 97 01 06) returns DO 53',
    {
      applies: ['ODD_READ_BINARY'],
      preconditions: ['bac_done'],
      steps: [
        {
          title: 'protected READ BINARY odd, SFI 1E, offset 0, Le 06',
          send: '00B1001E0354010006',
          protect: 'sm',
          expect: { sw: ['9000'], data: { prefix: '530460' } },
        },
      ],
    },
    [iso4('§7.2.3')],
  ),
  c(10, 'Protected READ BINARY without SFI after a protected SELECT', {
    preconditions: ['bac_done'],
    steps: [
      { title: 'protected SELECT EF.COM', send: '00A4020C02011E', protect: 'sm', expect: ok },
      { ...readComSm, send: '00B0000006', title: 'protected READ BINARY 6 bytes' },
    ],
  }),
  c(11, 'Protected odd READ BINARY without SFI after a protected SELECT', {
    applies: ['ODD_READ_BINARY'],
    preconditions: ['bac_done'],
    steps: [
      { title: 'protected SELECT EF.COM', send: '00A4020C02011E', protect: 'sm', expect: ok },
      {
        title: 'protected READ BINARY odd, offset 0',
        send: '00B100000354010006',
        protect: 'sm',
        expect: { sw: ['9000'], data: { prefix: '530460' } },
      },
    ],
  }),
  c(
    12,
    'Protected SELECT without DO 8E is refused (6987/6988) and the session is deleted',
    {
      preconditions: ['bac_done'],
      steps: [
        {
          title: 'protected SELECT EF.COM without DO 8E',
          send: '00A4020C02011E',
          protect: 'sm-drop-mac',
          expect: { sw: ['6987', '6988'], sm: 'plain' },
        },
        sessionGone,
      ],
    },
    [icao11('§9.8.4')],
  ),
  c(
    13,
    'Protected SELECT with a corrupted MAC is refused (6988/6982) and the session is deleted',
    {
      preconditions: ['bac_done'],
      steps: [
        {
          title: 'protected SELECT EF.COM, corrupted checksum',
          send: '00A4020C02011E',
          protect: 'sm-corrupt-mac',
          expect: { sw: ['6988', '6982'], sm: 'plain' },
        },
        sessionGone,
      ],
    },
    [emrtd('§4.3 (C_13 anatomy)')],
  ),
  c(
    14,
    'A protected command with a wrong send sequence counter is refused and the session is deleted',
    {
      preconditions: ['bac_done'],
      steps: [
        {
          title: 'protected SELECT with SSC + 2',
          send: '00A4020C02011E',
          protect: 'sm-skip-ssc',
          expect: { sw: ['6988', '6982'], sm: 'plain' },
        },
        sessionGone,
      ],
    },
    [icao11('§9.8.2')],
  ),
  c(
    16,
    'A plain SELECT while SM is active is executed (9000) and ends the session',
    {
      preconditions: ['bac_done'],
      steps: [
        {
          title: 'plain SELECT 00 A4 02 0C 02 01 1E',
          send: '00A4020C02011E',
          expect: {
            sw: ['9000'],
            sm: 'plain',
            why: 'ICAO Part 3 ISO7816_C_16 expects 9000 only: the plain command is executed and ends SM',
          },
        },
        sessionGone,
      ],
    },
    [
      icao11('§9.8 (a plain command aborts secure messaging)'),
      emrtd('§2.3 (plain command ends SM)'),
    ],
  ),
  c(17, 'Protected READ BINARY without DO 8E is refused and the session is deleted', {
    preconditions: ['bac_done'],
    steps: [
      {
        title: 'protected READ BINARY 0C B0 9E 00 03 97 01 06 (no 8E)',
        send: '00B09E0006',
        protect: 'sm-drop-mac',
        expect: { sw: ['6987', '6988'], sm: 'plain' },
      },
      sessionGone,
    ],
  }),
  c(
    18,
    'Protected READ BINARY with a corrupted MAC is refused (6988/6982) and the session is deleted',
    {
      preconditions: ['bac_done'],
      steps: [
        {
          title: 'protected READ BINARY, corrupted checksum',
          send: '00B09E0006',
          protect: 'sm-corrupt-mac',
          expect: { sw: ['6988', '6982'], sm: 'plain' },
        },
        sessionGone,
      ],
    },
  ),
];

export const BAC_CASES: readonly ConformanceCase[] = C;
