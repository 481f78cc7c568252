/**
 * IAS benchmark, in-process, next to the null card measured in the same run:
 *
 * - full login with the reference terminal (warm reset, SELECTs, EF 1004, GET DATA, DH, DAPP,
 *   VERIFY PIN, read EF 1002 and EF 1003, sign, every check of the terminal): median and p95 over
 *   250 runs, target median ≤ 20 ms;
 * - SM-protected READ BINARY of 231 bytes (EF 1003) on the card, target ≥ 20 000 APDU/s. The
 *   protected commands are prepared by the terminal beforehand (SSC advanced for each command and
 *   each response), so the rate measures the emulator — unwrap, read, wrap — not the host;
 *   the full round trip with the terminal's wrap/unwrap is reported as well, without a target.
 */
import { commandApdu, encodeCommandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { NullCard } from '../../../emulator/src/card/null-card.ts';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { cieCardFromImage } from '../../../emulator/src/profiles/cie-card-image.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import { wrapCommand } from '../../../emulator/src/sm/sm-codec.ts';
import { advanceSsc, type SmSession } from '../../../emulator/src/sm/sm-session.ts';
import { InProcessChannel } from '../../channel/in-process-channel.ts';
import { loginFlow } from '../../terminals/ias/flows.ts';
import { IasTerminal } from '../../terminals/ias/ias-terminal.ts';
import { openSecureChannel, trustOf } from '../../terminals/ias/testing.ts';
import { measureDurations, measureRate, type BenchSuite } from '../bench-kit.ts';
import { SW_9000_OK } from '../../../emulator/src/apdu/status-words.ts';

const READ_231 = commandApdu({ cla: 0x00, ins: 0xb0, p1: 0x00, p2: 0x00, ne: 0xe7 });
const WARMUP = 2_000;
const MEASURED = 40_000;

async function loginMetrics(): Promise<{ median: number; p95: number; runs: number }> {
  const image = defaultCardImage();
  const { card } = cieCardFromImage(image, { rng: seededRng('bench-card') });
  const channel = new InProcessChannel(card, 'bench');
  await channel.connect();
  const trust = trustOf(image);
  const options = {
    pin: image.state.pin.value,
    trust,
    reset: true,
    rng: seededRng('bench-terminal'),
  };
  const check = await loginFlow(channel, options);
  if (check.verdict !== 'pass')
    throw new Error(`benchmark setup: login failed ${JSON.stringify(check.error)}`);
  return measureDurations(
    async () => {
      const r = await loginFlow(channel, options);
      if (r.verdict !== 'pass') throw new Error('login failed during the benchmark');
    },
    250,
    10,
  );
}

/** A terminal after DAPP + VERIFY with EF 1003 selected under SM. */
async function protectedSession(): Promise<{ terminal: IasTerminal; channel: InProcessChannel }> {
  const image = defaultCardImage();
  const { card } = cieCardFromImage(image, { rng: seededRng('bench-card-2') });
  const channel = new InProcessChannel(card, 'bench');
  const t = new IasTerminal(channel, { rng: seededRng('bench-sm') });
  await openSecureChannel(t);
  if (!(await t.verify(0x81, image.state.pin.value)).ok)
    throw new Error('benchmark setup: VERIFY failed');
  await t.selectEf(0x1003);
  const r = await t.link.protected(READ_231);
  if (r.sw !== SW_9000_OK || r.data.length !== 231)
    throw new Error('benchmark setup: protected READ BINARY did not return 231 bytes');
  return { terminal: t, channel };
}

/** Protected commands for the card's next `n` exchanges (each advances the SSC twice). */
function prepare(session: SmSession, n: number): Uint8Array[] {
  const commands: Uint8Array[] = [];
  let s = session;
  for (let i = 0; i < n; i++) {
    const w = wrapCommand(s, READ_231);
    commands.push(encodeCommandApdu(w.apdu).slice());
    s = advanceSsc(w.session);
  }
  return commands;
}

/** Card-side rate over prepared commands: warm-up, then a timed run; every answer must be 233+ bytes. */
async function cardSideRate(channel: InProcessChannel, session: SmSession): Promise<number> {
  const commands = prepare(session, WARMUP + MEASURED);
  for (let i = 0; i < WARMUP; i++) await channel.transmit(commands[i] as Uint8Array);
  const start = performance.now();
  for (let i = WARMUP; i < commands.length; i++) {
    const r = await channel.transmit(commands[i] as Uint8Array);
    if (r.length < 200) throw new Error(`benchmark: protected READ BINARY ${i} failed`);
  }
  return (MEASURED * 1000) / (performance.now() - start);
}

export const suite: BenchSuite = {
  name: 'IAS application, in-process',
  async run() {
    const nullChannel = new InProcessChannel(new NullCard());
    await nullChannel.connect();
    const probe = fromHex('0CB000000D9701E78E080102030405060708 00');
    const nullRate = await measureRate(() => nullChannel.transmit(probe));

    const login = await loginMetrics();

    const { terminal, channel } = await protectedSession();
    const session = terminal.link.session;
    if (!session) throw new Error('benchmark setup: no SM session');
    const cardRate = await cardSideRate(channel, session);
    const fresh = await protectedSession();
    const roundTrip = await measureRate(() => fresh.terminal.link.protected(READ_231), 1000, 200);

    return [
      { name: 'null card (9000 to everything), APDU/s', value: nullRate, unit: 'APDU/s' },
      {
        name: 'IAS full login (DH+DAPP+VERIFY+cert+sign), median',
        value: login.median,
        unit: 'ms',
        target: { op: '<=', value: 20 },
        detail: `${login.runs} runs, desktop sequence, all checks`,
      },
      { name: 'IAS full login, p95', value: login.p95, unit: 'ms', detail: `${login.runs} runs` },
      {
        name: 'SM-protected READ BINARY 231 bytes (card side), APDU/s',
        value: cardRate,
        unit: 'APDU/s',
        target: { op: '>=', value: 20_000 },
        detail: `unwrap + read + wrap, ${MEASURED} commands prepared beforehand`,
      },
      {
        name: 'SM-protected READ BINARY, terminal round trip, APDU/s',
        value: roundTrip,
        unit: 'APDU/s',
        detail: 'terminal wrap + card + terminal unwrap and check',
      },
      {
        name: 'SM READ BINARY time relative to the null card',
        value: nullRate / cardRate,
        unit: '×',
        detail: 'card µs / null-card µs',
      },
    ];
  },
};
