/**
 * The conformance engine against scripted cards (the JMRTD ScriptedCardService pattern): every
 * verdict kind, logs, resets, safety rules, the tries budget and SM fault injection.
 */
import { describe, expect, it } from 'vitest';
import { parseCommandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import { SmError, unwrapCommand } from '../../emulator/src/sm/sm-codec.ts';
import type { ApduChannel } from '../../harness/channel/apdu-channel.ts';
import { ChannelError } from '../../harness/channel/apdu-channel.ts';
import { InProcessChannel } from '../../harness/channel/in-process-channel.ts';
import { BudgetError, TriesBudget } from './budget.ts';
import { parseIcs, type Ics } from './ics.ts';
import type { ConformanceCase, SmFault } from './model.ts';
import { GENERIC_PRECONDITIONS, PreconditionRegistry } from './preconditions.ts';
import { runSuite, selectCases, type RunOptions } from './run-suite.ts';
import { protect } from './sm-faults.ts';
import { swMatches } from './sw-match.ts';
import { createSmIsoCard, smTestSession } from './test-cards.ts';
import isoIcs from '../ics/iso-test.ics.json' with { type: 'json' };
import smIcs from '../ics/sm-test.ics.json' with { type: 'json' };

/** Answers from a script keyed by command hex; records what it was sent. */
class ScriptedChannel implements ApduChannel {
  readonly kind = 'scripted';
  readonly description = 'scripted';
  readonly sent: string[] = [];
  resets = 0;
  private readonly script: Map<string, string>;
  private readonly fallback: string;
  constructor(script: Record<string, string>, fallback = '6D00') {
    this.script = new Map(Object.entries(script));
    this.fallback = fallback;
  }
  async connect(): Promise<Uint8Array> {
    return fromHex('3B80800101');
  }
  async transmit(c: Uint8Array): Promise<Uint8Array> {
    const h = toHex(c);
    this.sent.push(h);
    if (h === 'DEAD') throw new ChannelError('CARD_REMOVED', 'card removed');
    return fromHex(this.script.get(h) ?? this.fallback);
  }
  async reset(): Promise<Uint8Array> {
    this.resets++;
    return fromHex('3B80800101');
  }
  async close(): Promise<void> {}
}

const ICS: Ics = parseIcs(isoIcs, 'iso-test');

function options(
  channel: ApduChannel,
  cases: ConformanceCase[],
  extra: Partial<RunOptions> = {},
): RunOptions {
  return {
    target: { description: 'test', channel, tokens: [] },
    ics: ICS,
    icsSource: 'test',
    cases,
    suites: ['iso7816'],
    preconditions: new PreconditionRegistry().register(...GENERIC_PRECONDITIONS),
    placeholders: new Map([['X', () => fromHex('3F00')]]),
    destructive: false,
    ...extra,
  };
}

const base = {
  suite: 'iso7816' as const,
  category: 'T',
  refs: [{ doc: 'ISO/IEC 7816-4:2020', clause: '§7.1.1' }],
};

describe('verdicts', () => {
  it('passed and failed follow the accepted SW set; the log keeps every exchange with its phase', async () => {
    const ch = new ScriptedChannel({ '00A4000C023F00': '9000', '00B0000001': '6986' });
    const cases: ConformanceCase[] = [
      {
        ...base,
        id: 'A',
        title: 'ok',
        preconditions: ['mf_selected'],
        steps: [{ title: 's', send: '00A4000C02<X>', expect: { sw: ['9000'] } }],
      },
      {
        ...base,
        id: 'B',
        title: 'ko',
        steps: [{ title: 'read', send: '00B0000001', expect: { sw: ['6282', '9000'] } }],
      },
    ];
    const r = await runSuite(options(ch, cases));
    expect(r.results.map((x) => x.verdict)).toEqual(['passed', 'failed']);
    expect(r.results[1]?.reason).toContain('6986');
    expect(r.results[0]?.log.map((e) => e.phase)).toEqual([
      'reset',
      'precondition mf_selected',
      'step 1',
    ]);
    expect(ch.resets).toBe(2);
    expect(r.summary.counts).toMatchObject({ passed: 1, failed: 1 });
  });

  it('a data mismatch fails with both values in the message; the first failing step stops the case', async () => {
    const ch = new ScriptedChannel({ '00B0000002': '01029000' });
    const r = await runSuite(
      options(ch, [
        {
          ...base,
          id: 'C',
          title: 'data',
          steps: [
            { title: 'a', send: '00B0000002', expect: { sw: 'success', data: { equals: '0103' } } },
            { title: 'never sent', send: '00B0000003', expect: { sw: 'success' } },
          ],
        },
      ]),
    );
    expect(r.results[0]?.verdict).toBe('failed');
    expect(r.results[0]?.reason).toMatch(/0103.*0102/);
    expect(ch.sent).not.toContain('00B0000003');
  });

  it('not applicable when a token is missing or an excluding token is declared; nothing is sent', async () => {
    const ch = new ScriptedChannel({});
    const r = await runSuite(
      options(ch, [
        {
          ...base,
          id: 'D',
          title: 'sm',
          applies: ['SM'],
          steps: [{ title: 'x', send: '00A4000C', expect: { sw: 'success' } }],
        },
        {
          ...base,
          id: 'E',
          title: 'ext',
          unless: ['EXTENDED_LENGTH'],
          steps: [{ title: 'x', send: '00A4000C', expect: { sw: 'success' } }],
        },
      ]),
    );
    expect(r.results.map((x) => [x.verdict, x.reason])).toEqual([
      ['not-applicable', 'ICS does not declare SM'],
      ['not-applicable', 'ICS declares EXTENDED_LENGTH'],
    ]);
    expect(ch.sent).toEqual([]);
  });

  it('inconclusive when a precondition fails or the transport fails; failed is never claimed', async () => {
    const ch = new ScriptedChannel({ '00A4000C023F00': '6A82' });
    const r = await runSuite(
      options(ch, [
        {
          ...base,
          id: 'F',
          title: 'pre',
          preconditions: ['mf_selected'],
          steps: [{ title: 'x', send: '00A4000C', expect: { sw: 'success' } }],
        },
        {
          ...base,
          id: 'G',
          title: 'removed',
          steps: [{ title: 'x', send: { raw: 'DEAD' }, expect: { sw: 'success' } }],
        },
      ]),
    );
    expect(r.results[0]?.verdict).toBe('inconclusive');
    expect(r.results[0]?.reason).toContain('6A82');
    expect(r.results[1]?.verdict).toBe('inconclusive');
  });

  it('--only selects exact ids and prefixes', () => {
    const cs = ['ISO7816_C_1', 'ISO7816_C_13', 'LDS_D_1'].map((id) => ({
      ...base,
      id,
      title: id,
      steps: [],
    }));
    expect(selectCases(cs, ['ISO7816_C_*']).map((c) => c.id)).toEqual([
      'ISO7816_C_1',
      'ISO7816_C_13',
    ]);
    expect(selectCases(cs, ['LDS_D_1']).map((c) => c.id)).toEqual(['LDS_D_1']);
  });
});

describe('physical-card safety', () => {
  const destructive: ConformanceCase = {
    ...base,
    id: 'P',
    title: 'pin',
    destructive: { reason: 'spends a PIN try', pin: 1 },
    steps: [{ title: 'wrong PIN', send: '00200081083131313131313131', expect: { sw: ['63Cx'] } }],
  };

  it('destructive cases are skipped without --destructive', async () => {
    const r = await runSuite(options(new ScriptedChannel({}), [destructive]));
    expect(r.results[0]?.verdict).toBe('skipped');
    expect(r.results[0]?.reason).toContain('--destructive');
  });

  it('with --destructive on a non-disposable target the budget refuses when the remaining tries are unknown', async () => {
    const r = await runSuite(
      options(new ScriptedChannel({}), [destructive], {
        destructive: true,
        secrets: [{ ref: 0x81, label: 'PIN', value: '12345678', maxTries: 3 }],
      }),
    );
    expect(r.results[0]?.verdict).toBe('skipped');
    expect(r.results[0]?.reason).toContain('unknown');
  });

  it('irreversible cases need a disposable target and then run on a fresh copy', async () => {
    const irr: ConformanceCase = {
      ...base,
      id: 'I',
      title: 'irreversible',
      destructive: { reason: 'blocks the PUK', irreversible: true },
      steps: [{ title: 'x', send: '00A4000C', expect: { sw: 'success' } }],
    };
    const main = new ScriptedChannel({});
    expect((await runSuite(options(main, [irr], { destructive: true }))).results[0]?.verdict).toBe(
      'skipped',
    );
    const fresh = new ScriptedChannel({ '00A4000C': '9000' });
    const r = await runSuite(
      options(main, [irr], {
        destructive: true,
        target: { description: 't', channel: main, tokens: [], fresh: async () => fresh },
      }),
    );
    expect(r.results[0]?.verdict).toBe('passed');
    expect(fresh.sent).toEqual(['00A4000C']);
  });

  it('the budget learns counters from 63Cx/6983/9000 and refuses a wrong try that would go below the floor', () => {
    const b = new TriesBudget(1, [{ ref: 0x81, label: 'PIN', value: '12345678', maxTries: 3 }]);
    const wrong = new TextEncoder().encode('00000000');
    const right = new TextEncoder().encode('12345678');
    expect(() => b.beforeSend(0x20, 0x81, wrong)).toThrow(BudgetError);
    b.beforeSend(0x20, 0x81, right);
    b.afterResponse(0x20, 0x81, 0x9000);
    expect(b.left(0x81)).toBe(3);
    b.beforeSend(0x20, 0x81, wrong);
    b.afterResponse(0x20, 0x81, 0x63c2);
    b.beforeSend(0x20, 0x81, wrong);
    b.afterResponse(0x20, 0x81, 0x63c1);
    expect(() => b.beforeSend(0x20, 0x81, wrong)).toThrow(/floor 1/);
    b.afterResponse(0x20, 0x81, 0x6983);
    expect(b.left(0x81)).toBe(0);
    expect(new TriesBudget(0).affordable(0x81, 10).ok).toBe(true);
  });

  it('PIN bytes are masked in the log unless revealed', async () => {
    const ch = new ScriptedChannel({ '00200081083132333435363738': '9000' });
    const c: ConformanceCase = {
      ...base,
      id: 'M',
      title: 'verify',
      steps: [{ title: 'v', send: '00200081083132333435363738', expect: { sw: 'success' } }],
    };
    const masked = await runSuite(
      options(ch, [c], { secrets: [{ ref: 0x81, label: 'PIN', value: '12345678', maxTries: 3 }] }),
    );
    expect(masked.results[0]?.log[1]?.command).toBe('00200081082A2A2A2A2A2A2A2A');
    const shown = await runSuite(options(ch, [c], { revealSecrets: true, triesFloor: 0 }));
    expect(shown.results[0]?.log[1]?.command).toBe('00200081083132333435363738');
  });
});

describe('status-word patterns', () => {
  it('match exact, xx and x nibble patterns, success and error', () => {
    expect(swMatches(0x6c10, '6Cxx')).toBe(true);
    expect(swMatches(0x63c2, '63Cx')).toBe(true);
    expect(swMatches(0x6300, '63Cx')).toBe(false);
    expect(swMatches(0x6982, 'error')).toBe(true);
    expect(swMatches(0x6282, 'error')).toBe(false);
    expect(swMatches(0x9000, 'success')).toBe(true);
    expect(() => swMatches(0x9000, '90')).toThrow();
  });
});

describe('ICS validation', () => {
  it('accepts the default statements and refuses unknown tokens and missing sections with their path', () => {
    expect(parseIcs(smIcs).sm?.establish).toBe('test-hook');
    expect(() => parseIcs({ ...isoIcs, tokens: ['SFI', 'SFII'] })).toThrow(/tokens\.1/);
    const { behaviour: _b, ...noBehaviour } = isoIcs;
    expect(() => parseIcs(noBehaviour)).toThrow(/behaviour/);
    expect(() => parseIcs({ ...smIcs, sm: { ...smIcs.sm, hook: undefined } })).toThrow(/hook/);
  });
});

describe('SM fault injection (ICAO Part 3 C_12..C_18)', () => {
  const plain = parseCommandApdu(fromHex('00A4020C020101'));
  const expected: Record<SmFault, number> = {
    'sm-corrupt-mac': 0x6988,
    'sm-drop-mac': 0x6987,
    'sm-skip-ssc': 0x6988,
    'sm-corrupt-cryptogram': 0x6988,
    'sm-wrong-cryptogram-do': 0x6988,
    'sm-unknown-do': 0x6988,
    'sm-truncated-mac': 0x6988,
  };
  for (const [fault, sw] of Object.entries(expected) as [SmFault, number][]) {
    it(`${fault} is rejected by the card-side codec with ${sw.toString(16)}`, () => {
      const s = smTestSession();
      const p = protect(s, plain, fault);
      let err: unknown;
      try {
        unwrapCommand(s, p.apdu);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SmError);
      expect((err as SmError).sw).toBe(sw);
    });
  }
  it('the correct wrapping is accepted and the terminal session advances by one', () => {
    const s = smTestSession();
    const p = protect(s, plain, 'sm');
    expect(toHex(unwrapCommand(s, p.apdu).apdu.data)).toBe('0101');
    expect(p.session.ssc).toBe(s.ssc + 1n);
  });
});

describe('in-process run', () => {
  it('a protected step on the SM test card returns decrypted data and follows the outer-SW policy', async () => {
    const ics = parseIcs(smIcs);
    const c: ConformanceCase = {
      ...base,
      id: 'S',
      title: 'sm read',
      preconditions: ['sm_established', 'sm_ef_selected'],
      steps: [
        {
          title: 'read',
          send: '00B0000004',
          protect: 'sm',
          expect: { sw: ['9000'], data: { equals: '00010203' } },
        },
      ],
    };
    const r = await runSuite({
      ...options(new InProcessChannel(createSmIsoCard()), [c]),
      ics,
      preconditions: new PreconditionRegistry().register(...GENERIC_PRECONDITIONS),
    });
    expect(r.results[0]?.verdict, r.results[0]?.reason).toBe('passed');
    expect(r.results[0]?.log.at(-1)?.plainResponse).toBe('000102039000');
  });

  it('an outer SW that does not follow the declared policy fails the step (mirror card, ICS says ok)', async () => {
    const ics = parseIcs(smIcs);
    const c: ConformanceCase = {
      ...base,
      id: 'O',
      title: 'absent',
      preconditions: ['sm_established'],
      steps: [
        { title: 'select absent', send: '00A4020C020A0A', protect: 'sm', expect: { sw: ['6A82'] } },
      ],
    };
    const run = (policy: 'mirror' | 'ok') =>
      runSuite({
        ...options(new InProcessChannel(createSmIsoCard()), [c]),
        ics: { ...ics, behaviour: { ...ics.behaviour, smOuterSw: policy } },
      });
    expect((await run('mirror')).results[0]?.verdict).toBe('passed');
    const ok = (await run('ok')).results[0];
    expect(ok?.verdict).toBe('failed');
    expect(ok?.reason).toContain('smOuterSw=ok');
  });
});

describe('ICS application sections', () => {
  it('the ias and emrtd sections are validated at load: unknown fields and bad values are refused', async () => {
    const { default: nxp } = await import('../ics/cie-nxp.ics.json', { with: { type: 'json' } });
    expect(parseIcs(nxp).ias?.pinTries).toBe(3);
    expect(() => parseIcs({ ...nxp, ias: { ...nxp.ias, pinTries: 0 } })).toThrow(/ias\.pinTries/);
    expect(() => parseIcs({ ...nxp, emrtd: { cardAccess: 'XYZ' } })).toThrow(/emrtd\.cardAccess/);
    expect(() => parseIcs({ ...nxp, emrtd: { dataGroups: [1] } })).toThrow(/emrtd/);
  });
});
