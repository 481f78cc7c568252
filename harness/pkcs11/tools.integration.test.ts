/**
 * Third-party PKCS#11 clients against libciebench-pkcs11.so and the daemon with an in-process card
 * (no pcscd needed): OpenSC's `pkcs11-tool`, GnuTLS's `p11tool` and NSS's `modutil`/`certutil`
 * list the slot, read the holder certificate and sign with CKM_RSA_PKCS on every personality; the
 * signature verifies with the certificate read from the token. A wrong last-4 login answers
 * CKR_PIN_INCORRECT and the card image's counter drops; the right one restores it.
 */
import { createPublicKey, publicDecrypt, X509Certificate, constants } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import { CIE_PROFILES } from '../../emulator/src/profiles/cie-profiles.ts';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { sha256DigestInfo } from '../terminals/ias/flows.ts';
import { createNssProfile, registerModule } from './browser/nss.ts';
import { moduleGate, reportModuleGate, runTool } from './testing/gate.ts';
import { startRig, type Rig } from './testing/rig.ts';
import { pcscCardRig, type CardRig } from './testing/pcsc-rig.ts';
import { integrationGate } from '../pcsc/testing/integration.ts';

const gate = await moduleGate({
  tools: ['pkcs11-tool', 'p11tool', 'certutil', 'modutil'],
});
reportModuleGate('PKCS#11 module with pkcs11-tool, p11tool and NSS', gate);

const base = defaultCardImage();
const holder = Buffer.from(fromHex(base.ias.certificates.holder));
const message = Buffer.from('CIE Bench: a TLS CertificateVerify stands here');
const digestInfo = Buffer.from(sha256DigestInfo(message));

/** PKCS#1 v1.5 type 1 check: the signature opens to exactly the DigestInfo with the certificate's key. */
function opensTo(signature: Buffer, certificate: Buffer): Buffer {
  const key = createPublicKey(
    new X509Certificate(certificate).publicKey.export({ format: 'pem', type: 'spki' }),
  );
  return publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
}

