/**
 * The client-certificate policy held by several users at once (test files in parallel, a scenario
 * run beside a test): removed when the last holder lets go, never when an administrator installed
 * it. In a temporary directory standing for /etc/chromium/policies/managed.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CLIENT_CERT_POLICY_FILE,
  clientCertPolicyInstalled,
  DEFAULT_PATTERNS,
  ensureClientCertPolicy,
  installClientCertPolicy,
  policyHoldersDir,
} from './chromium-policy.ts';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function managedDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'ciebench-policy-'));
  roots.push(root);
  return join(root, 'policies', 'managed');
}

describe('ensureClientCertPolicy', () => {
  it('installs once, stays while any holder holds it, goes with the last one', () => {
    const dir = managedDir();
    const first = ensureClientCertPolicy(dir);
    const second = ensureClientCertPolicy(dir);
    expect(clientCertPolicyInstalled(DEFAULT_PATTERNS, dir)).toBe(true);
    first();
    expect(clientCertPolicyInstalled(DEFAULT_PATTERNS, dir)).toBe(true);
    second();
    expect(existsSync(join(dir, CLIENT_CERT_POLICY_FILE))).toBe(false);
    expect(existsSync(policyHoldersDir(dir))).toBe(false);
  });

  it('leaves a policy an administrator installed', () => {
    const dir = managedDir();
    installClientCertPolicy(DEFAULT_PATTERNS, dir);
    ensureClientCertPolicy(dir)();
    expect(clientCertPolicyInstalled(DEFAULT_PATTERNS, dir)).toBe(true);
  });
});
