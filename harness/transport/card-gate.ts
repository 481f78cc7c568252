/**
 * The bench's hand on a hosted card, consulted by a transport before each APDU reaches the card:
 * the control server uses it to hold an exchange (a slow or stalled reader) and to take the card
 * out while a terminal talks to it through the virtual PC/SC reader or the NFC endpoint.
 *
 * The transport asks before the card sees the command, so a removal never leaves a half-done
 * command on the card: the command is lost exactly as when a real card leaves the field before
 * the reader sends it (vpcd: the card is pulled; NFC: the tag is lost).
 */
export type GateDecision = 'go' | 'removed';

/** What becomes of the card's answer: it goes on (maybe damaged), or the card left the field. */
export type GateAnswer =
  { readonly kind: 'response'; readonly response: Uint8Array } | { readonly kind: 'removed' };

export interface CardGate {
  /**
   * Called before APDU `n` (1-based, counted from the card's power-on on that transport);
   * resolves once the APDU may go, or with 'removed' when the card was taken out meanwhile.
   */
  beforeApdu(n: number): Promise<GateDecision>;
  /**
   * Called with the card's answer to APDU `n`: the answer the terminal gets (a corrupted one),
   * or 'removed' when the card left the field while the command ran (the card processed it, the
   * answer is lost).
   */
  afterApdu?(n: number, response: Uint8Array): GateAnswer;
}
