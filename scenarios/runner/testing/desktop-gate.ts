/**
 * Test support: what the desktop reader journeys need — the PKCS#11 module built (`make`, as
 * `.ci/steps/46-pkcs11.sh` does), NSS's tools, Chromium and the client-certificate policy
 * (installed, or installable as root). Missing pieces skip loudly, or fail under
 * CIE_REQUIRE_INTEGRATION=1, like the module's own tests.
 */
import { moduleGate, reportModuleGate } from '../../../harness/pkcs11/testing/gate.ts';
import { desktopReaderStatus } from '../actors/desktop-reader.ts';

export async function desktopGate(file: string): Promise<{ ok: boolean; reason: string }> {
  const built = await moduleGate({ tools: ['certutil', 'modutil'] });
  const status = built.ok ? desktopReaderStatus() : built;
  reportModuleGate(file, status);
  return { ok: status.ok, reason: status.reason };
}
