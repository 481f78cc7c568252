/**
 * What the IdP shows of an SP (or relying party) to the user and to the app: the `OpText` / `opText`
 * sentence and the logo URL (the SP's `mdui:Logo`, else the bench's neutral logo).
 */
import type { IdpContext } from '../context.ts';

/** What the texts need of an SP or relying party. */
export interface ServiceName {
  readonly displayName: string;
  readonly logoUrl?: string;
}

/** SP text shown by the app and on the QR (`OpText`). */
export function opText(sp: ServiceName): string {
  return `${sp.displayName} chiede di accedere ai servizi on-line`;
}

export function spLogo(ctx: IdpContext, sp: ServiceName): string {
  return sp.logoUrl ?? `${ctx.urls.base}/idp/images/logo-sp.svg`;
}