describe.skipIf(!gate.ok)('third-party PKCS#11 clients over libciebench-pkcs11.so', () => {
  const module = gate.built?.module ?? '';
  const nis = base.citizen.nis;

  for (const profile of CIE_PROFILES.filter(
    (p) => !process.env['P11_ONLY'] || p.id === process.env['P11_ONLY'],
  ))
    describe(`personality ${profile.id}`, () => {
      let rig: Rig;
      let env: NodeJS.ProcessEnv;
      const tool = (cmd: string, args: readonly string[]) => runTool(cmd, args, env);
      beforeAll(async () => {
        rig = await startRig({ pinMode: 'application', image: { ...base, profile: profile.id } });
        env = { ...process.env, CIEBENCH_PKCS11_SOCKET: rig.daemon.socketPath };
      });
      afterAll(async () => rig.close());

      it('pkcs11-tool lists the slot and token, reads the certificate, signs with CKM_RSA_PKCS', async () => {
        const slots = await tool('pkcs11-tool', ['--module', module, '-L']);
        expect(slots.code, slots.stdout + slots.stderr).toBe(0);
        expect(slots.stdout).toContain(`token label        : CIE ${nis}`);
        expect(slots.stdout).toMatch(
          /token flags\s+: login required, token initialized, PIN initialized, readonly/,
        );
        expect(slots.stdout).toMatch(/pin min\/max\s+: 4\/4/);

        const mechs = await tool('pkcs11-tool', ['--module', module, '-M']);
        expect(mechs.stdout).toMatch(/RSA-PKCS, keySize=\{2048,2048\}, hw, sign$/m);
        expect(mechs.stdout).not.toMatch(/PSS/);

        const objects = await tool('pkcs11-tool', ['--module', module, '-O']);
        expect(objects.stdout).toMatch(/Certificate Object; type = X\.509 cert\s+label:\s+CIE0/);

        const certFile = join(rig.dir, 'cert.der');
        const read = await tool('pkcs11-tool', [
          '--module',
          module,
          '-r',
          '--type',
          'cert',
          '--label',
          'CIE0',
          '-o',
          certFile,
        ]);
        expect(read.code, read.stderr).toBe(0);
        expect(readFileSync(certFile).equals(holder)).toBe(true);

        const inFile = join(rig.dir, 'di.bin');
        const sigFile = join(rig.dir, 'sig.bin');
        writeFileSync(inFile, digestInfo);
        const sign = await tool('pkcs11-tool', [
          '--module',
          module,
          '--login',
          '--pin',
          rig.pin.slice(4),
          '--sign',
          '-m',
          'RSA-PKCS',
          '-i',
          inFile,
          '-o',
          sigFile,
        ]);
        expect(sign.code, sign.stdout + sign.stderr).toBe(0);
        const signature = readFileSync(sigFile);
        expect(signature.length).toBe(256);
        expect(opensTo(signature, holder).equals(digestInfo)).toBe(true);
        expect(rig.triesInImage()).toBe(3);
      });

      it('p11tool lists the token and the certificate and passes its signature test', async () => {
        const tokens = await tool('p11tool', ['--provider', module, '--list-tokens']);
        expect(tokens.code, tokens.stderr).toBe(0);
        expect(tokens.stdout).toContain(`Label: CIE ${nis}`);
        const uri = `pkcs11:token=CIE%20${nis}`;
        const certs = await tool('p11tool', ['--provider', module, '--list-all-certs', uri]);
        expect(certs.stdout).toMatch(/Type: X\.509 Certificate/);
        const exported = await tool('p11tool', [
          '--provider',
          module,
          '--export',
          `${uri};object=CIE0;type=cert`,
        ]);
        const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(
          exported.stdout,
        )?.[0];
        expect(pem && new X509Certificate(pem).raw.equals(holder)).toBe(true);
        const test = await tool('p11tool', [
          '--provider',
          module,
          '--login',
          `--set-pin=${rig.pin.slice(4)}`,
          '--test-sign',
          `${uri};object=CIE0;type=private`,
        ]);
        expect(test.code, test.stdout + test.stderr).toBe(0);
        expect(test.stdout + test.stderr).toMatch(/Verifying against private key parameters\.+ ok/);
      });
    });

  describe('wrong PIN and NSS', () => {
    let rig: Rig;
    let env: NodeJS.ProcessEnv;
    beforeAll(async () => {
      rig = await startRig({ pinMode: 'application' });
      env = { ...process.env, CIEBENCH_PKCS11_SOCKET: rig.daemon.socketPath };
    });
    afterAll(async () => rig.close());

    it('pkcs11-tool with wrong last 4 digits: CKR_PIN_INCORRECT, one try spent on the card; the right ones restore it', async () => {
      const wrong = rig.pin.slice(4) === '0000' ? '1111' : '0000';
      const bad = await runTool(
        'pkcs11-tool',
        ['--module', module, '--login', '--pin', wrong, '-O'],
        env,
      );
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/CKR_PIN_INCORRECT/);
      expect(rig.triesInImage()).toBe(2);
      const info = await runTool('pkcs11-tool', ['--module', module, '-L'], env);
      expect(info.stdout).toMatch(/user PIN count low/);
      const good = await runTool(
        'pkcs11-tool',
        ['--module', module, '--login', '--pin', rig.pin.slice(4), '-O'],
        env,
      );
      expect(good.code, good.stderr).toBe(0);
      expect(good.stdout).toMatch(/Private Key Object; RSA/);
      expect(rig.triesInImage()).toBe(3);
    });

    it('NSS: modutil registers the module, certutil lists the card certificate and, logged in, its key', async () => {
      const nss = await createNssProfile(join(rig.dir, 'nss-home'));
      await registerModule(nss, module, env);
      const modules = await runTool('modutil', ['-dbdir', nss.db, '-list', 'CIE Bench'], env);
      expect(modules.stdout).toContain(`Token Name: CIE ${nis}`);
      const certs = await runTool('certutil', ['-L', '-d', nss.db, '-h', 'all'], env);
      expect(certs.stdout).toContain(`CIE ${nis}:CIE0`);
      const pwFile = join(rig.dir, 'pw.txt');
      writeFileSync(pwFile, `${rig.pin.slice(4)}\n`, { mode: 0o600 });
      const pem = await runTool(
        'certutil',
        ['-L', '-d', nss.db, '-h', `CIE ${nis}`, '-f', pwFile, '-n', `CIE ${nis}:CIE0`, '-a'],
        env,
      );
      expect(pem.code, pem.stderr).toBe(0);
      expect(new X509Certificate(pem.stdout).raw.equals(holder)).toBe(true);
      const keys = await runTool(
        'certutil',
        ['-K', '-d', nss.db, '-h', `CIE ${nis}`, '-f', pwFile],
        env,
      );
      expect(keys.code, keys.stdout + keys.stderr).toBe(0);
      // One RSA key on the card's token, with the certificate's CKA_ID ("CIE0").
      expect(keys.stdout).toMatch(/<\s*0>\s+rsa\s+"CIE0"\s+CIE0/);
      expect(rig.triesInImage()).toBe(3);
    });
  });
});

