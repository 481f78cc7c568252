/**
 * The embeddable SP as a server: HTTPS on loopback by default with a certificate from its TEST TLS
 * CA (or a given CA), port 0, URLs derived from the bound address, metadata served signed, bad
 * configuration refused before anything listens.
 */
import { request } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SpConfigError } from './config.ts';
import { spTlsAuthority } from './keys.ts';
import { startServiceProvider } from './service-provider.ts';
import { standInIdp } from './stand-in/stand-in-idp.ts';

const idp = standInIdp();

function httpsGet(
  url: string,
  ca: string,
): Promise<{ status: number; type: string; body: string; peer: X509Certificate }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      const chunks: Buffer[] = [];
      const cert = (res.socket as import('node:tls').TLSSocket).getPeerX509Certificate();
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
          peer: cert as X509Certificate,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('reference SP server', () => {
  it('serves HTTPS on 127.0.0.1 with a certificate the TEST TLS CA issued for its host names', async () => {
    const sp = await startServiceProvider({}, { idpMetadataXml: idp.metadataXml });
    try {
      expect(sp.urls.base).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(sp.urls.entityId).toBe(`${sp.urls.base}/metadata`);
      expect(sp.tlsCaPem).toBe(spTlsAuthority().certPem);
      const res = await httpsGet(sp.urls.metadata, sp.tlsCaPem ?? '');
      expect(res.status).toBe(200);
      expect(res.type).toContain('application/samlmetadata+xml');
      expect(res.body).toBe(sp.metadataXml);
      expect(res.peer.subjectAltName).toContain('IP Address:127.0.0.1');
      expect(res.peer.subjectAltName).toContain('DNS:localhost');
      // A client that does not trust the CA is refused by TLS, not by the SP.
      await expect(
        httpsGet(sp.urls.metadata, spTlsAuthority('another-ca').certPem),
      ).rejects.toThrow();
    } finally {
      await sp.close();
    }
  });

  it('issues its HTTPS certificate from a given CA and names a public URL host in it', async () => {
    const ca = spTlsAuthority('given-ca');
    const sp = await startServiceProvider(
      { publicUrl: 'https://sp.ciebench.test:8443', entityId: 'https://sp.ciebench.test/sp' },
      { idpMetadataXml: idp.metadataXml, tlsAuthority: { keyPem: ca.keyPem, certPem: ca.certPem } },
    );
    try {
      expect(sp.urls.acs).toBe('https://sp.ciebench.test:8443/acs');
      expect(sp.metadataXml).toContain('entityID="https://sp.ciebench.test/sp"');
      expect(sp.tlsCaPem).toBe(ca.certPem);
    } finally {
      await sp.close();
    }
  });

  it('refuses bad options and bad IdP metadata before listening', async () => {
    await expect(
      startServiceProvider({ port: -1 }, { idpMetadataXml: idp.metadataXml }),
    ).rejects.toBeInstanceOf(SpConfigError);
    await expect(startServiceProvider({}, { idpMetadataXml: '<x/>' })).rejects.toThrow(
      /IdP metadata/,
    );
    await expect(
      startServiceProvider(
        {},
        {
          idpMetadataXml: idp.metadataXml.replace(
            /<md:KeyDescriptor[\s\S]*?<\/md:KeyDescriptor>/,
            '',
          ),
        },
      ),
    ).rejects.toThrow(/no signing certificate/);
  });
});
