/**
 * Loads the OpenID Connect side only when it is asked for (a SAML-only IdP never imports
 * `oidc-provider`). `oidc-provider` 9 prints "Unsupported runtime" when imported on Node 20 (it
 * targets the Node 22 LTS line); the bench runs it on Node 20, where its tests pass, so that one
 * import-time line is dropped — every other warning goes through.
 */
import type { setupOidc as SetupOidc } from './setup.ts';

export async function loadOidc(): Promise<typeof SetupOidc> {
  const warn = console.warn;
  console.warn = (...args: unknown[]): void => {
    if (typeof args[0] === 'string' && args[0].includes('Unsupported runtime')) return;
    warn(...args);
  };
  try {
    return (await import('./setup.ts')).setupOidc;
  } finally {
    console.warn = warn;
  }
}
