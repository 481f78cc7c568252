/**
 * "Entra con QR code": what the app reads from the desktop page's QR code.
 *
 * - Decoding: a PNG screenshot (PNG, ISO/IEC 15948) decoded with `pngjs` to RGBA, the QR symbol
 *   (ISO/IEC 18004) located and read with `jsqr`.
 * - Recognising: the payload is the URL of the L3 hybrid operation,
 *   `{IdP}/idp/erroreQr.jsp?opId=_<32 hex>&opType=login&SPName=…&IdPName=…&userId=<serial>&opText=…&SPLogo=…`
 *   (test-IdP traces of 2019; the keys the iOS SDK checks: italia/cieid-ios-sdk
 *   `AuthRequestNetworkManager.urlHybridIsValid`). A code is "one of ours" when its origin is the
 *   configured IdP's, its path is `/idp/erroreQr.jsp` and the seven keys are present and well
 *   formed; anything else is refused without a network call.
 */
import { PNG } from 'pngjs';
import { HostError } from '../../emulator/src/host-error.ts';
import jsQRModule from 'jsqr';
import { z } from 'zod';
import { appEvent, raise } from './events.ts';

// jsqr is a CommonJS bundle with an `export default` typing: under NodeNext its default import is
// the module object, whose `default` is the decoder.
const jsQR = (jsQRModule as unknown as { default: typeof jsQRModule.default }).default;

export class QrImageError extends HostError {
  readonly code = 'APP_QR_IMAGE';
}

/** The text of the QR code in a PNG image; throws {@link QrImageError} when there is none. */
export function decodeQrPng(png: Uint8Array): string {
  let image: PNG;
  try {
    image = PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  } catch (e) {
    throw new QrImageError(`not a PNG image: ${(e as Error).message}`);
  }
  const rgba = new Uint8ClampedArray(
    image.data.buffer,
    image.data.byteOffset,
    image.data.byteLength,
  );
  const code = jsQR(rgba, image.width, image.height, { inversionAttempts: 'attemptBoth' });
  if (!code) throw new QrImageError(`no QR code found in the ${image.width}×${image.height} image`);
  return code.data;
}

const SERIAL = /^C[A-Z]\d{5}[A-Z]{2}$/;

export const hybridQrSchema = z
  .object({
    opId: z.string().regex(/^_[0-9a-f]{32}$/),
    opType: z.literal('login'),
    SPName: z.string().min(1).max(500),
    IdPName: z.string().min(1).max(200),
    userId: z.string().regex(SERIAL),
    opText: z.string().min(1).max(1000),
    SPLogo: z.string().max(2000),
  })
  .strict();

export interface HybridQr extends z.infer<typeof hybridQrSchema> {
  /** Origin of the IdP the operation lives on (`https://host[:port]`). */
  readonly idpOrigin: string;
  readonly raw: string;
}

/**
 * Parses and checks a scanned payload against the IdP origins the app trusts (the official app
 * knows its IdP hosts; the bench passes the IdP it is configured for).
 */
export function parseHybridQr(payload: string, idpOrigins: readonly string[]): HybridQr {
  let url: URL;
  try {
    url = new URL(payload.trim());
  } catch {
    raise(appEvent('QR_NOT_RECOGNISED'));
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') raise(appEvent('QR_NOT_RECOGNISED'));
  if (!idpOrigins.includes(url.origin) || url.pathname !== '/idp/erroreQr.jsp')
    raise(appEvent('QR_NOT_RECOGNISED'));
  const params: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    if (k in params) raise(appEvent('QR_NOT_RECOGNISED'));
    params[k] = v;
  }
  const r = hybridQrSchema.safeParse(params);
  if (!r.success) raise(appEvent('QR_NOT_RECOGNISED'));
  return { ...r.data, idpOrigin: url.origin, raw: payload };
}
