/** Test support for the control server: which addresses of this machine answer on a port. */
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';

/** This machine's addresses beyond loopback (IPv6 link-local left out: it needs a scope). */
export function nonLoopbackAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal && !a.address.startsWith('fe80:'))
    .map((a) => (a as { address: string }).address);
}

/** True when a TCP connection to `host`:`port` is accepted. */
export function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    sock.setTimeout(10_000, () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}
