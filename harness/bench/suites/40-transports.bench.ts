/**
 * Transport benchmark: per-APDU round trip of the default card and of the
 * null card measured in the same run, interleaved batch by batch, through
 *
 * - pcscd + the CIE Bench reader driver,
 * - pcscd + Debian's vpcd without the quickack route (card on 127.0.0.1) and with it (127.0.0.2),
 * - the WebSocket NFC endpoint.
 *
 * Target: emulator time per APDU ≤ 1.2 × null-card time per APDU on every path (median of per-round
 * ratios; rounds A B B A, so a busy shared machine does not favour either card). The APDU is
 * SELECT MF (00 A4 00 0C 02 3F 00), which every personality answers 9000 without secrets. The
 * cards run in worker threads, as a separate `ciebench card start` would (and a PC/SC call that
 * blocks the benchmark's thread cannot stall them).
 * Without pcscd only the NFC path is measured (and the PC/SC paths are reported as not measured,
 * or the run fails when CIE_REQUIRE_INTEGRATION=1). A missing quickack route is added for the run
 * and removed afterwards when the bench runs as root.
 */
import { execFile } from 'node:child_process';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import type { Card } from '../../../emulator/src/card/card.ts';
import { NullCard } from '../../../emulator/src/card/null-card.ts';
import { createDefaultCard } from '../../cards/card-registry.ts';
import type { ApduChannel } from '../../channel/apdu-channel.ts';
import { WsNfcChannel } from '../../nfc/ws-nfc-channel.ts';
import { NfcServer } from '../../nfc/ws-server.ts';
import { loadPcscBinding, type PcscBinding } from '../../pcsc/pcsc-binding.ts';
import { PcscChannel } from '../../pcsc/pcsc-channel.ts';
import { pcscdRunning, quickackRoute } from '../../pcsc/pcsc-env.ts';
import { insertCard } from '../../pcsc/reader-slots.ts';
import {
  CIEBENCH_READER,
  DEBIAN_VPCD,
  QUICKACK_ADDRESS,
  readerName,
  type VirtualReaderKind,
} from '../../transport/endpoints.ts';
import type { BenchMetric, BenchSuite } from '../bench-kit.ts';

const SELECT_MF = fromHex('00A4000C023F00');
const TARGET = { op: '<=' as const, value: 1.2 };

interface PairTiming {
  readonly nullMs: number;
  readonly cardMs: number;
  /** Median over rounds of (emulator batch time / null-card batch time). */
  readonly ratio: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[s.length >> 1] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

/**
 * Per-APDU time of each channel. Rounds run A B B A (null, card, card, null) so that drift and the
 * load of a shared machine hit both alike; the ratio is the median of the per-round ratios.
 */
async function interleaved(
  nullCh: ApduChannel,
  cardCh: ApduChannel,
  batch: number,
  rounds: number,
): Promise<PairTiming> {
  const time = async (ch: ApduChannel): Promise<number> => {
    const t = performance.now();
    for (let i = 0; i < batch; i++) await ch.transmit(SELECT_MF);
    return performance.now() - t;
  };
  await time(nullCh);
  await time(cardCh);
  const nulls: number[] = [];
  const cards: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const n1 = await time(nullCh);
    const c1 = await time(cardCh);
    const c2 = await time(cardCh);
    const n2 = await time(nullCh);
    nulls.push((n1 + n2) / (2 * batch));
    cards.push((c1 + c2) / (2 * batch));
  }
  return {
    nullMs: median(nulls),
    cardMs: median(cards),
    ratio: median(cards.map((c, i) => c / (nulls[i] as number))),
  };
}

async function checkedCard(): Promise<Card> {
  const { card } = await createDefaultCard();
  card.powerOn();
  const r = card.transmit(SELECT_MF);
  if (toHex(r) !== '9000')
    throw new Error(`benchmark setup: SELECT MF answered ${toHex(r)}, not 9000`);
  card.powerOff();
  return card;
}

function metrics(
  path: string,
  t: PairTiming,
  detail = '',
  method = 'same run; ABBA rounds, median; both slot layouts',
): BenchMetric[] {
  return [
    { name: `${path}: null card, ms/APDU`, value: t.nullMs, unit: 'ms' },
    {
      name: `${path}: emulator, ms/APDU`,
      value: t.cardMs,
      unit: 'ms',
      ...(detail ? { detail } : {}),
    },
    {
      name: `${path}: emulator / null card`,
      value: t.ratio,
      unit: '×',
      target: TARGET,
      detail: method,
    },
  ];
}

async function oneLayout(
  binding: PcscBinding,
  kind: VirtualReaderKind,
  host: string,
  cardSlot: number,
  batch: number,
  rounds: number,
): Promise<PairTiming> {
  const nullSlot = 1 - cardSlot;
  const cardIn = await insertCard(
    binding,
    kind,
    { kind: 'default' },
    { slot: cardSlot, host, exchanges: false },
  );
  const nullIn = await insertCard(
    binding,
    kind,
    { kind: 'null' },
    { slot: nullSlot, host, exchanges: false },
  );
  const cardCh = new PcscChannel({ reader: readerName(kind, cardSlot), binding });
  const nullCh = new PcscChannel({ reader: readerName(kind, nullSlot), binding });
  try {
    await cardCh.connect();
    await nullCh.connect();
    return await interleaved(nullCh, cardCh, batch, rounds);
  } finally {
    await cardCh.close();
    await nullCh.close();
    await cardIn.remove();
    await nullIn.remove();
  }
}

