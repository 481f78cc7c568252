/**
 * What the IdP shows of an SP to the user and to the app: the `OpText` / `opText` sentence and the
 * logo URL (the SP's `mdui:Logo`, else the bench's neutral logo).
 */
import type { IdpContext } from '../context.ts';
import type { SpMetadata } from '../sp-registry/sp-metadata.ts';

/** SP text shown by the app and on the QR (`OpText`). */
export function opText(sp: SpMetadata): string {
  return `${sp.displayName} chiede di accedere ai servizi on-line`;
}

export function spLogo(ctx: IdpContext, sp: SpMetadata): string {
  return sp.logoUrl ?? `${ctx.urls.base}/idp/images/logo-sp.svg`;
}
