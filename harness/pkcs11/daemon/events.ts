/**
 * What the daemon tells the people and tools around it (the official middleware shows tray
 * notices: "PIN errato", "Carta bloccata", "La CIE non è abilitata", "Documento scaduto").
 * PIN digits never appear in an event.
 */
export type MiddlewareEvent =
  | { readonly type: 'card-inserted'; readonly reader: string; readonly nis: string }
  | { readonly type: 'card-removed'; readonly reader: string }
  | {
      readonly type: 'not-paired';
      readonly reader: string;
      readonly nis: string;
      readonly message: string;
    }
  | { readonly type: 'pairing-problem'; readonly nis: string; readonly message: string }
  | {
      readonly type: 'certificate-expired';
      readonly nis: string;
      readonly notAfter: string;
      readonly message: string;
    }
  | {
      readonly type: 'pin-request';
      readonly id: string;
      readonly nis: string;
      readonly triesLeft: number | undefined;
    }
  | {
      readonly type: 'pin-wrong';
      readonly nis: string;
      readonly triesLeft: number;
      readonly message: string;
    }
  | { readonly type: 'pin-locked'; readonly nis: string; readonly message: string }
  | { readonly type: 'login'; readonly nis: string; readonly reader: string }
  | { readonly type: 'signature'; readonly nis: string; readonly ms: number }
  | {
      readonly type: 'card-error';
      readonly reader: string;
      readonly operation: string;
      readonly message: string;
    };

export type EventSink = (e: MiddlewareEvent) => void;
