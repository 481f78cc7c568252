/**
 * Where an SP gets the IdP's metadata from: a file, or an http(s) URL fetched with an optional
 * extra CA (the bench CA of a local IdP). Bounded in size and time; errors say what to do.
 */
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { HostError, type FailureKind } from '../../emulator/src/host-error.ts';

/** The IdP metadata could not be read: a missing file is bad input (2), an unreachable URL an environment problem (3). */
export class MetadataSourceError extends HostError {
  readonly code = 'SP_IDP_METADATA_SOURCE';
  readonly #kind: FailureKind;
  constructor(message: string, kind: FailureKind) {
    super(message);
    this.#kind = kind;
  }
  override get kind(): FailureKind {
    return this.#kind;
  }
}

const MAX_BYTES = 2_000_000;

export async function loadIdpMetadataXml(
  source: string,
  caPem?: string,
  timeoutMs = 15_000,
): Promise<string> {
  if (!/^https?:\/\//i.test(source)) {
    try {
      return await readFile(source, 'utf8');
    } catch (e) {
      throw new MetadataSourceError(
        `IdP metadata file ${source}: ${(e as Error).message}`,
        'input',
      );
    }
  }
  const url = new URL(source);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: timeoutMs, ...(caPem ? { ca: caPem } : {}) }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(
          new MetadataSourceError(`IdP metadata ${source}: HTTP ${res.statusCode}`, 'environment'),
        );
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BYTES)
          req.destroy(
            new MetadataSourceError(
              `IdP metadata ${source}: larger than ${MAX_BYTES} bytes`,
              'environment',
            ),
          );
        else chunks.push(c);
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('timeout', () =>
      req.destroy(
        new MetadataSourceError(
          `IdP metadata ${source}: no answer in ${timeoutMs} ms`,
          'environment',
        ),
      ),
    );
    req.on('error', (e) =>
      reject(
        e instanceof MetadataSourceError
          ? e
          : new MetadataSourceError(
              `IdP metadata ${source}: ${e.message}${/certificate|self.signed/i.test(e.message) ? ' (pass the IdP CA with --idp-ca)' : ''}`,
              'environment',
            ),
      ),
    );
    req.end();
  });
}
