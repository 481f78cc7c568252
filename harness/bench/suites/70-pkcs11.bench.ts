/**
 * The desktop path through the bench's PKCS#11 module (harness/pkcs11), with the daemon and an
 * in-process card (no pcscd), no targets (reported beside each other):
 *
 * - one signature in-process: the daemon's own card operation (DH, device authentication, VERIFY,
 *   MSE SET, INTERNAL AUTHENTICATE) on the emulated card, no module, no socket;
 * - one `C_SignInit` + `C_Sign` (CKM_RSA_PKCS) through libciebench-pkcs11.so, called from C
 *   (`p11-check sign`): the same card operation plus the bridge;
 * - one complete desktop login in headless Chromium: SP → "Prosegui con computer" → TLS 1.2
 *   client authentication signed by the card → consent → the SP's session (a fresh browser per
 *   login; its start is not counted).
 *
 * Skipped with a note when the C build, the NSS tools or Chromium are missing.
 */
import { join } from 'node:path';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { startIdp } from '../../../scenarios/idp/server.ts';
import { testSp } from '../../../scenarios/idp/testing/test-sp.ts';
import {
  browserGate,
  ensureClientCertPolicy,
  launchCardBrowser,
  startDesktopSp,
} from '../../../scenarios/desktop/testing/desktop-rig.ts';
import { sha256DigestInfo } from '../../terminals/ias/flows.ts';
import { createNssProfile, registerModule, trustCa } from '../../pkcs11/browser/nss.ts';
import { fullPin, signWithCard } from '../../pkcs11/daemon/card-ops.ts';
import { RelayChannel } from '../../pkcs11/relay-channel.ts';
import { moduleGate, runTool } from '../../pkcs11/testing/module-gate.ts';
import { RIG_READER, startRig } from '../../pkcs11/testing/rig.ts';
import { measureDurations, type BenchMetric, type BenchSuite } from '../bench-kit.ts';

const SIGNATURES = 20;
const LOGINS = 5;

function stats(samples: number[]): { median: number; p95: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  return { median: at(0.5), p95: at(0.95) };
}

async function signatures(): Promise<BenchMetric[]> {
  const gate = await moduleGate();
  if (!gate.ok || !gate.built) return [{ name: `skipped: ${gate.reason}`, value: 0, unit: '' }];
  const rig = await startRig({ pinMode: 'application' });
  try {
    const di = sha256DigestInfo(new TextEncoder().encode('bench'));
    const ch = new RelayChannel(rig.pcsc, RIG_READER);
    const rng = seededRng('bench-pkcs11');
    const inProcess = await measureDurations(
      () => signWithCard(ch, rng, fullPin(rig.pin.slice(0, 4), rig.pin.slice(4)), di),
      SIGNATURES,
    );
    await ch.close();
    const driver = join(gate.built.module, '..', 'p11-check');
    const r = await runTool(
      driver,
      [gate.built.module, 'sign', String(SIGNATURES + 3), rig.pin.slice(4)],
      { ...process.env, CIEBENCH_PKCS11_SOCKET: rig.daemon.socketPath },
    );
    const ms = [...r.stdout.matchAll(/^sign-ms ([\d.]+)$/gm)].map((m) => Number(m[1])).slice(3);
    if (r.code !== 0 || ms.length !== SIGNATURES)
      throw new Error(`p11-check sign failed: ${r.stderr}`);
    const viaModule = stats(ms);
    return [
      {
        name: 'one signature in-process (DH+DAPP+VERIFY+sign), median',
        value: inProcess.median,
        unit: 'ms',
        detail: `p95 ${inProcess.p95.toFixed(1)} ms, ${SIGNATURES} runs`,
      },
      {
        name: 'C_SignInit + C_Sign through libciebench-pkcs11.so, median',
        value: viaModule.median,
        unit: 'ms',
        detail: `p95 ${viaModule.p95.toFixed(1)} ms, ${SIGNATURES} runs; difference to in-process ${(viaModule.median - inProcess.median).toFixed(1)} ms`,
      },
    ];
  } finally {
    await rig.close();
  }
}

async function desktopLogins(): Promise<BenchMetric[]> {
  const gate = await moduleGate({ tools: ['certutil', 'modutil'] });
  const browser = gate.ok ? await browserGate() : gate;
  if (!gate.ok || !browser.ok || !gate.built)
    return [{ name: `desktop login skipped: ${browser.reason}`, value: 0, unit: '' }];
  const restorePolicy = ensureClientCertPolicy();
  const rig = await startRig({ pinMode: 'self-login' });
  const sp = await startDesktopSp((spec) => testSp(spec));
  const idp = await startIdp({ spMetadata: [sp.sp.metadata()] });
  sp.useIdp(idp);
  try {
    const env = { ...process.env, CIEBENCH_PKCS11_SOCKET: rig.daemon.socketPath };
    const nss = await createNssProfile(join(rig.dir, 'browser-home'));
    await registerModule(nss, gate.built.module, env);
    await trustCa(nss, 'CIE Bench IdP TLS CA', idp.tlsCaPem);
    const samples: number[] = [];
    for (let i = 0; i < LOGINS; i++) {
      const b = await launchCardBrowser(nss.home, env);
      try {
        const page = await b.newPage();
        rig.daemon.pins.preset(rig.pin.slice(4));
        const t = performance.now();
        await page.goto(sp.loginUrl);
        await page.click('text=Prosegui con computer');
        await page.click('#accedi');
        await page.click('text=Acconsento');
        await page.waitForSelector('#session', { timeout: 60_000 });
        samples.push(performance.now() - t);
      } finally {
        await b.close();
      }
    }
    const s = stats(samples);
    return [
      {
        name: 'complete desktop login in headless Chromium, median',
        value: s.median,
        unit: 'ms',
        detail: `p95 ${s.p95.toFixed(0)} ms, ${LOGINS} logins, fresh browser each`,
      },
    ];
  } finally {
    await idp.close();
    await sp.close();
    await rig.close();
    restorePolicy();
  }
}

export const suite: BenchSuite = {
  name: 'PKCS#11 module and desktop login',
  async run() {
    return [...(await signatures()), ...(await desktopLogins())];
  },
};