/** Over pcscd too, with the real-desktop interference case: OpenSC's own module probing the reader. */
const OPENSC_MODULE = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
const pcsc =
  gate.ok && existsSync(OPENSC_MODULE)
    ? await integrationGate({ readers: ['CIE Bench Virtual Reader 00 00'] })
    : {
        ok: false,
        reason: gate.ok ? `${OPENSC_MODULE} missing (apt-get install opensc-pkcs11)` : gate.reason,
        binding: undefined,
      };
reportModuleGate('pkcs11-tool over pcscd with OpenSC probing', pcsc);

describe.skipIf(!pcsc.ok)('pkcs11-tool over pcscd and the CIE Bench Virtual Reader', () => {
  let rig: CardRig;
  let env: NodeJS.ProcessEnv;
  const module = gate.built?.module ?? '';
  beforeAll(async () => {
    rig = await pcscCardRig({
      binding: pcsc.binding!,
      built: gate.built!,
      pinMode: 'application',
    });
    env = { ...process.env, CIEBENCH_PKCS11_SOCKET: rig.daemon.socketPath };
  }, 120_000);
  afterAll(async () => rig?.close());

  it('signatures keep verifying while OpenSC (which has no CIE driver) probes the same reader', async () => {
    let probing = true;
    let probes = 0;
    const prober = (async () => {
      while (probing) {
        await runTool('pkcs11-tool', ['--module', OPENSC_MODULE, '-L', '-O'], process.env, 30_000);
        probes++;
      }
    })();
    const inFile = join(rig.dir, 'di.bin');
    writeFileSync(inFile, digestInfo);
    try {
      for (let i = 0; i < 4; i++) {
        const sigFile = join(rig.dir, `sig-${i}.bin`);
        const sign = await runTool(
          'pkcs11-tool',
          [
            '--module',
            module,
            '--login',
            '--pin',
            rig.pin.slice(4),
            '--sign',
            '-m',
            'RSA-PKCS',
            '-i',
            inFile,
            '-o',
            sigFile,
          ],
          env,
        );
        expect(sign.code, sign.stdout + sign.stderr).toBe(0);
        expect(opensTo(readFileSync(sigFile), holder).equals(digestInfo)).toBe(true);
      }
    } finally {
      probing = false;
      await prober;
    }
    expect(probes).toBeGreaterThan(0);
    expect(rig.triesInImage()).toBe(3);
  });
});
