/**
 * eMRTD benchmark, in-process, next to the null card measured in the same
 * run, on the default CIE-like eMRTD card (real CIE EF.CardAccess: PACE DH-GM-3DES on the RFC 5114
 * 2048/256 group, 8-byte nonce):
 *
 * - reset, read EF.CardAccess, PACE-CAN, SELECT, read DG1, DG2, DG11 and EF.SOD (0xE0-byte chunks,
 *   as the CIE .NET SDK): median and p95 over 150 runs, card and reference terminal together
 *   (both sides of every DH modexp run in this process); target median ≤ 60 ms;
 * - PACE-CAN alone (same): median;
 * - SM-protected READ BINARY of 224 bytes of DG2 on the card (commands prepared beforehand, so
 *   the rate measures unwrap + read + wrap) and its ratio to the null card, without a target: the
 *   foundation's 3DES codec alone (unwrap + wrap) accounts for about 95% of it.
 */
import { commandApdu, encodeCommandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { NullCard } from '../../../emulator/src/card/null-card.ts';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { wrapCommand } from '../../../emulator/src/sm/sm-codec.ts';
import { advanceSsc } from '../../../emulator/src/sm/sm-session.ts';
import { InProcessChannel } from '../../channel/in-process-channel.ts';
import { pace, readCardAccess, selectApplication } from '../../terminals/emrtd/access-control.ts';
import {
  readDataGroup,
  readFileStep,
  newSession,
} from '../../terminals/emrtd/inspection-system.ts';
import { EF_SOD } from '../../terminals/emrtd/lds.ts';
import { pacedSession, testCard } from '../../terminals/emrtd/test-support.ts';
import { measureDurations, measureRate, type BenchSuite } from '../bench-kit.ts';

const RUNS = 150;
const PREPARED = 100_000;

async function flow(channel: InProcessChannel, can: string, withReads: boolean): Promise<void> {
  await channel.reset();
  const s = newSession(channel, { rng: seededRng('bench-terminal') });
  const access = await readCardAccess(s);
  const info = access.paceInfos[0];
  if (!info) throw new Error('benchmark setup: no PACEInfo');
  await pace(s, info, { kind: 'can', can });
  if (!withReads) return;
  await selectApplication(s);
  for (const n of [1, 2, 11]) await readDataGroup(s, n);
  await readFileStep(s, EF_SOD);
  if (s.recorder.reports.some((r) => r.verdict !== 'pass'))
    throw new Error('benchmark flow failed');
}

export const suite: BenchSuite = {
  name: 'eMRTD application, in-process',
  async run() {
    const nullChannel = new InProcessChannel(new NullCard());
    await nullChannel.connect();
    const probe = fromHex('0CB000000D9701E08E08010203040506070800');
    const nullRate = await measureRate(() => nullChannel.transmit(probe));

    const t = testCard({ rngSeed: 'bench-card' });
    await t.channel.connect();
    const full = await measureDurations(() => flow(t.channel, t.citizen.can, true), RUNS, 10);
    const paceOnly = await measureDurations(() => flow(t.channel, t.citizen.can, false), RUNS, 5);

    const t2 = testCard({ rngSeed: 'bench-card-2' });
    const s = await pacedSession(t2);
    await readDataGroup(s, 2);
    const read = commandApdu({ cla: 0x00, ins: 0xb0, p1: 0x00, p2: 0x00, ne: 0xe0 });
    let session = s.link.session;
    if (!session) throw new Error('benchmark setup: no SM session');
    const commands: Uint8Array[] = [];
    for (let i = 0; i < PREPARED; i++) {
      const w = wrapCommand(session, read);
      commands.push(encodeCommandApdu(w.apdu).slice());
      session = advanceSsc(w.session);
    }
    let i = 0;
    const cardRate = await measureRate(
      async () => {
        const c = commands[i++];
        if (!c) throw new Error(`benchmark: more than ${PREPARED} protected commands needed`);
        const r = await t2.channel.transmit(c);
        if (r[r.length - 2] !== 0x90 || r.length < 200)
          throw new Error('benchmark: protected READ BINARY rejected');
      },
      1500,
      200,
    );

    return [
      { name: 'null card (9000 to everything), APDU/s', value: nullRate, unit: 'APDU/s' },
      {
        name: 'PACE-CAN + read DG1/DG2/DG11/SOD, median',
        value: full.median,
        unit: 'ms',
        target: { op: '<=', value: 60 },
        detail: `${full.runs} runs; DH-GM-3DES 2048/256, card + terminal in one process`,
      },
      {
        name: 'PACE-CAN + read DG1/DG2/DG11/SOD, p95',
        value: full.p95,
        unit: 'ms',
        detail: `${full.runs} runs`,
      },
      {
        name: 'PACE-CAN alone (EF.CardAccess + MSE + 4 GA), median',
        value: paceOnly.median,
        unit: 'ms',
        detail: `${paceOnly.runs} runs`,
      },
      {
        name: 'SM-protected READ BINARY 224 bytes (card side), APDU/s',
        value: cardRate,
        unit: 'APDU/s',
        detail: '3DES SM, commands prepared beforehand; bound by the foundation SM codec',
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
