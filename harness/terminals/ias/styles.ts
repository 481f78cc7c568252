/**
 * How each official client family speaks to the IAS application (ias/README.md §3, §4.2, §5, §8.1,
 * §11). The reference terminal reproduces each command sequence byte for byte; the differences
 * are data here, not branches in the flows.
 */

export const TERMINAL_STYLES = ['desktop', 'android', 'ios'] as const;
export type TerminalStyle = (typeof TERMINAL_STYLES)[number];

export interface StyleRules {
  readonly style: TerminalStyle;
  /** Le of plain READ BINARY: desktop 80, Android 00 (card caps at 231), iOS FF. */
  readonly plainReadLe: number;
  /** Le of protected READ BINARY: desktop 80, Android 00, iOS 80. */
  readonly smReadLe: number;
  /** DO 97 value added to protected commands with neither data nor Le (desktop quirk §4.2 item 8). */
  readonly leWhenAbsent?: number;
  /** Le of MSE SET DST (desktop sends Le 00 → DO 97 00; mobile none). */
  readonly dstLe: number;
  /** GET RESPONSE under SM with xx = 00 uses CLA 0C (desktop, §3 row 26). */
  readonly smGetResponseCla0C: boolean;
  /** iOS decodes every protected response, whatever the outer SW (§4.3). */
  readonly smDecodeAlways: boolean;
  /** iOS treats 6Cxx like 61xx (§11). */
  readonly sixCxxAsGetResponse: boolean;
  /** DO order of MSE SET AT for signing (§3 row 22). */
  readonly signDoOrder: '80-84' | '84-80';
  /** Le of the plain servizi INTERNAL AUTHENTICATE: desktop none, mobile 00 (§3 row 25). */
  readonly serviziLe: number;
  /** SELECT IAS: iOS falls back to `00 A4 00 00` on 6A82 (§1.2). */
  readonly iasSelectFallback: boolean;
}

export const STYLE_RULES: Readonly<Record<TerminalStyle, StyleRules>> = {
  desktop: {
    style: 'desktop',
    plainReadLe: 0x80,
    smReadLe: 0x80,
    leWhenAbsent: 0x00,
    dstLe: 256,
    smGetResponseCla0C: true,
    smDecodeAlways: false,
    sixCxxAsGetResponse: false,
    signDoOrder: '80-84',
    serviziLe: 0,
    iasSelectFallback: false,
  },
  android: {
    style: 'android',
    plainReadLe: 256,
    smReadLe: 256,
    dstLe: 0,
    smGetResponseCla0C: false,
    smDecodeAlways: false,
    sixCxxAsGetResponse: false,
    signDoOrder: '80-84',
    serviziLe: 256,
    iasSelectFallback: false,
  },
  ios: {
    style: 'ios',
    plainReadLe: 0xff,
    smReadLe: 0x80,
    dstLe: 0,
    smGetResponseCla0C: false,
    smDecodeAlways: true,
    sixCxxAsGetResponse: true,
    signDoOrder: '84-80',
    serviziLe: 256,
    iasSelectFallback: true,
  },
};