/** Both slot layouts (card in slot 0, then in slot 1), so a slot that is faster favours neither card. */
async function viaReader(
  binding: PcscBinding,
  kind: VirtualReaderKind,
  host: string,
  batch: number,
  rounds: number,
  layouts: readonly number[] = [0, 1],
): Promise<PairTiming> {
  await checkedCard();
  const runs: PairTiming[] = [];
  for (const slot of layouts) runs.push(await oneLayout(binding, kind, host, slot, batch, rounds));
  const mean = (f: (t: PairTiming) => number): number =>
    runs.reduce((a, t) => a + f(t), 0) / runs.length;
  const geo = Math.exp(runs.reduce((a, t) => a + Math.log(t.ratio), 0) / runs.length);
  return { nullMs: mean((t) => t.nullMs), cardMs: mean((t) => t.cardMs), ratio: geo };
}

async function viaNfc(): Promise<PairTiming> {
  const card = await checkedCard();
  const nulls = new NfcServer({ port: 0, card: () => new NullCard() });
  const cards = new NfcServer({ port: 0, card: () => card, exclusive: true });
  const [n, c] = [await nulls.listen(), await cards.listen()];
  const nullCh = new WsNfcChannel(n.url);
  const cardCh = new WsNfcChannel(c.url);
  try {
    await nullCh.connect();
    await cardCh.connect();
    return await interleaved(nullCh, cardCh, 200, 21);
  } finally {
    await nullCh.close();
    await cardCh.close();
    await nulls.close();
    await cards.close();
  }
}

function ip(args: readonly string[]): Promise<boolean> {
  return new Promise((resolve) => execFile('ip', [...args], (e) => resolve(!e)));
}

async function withQuickack<T>(fn: (routed: boolean) => Promise<T>): Promise<T> {
  if (await quickackRoute()) return fn(true);
  const added = await ip([
    'route',
    'replace',
    'local',
    QUICKACK_ADDRESS,
    'dev',
    'lo',
    'table',
    'local',
    'proto',
    'static',
    'scope',
    'host',
    'src',
    '127.0.0.1',
    'quickack',
    '1',
  ]);
  if (added)
    process.stdout.write(`  (added the quickack route for ${QUICKACK_ADDRESS} for this run)\n`);
  try {
    return await fn(added && (await quickackRoute()));
  } finally {
    if (added) await ip(['route', 'del', 'local', QUICKACK_ADDRESS, 'dev', 'lo', 'table', 'local']);
  }
}

function readers(binding: PcscBinding): string[] {
  const ctx = new binding.Context();
  try {
    return ctx.listReaders().map((r) => r.name);
  } finally {
    ctx.close();
  }
}

async function pcscMetrics(): Promise<BenchMetric[]> {
  const missing = (why: string): BenchMetric[] => {
    if (process.env['CIE_REQUIRE_INTEGRATION'] === '1')
      throw new Error(`PC/SC transports not measured: ${why}`);
    process.stdout.write(`  PC/SC transports NOT measured: ${why}\n`);
    return [];
  };
  if (!(await pcscdRunning())) return missing('pcscd is not running (see harness/vpcd/README.md)');
  const binding = await loadPcscBinding();
  const names = readers(binding);
  const out: BenchMetric[] = [];
  if (names.includes(readerName(CIEBENCH_READER, 1)))
    out.push(
      ...metrics(
        'pcscd + CIE Bench driver',
        await viaReader(binding, CIEBENCH_READER, '127.0.0.1', 200, 15),
      ),
    );
  else
    out.push(
      ...missing(`'${readerName(CIEBENCH_READER, 1)}' not listed (ciebench reader install)`),
    );
  if (!names.includes(readerName(DEBIAN_VPCD, 1)))
    return [
      ...out,
      ...missing(`'${readerName(DEBIAN_VPCD, 1)}' not listed (apt-get install vsmartcard-vpcd)`),
    ];
  const slow = await viaReader(binding, DEBIAN_VPCD, '127.0.0.1', 10, 3, [0]);
  out.push(
    ...metrics(
      'pcscd + Debian vpcd, no quickack',
      slow,
      'card on 127.0.0.1',
      'same run; ABBA rounds, median',
    ),
  );
  await withQuickack(async (routed) => {
    if (!routed)
      return void out.push(
        ...missing('no quickack route and not allowed to add one (root/CAP_NET_ADMIN)'),
      );
    const fast = await viaReader(binding, DEBIAN_VPCD, QUICKACK_ADDRESS, 200, 15);
    out.push(
      ...metrics('pcscd + Debian vpcd, quickack route', fast, `card on ${QUICKACK_ADDRESS}`),
    );
    out.push({
      name: 'Debian vpcd: quickack speed-up (no route / route)',
      value: slow.cardMs / fast.cardMs,
      unit: '×',
      detail: `${slow.cardMs.toFixed(2)} ms → ${fast.cardMs.toFixed(3)} ms per APDU`,
    });
  });
  return out;
}

export const suite: BenchSuite = {
  name: 'transports: pcscd + vpcd / CIE Bench driver, WebSocket NFC',
  async run() {
    return [
      ...(await pcscMetrics()),
      ...metrics('WebSocket NFC endpoint', await viaNfc(), '', 'same run; ABBA rounds, median'),
    ];
  },
};
