/**
 * CieID app agent benchmark: agent, NFC endpoint and card on one machine, as a mobile test build
 * would run them (the agent's NFC reader bound to the WebSocket NFC endpoint; default ISO-DEP).
 *
 * - registrations per second (NIS, EF 1005/1006/1004, EF.SOD passive authentication, DH, DAPP,
 *   VERIFY, EF 1002/1003, certificate checks, profile write) — the registration is forgotten
 *   after each run so the next one registers again;
 * - login card steps per second (NIS, DH, DAPP, VERIFY with stored half ‖ last 4, sign);
 * - beside them, the null card over the same endpoint: its round trip per APDU, and the share of
 *   one operation's time that is pure transport (APDUs × null-card round trip / operation time).
 * No targets: these are measurements to compare runs and machines.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { asciiBytes } from '../../../emulator/src/bytes/bytes.ts';
import { NullCard } from '../../../emulator/src/card/null-card.ts';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { WsNfcChannel } from '../../nfc/ws-nfc-channel.ts';
import { NfcServer } from '../../nfc/ws-server.ts';
import { CieIdAgent } from '../../../scenarios/app/agent.ts';
import { NfcCardReader } from '../../../scenarios/app/card-reader.ts';
import { signAsRegistered } from '../../../scenarios/app/login-card.ts';
import { cardFile, nfcEndpoint, trustOfImage } from '../../../scenarios/app/testing.ts';
import { measureDurations, type BenchMetric, type BenchSuite } from '../bench-kit.ts';

const SELECT_MF = fromHex('00A4000C023F00');

async function nullCardMsPerApdu(): Promise<number> {
  const server = new NfcServer({ port: 0, card: () => new NullCard() });
  const { url } = await server.listen();
  const ch = new WsNfcChannel(url);
  try {
    await ch.connect();
    const d = await measureDurations(async () => {
      for (let i = 0; i < 100; i++) await ch.transmit(SELECT_MF);
    }, 15);
    return d.median / 100;
  } finally {
    await ch.close();
    await server.close();
  }
}

export const suite: BenchSuite = {
  name: 'CieID app agent over the NFC endpoint',
  async run(): Promise<BenchMetric[]> {
    const dir = mkdtempSync(join(tmpdir(), 'ciebench-app-bench-'));
    const file = cardFile(dir, 'nxp');
    const endpoint = await nfcEndpoint(file);
    let apdus = 0;
    const agent = new CieIdAgent({
      profileDir: join(dir, 'profile'),
      reader: new NfcCardReader(endpoint.url),
      trust: trustOfImage(file.image),
      rng: seededRng('bench-app'),
      onTapEnd: (t) => (apdus = t.meter.commands),
    });
    try {
      const register = async (): Promise<void> => {
        const r = await agent.register({ serial: file.serial, pin: file.pin });
        if (!r.ok) throw new Error(`benchmark registration failed: ${r.event.kind}`);
        agent.forget(file.nis);
      };
      const reg = await measureDurations(register, 60, 5);
      const regApdus = apdus;
      await agent.register({ serial: file.serial, pin: file.pin });
      const challenge = asciiBytes(
        '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      );
      const login = await measureDurations(
        () => signAsRegistered(agent.ctx, file.pin.slice(4), challenge),
        60,
        5,
      );
      const loginApdus = apdus;
      const nullMs = await nullCardMsPerApdu();
      return [
        {
          name: 'registrations per second (median)',
          value: 1000 / reg.median,
          unit: '/s',
          detail: `median ${reg.median.toFixed(1)} ms, p95 ${reg.p95.toFixed(1)} ms, ${regApdus} APDUs`,
        },
        {
          name: 'login card steps per second (median)',
          value: 1000 / login.median,
          unit: '/s',
          detail: `median ${login.median.toFixed(1)} ms, p95 ${login.p95.toFixed(1)} ms, ${loginApdus} APDUs`,
        },
        { name: 'null card over the NFC endpoint, ms/APDU', value: nullMs, unit: 'ms' },
        {
          name: 'registration: transport share (null-card time / total)',
          value: (regApdus * nullMs) / reg.median,
          unit: '×',
        },
        {
          name: 'login card step: transport share',
          value: (loginApdus * nullMs) / login.median,
          unit: '×',
        },
      ];
    } finally {
      await agent.close();
      await endpoint.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
