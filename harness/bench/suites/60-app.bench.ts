/**
 * CieID app agent benchmark: agent, NFC endpoint and card on one machine, as a mobile test build
 * would run them (the agent's NFC reader bound to the WebSocket NFC endpoint; default ISO-DEP).
 *
 * - registrations per second (NIS, EF 1005/1006/1004, EF.SOD passive authentication, DH, DAPP,
 *   VERIFY, EF 1002/1003, certificate checks, profile write) — the registration is forgotten
 *   after each run so the next one registers again;
 * - login card steps per second (NIS, DH, DAPP, VERIFY with stored half ‖ last 4, sign);
 * - complete hybrid logins per second against the bench IdP over HTTPS: the desktop side as a
 *   browser without JavaScript (SSO, "Prosegui con smartphone", serial, QR page), the app (QR →
 *   H1 → card → H2 → OTP), the OTP typed, consent, the signed Response on its way to the SP;
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
import { startIdp, type RunningIdp } from '../../../scenarios/idp/server.ts';
import { HttpClient } from '../../../scenarios/idp/testing/http-client.ts';
import {
  beginLogin,
  flowKeyOf,
  l3Post,
  postedResponse,
  qrPayloadOf,
} from '../../../scenarios/idp/testing/login-driver.ts';
import { testSp, type TestSp } from '../../../scenarios/idp/testing/test-sp.ts';
import { measureDurations, type BenchMetric, type BenchSuite } from '../bench-kit.ts';

const SELECT_MF = fromHex('00A4000C023F00');

/** One complete hybrid login; throws unless the IdP posts a successful Response to the SP. */
async function hybridLogin(
  idp: RunningIdp,
  sp: TestSp,
  agent: CieIdAgent,
  serial: string,
  lastFour: string,
): Promise<void> {
  const c = new HttpClient(idp.tlsCaPem);
  const started = await beginLogin(c, idp, sp);
  const key = flowKeyOf(started.page);
  await l3Post(c, idp, key, { scelta: 'smartphone' });
  const qr = await l3Post(c, idp, key, { azione: 'seriale', seriale: serial, scelta: 'prosegui' });
  const r = await agent.loginQr({ qr: qrPayloadOf(qr).href, lastFour });
  if (!r.ok) throw new Error(`benchmark hybrid login: the app ended with ${r.event.kind}`);
  await l3Post(c, idp, key, { azione: 'otp', otp: r.value.otp, scelta: 'prosegui' });
  const done = postedResponse(
    await l3Post(c, idp, key, { azione: 'consenso', scelta: 'acconsento' }),
  );
  if (done?.code !== 1) throw new Error(`benchmark hybrid login ended with code ${done?.code}`);
}

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
    const sp = testSp();
    const idp = await startIdp();
    idp.registerSp(sp.metadata());
    const agent = new CieIdAgent({
      profileDir: join(dir, 'profile'),
      reader: new NfcCardReader(endpoint.url),
      trust: trustOfImage(file.image),
      idp: { origins: [new URL(idp.urls.base).origin], connection: { ca: idp.tlsCaPem } },
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
      const hybrid = await measureDurations(
        () => hybridLogin(idp, sp, agent, file.serial, file.pin.slice(4)),
        40,
        3,
      );
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
        {
          name: 'complete hybrid logins per second (median)',
          value: 1000 / hybrid.median,
          unit: '/s',
          detail: `median ${hybrid.median.toFixed(1)} ms, p95 ${hybrid.p95.toFixed(1)} ms: SSO → QR → app → OTP → consent → Response`,
        },
        {
          name: 'hybrid login: card transport share',
          value: (loginApdus * nullMs) / hybrid.median,
          unit: '×',
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
      await idp.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
