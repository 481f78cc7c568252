/**
 * A TCP front for a TLS 1.2 server that ends a handshake with a **TLS alert** chosen by the
 * application after it has seen the client certificate — what the CieID SDKs expect from the IdP's
 * mutual-TLS endpoint (`SSLV3_ALERT_CERTIFICATE_EXPIRED`, `…_REVOKED`), and what Node's TLS server
 * cannot do (its certificate check runs after the handshake and only closes the socket).
 *
 * How: in a full TLS 1.2 handshake (RFC 5246 §7.3) the server's last flight is ChangeCipherSpec +
 * Finished, sent after it has received and checked the client's Certificate and CertificateVerify.
 * The gate relays bytes both ways, parses the server→client record headers (§6.2.1), and holds the
 * server's ChangeCipherSpec record (type 20) back until the application has decided on the
 * connection (`decide`, called from the inner server's 'secureConnection'). Accept → the held bytes
 * go on; refuse → the client receives a plaintext fatal alert record (§7.2: level 2, description)
 * instead, exactly as an OpenSSL server refusing the certificate would send it, and both sides are
 * closed. Session resumption is off on the inner server (no tickets, no session cache), so every
 * handshake is a full one.
 */
import net from 'node:net';
import type { TLSSocket } from 'node:tls';

/** TLS 1.2 alert descriptions (RFC 5246 §7.2). */
export const ALERT = {
  handshakeFailure: 40,
  badCertificate: 42,
  certificateRevoked: 44,
  certificateExpired: 45,
  unknownCa: 48,
} as const;

export type Decision = number | undefined;

const CHANGE_CIPHER_SPEC = 20;
const HOLD_LIMIT = 64 * 1024;

interface Pending {
  resolve(d: Decision): void;
}

export class AlertGate {
  readonly server: net.Server;
  private readonly pending = new Map<number, Pending>();
  private readonly innerPort: () => number;
  private readonly sockets = new Set<net.Socket>();

  constructor(innerPort: () => number) {
    this.innerPort = innerPort;
    this.server = net.createServer((client) => this.relay(client));
  }

  /** Call from the inner server's 'secureConnection' (prepended) with the decision for that socket. */
  decided(inner: TLSSocket, d: Decision): void {
    const p = this.pending.get(inner.remotePort ?? -1);
    if (p) p.resolve(d);
  }

  /** Stops accepting and drops every relayed connection. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private relay(client: net.Socket): void {
    const up = net.connect({ host: '127.0.0.1', port: this.innerPort() });
    for (const s of [client, up]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    }
    let buffered = Buffer.alloc(0);
    let state: 'scanning' | 'holding' | 'open' = 'scanning';
    let decision: Promise<Decision> | undefined;
    const close = (): void => {
      client.destroy();
      up.destroy();
    };
    client.on('error', close);
    up.on('error', close);
    client.on('close', () => up.destroy());
    let port = -1;
    up.on('close', () => {
      this.pending.delete(port);
      if (buffered.length > 0 && !client.destroyed) client.write(buffered);
      client.end();
    });
    up.on('connect', () => {
      port = up.localPort ?? -1;
      decision = new Promise<Decision>((resolve) => this.pending.set(port, { resolve }));
      void decision.then((d) => {
        this.pending.delete(port);
        if (d === undefined) {
          state = 'open';
          if (buffered.length > 0) client.write(buffered);
          buffered = Buffer.alloc(0);
        } else {
          client.end(Buffer.from([21, 3, 3, 0, 2, 2, d]));
          up.destroy();
        }
      });
      client.pipe(up);
    });
    up.on('data', (chunk: Buffer) => {
      if (state === 'open') return void client.write(chunk);
      buffered = Buffer.concat([buffered, chunk]);
      if (state === 'scanning') {
        // Forward whole records until the server's ChangeCipherSpec, then hold.
        let off = 0;
        while (buffered.length - off >= 5) {
          const type = buffered[off] as number;
          const len = buffered.readUInt16BE(off + 3);
          if (type === CHANGE_CIPHER_SPEC) {
            state = 'holding';
            break;
          }
          if (buffered.length - off < 5 + len) break;
          off += 5 + len;
        }
        if (off > 0) client.write(buffered.subarray(0, off));
        buffered = buffered.subarray(off);
      }
      if (buffered.length > HOLD_LIMIT) close();
    });
  }
}
