/**
 * Test support: what the desktop reader journeys need — the PKCS#11 module built (`make`, as
 * `.ci/steps/46-pkcs11.sh` does), NSS's tools, Chromium and the client-certificate policy
 * (installed, or installable as root). Missing pieces skip loudly, or fail under
 * CIE_REQUIRE_INTEGRATION=1, like the module's own tests.
 */
import { clientCertPolicyStatus } from '../../../harness/pkcs11/browser/chromium-policy.ts';
import { moduleGate, reportModuleGate } from '../../../harness/pkcs11/testing/gate.ts';
import { desktopReaderStatus } from '../actors/desktop-reader.ts';

export async function desktopGate(file: string): Promise<{ ok: boolean; reason: string }> {
  const built = await moduleGate({ tools: ['certutil', 'modutil'] });
  const machine = built.ok ? desktopReaderStatus() : built;
  // Without root and without the policy the runner errs (exit 3): a test environment lacking it.
  const status = machine.ok ? clientCertPolicyStatus() : machine;
  reportModuleGate(file, status);
  return { ok: status.ok, reason: status.reason };
}
