/**
 * What the CieID app agent tells its user: typed events, never strings to parse. Each event has a
 * stable `kind`, the event name the public SDKs use for it where one exists (`sdkEvent`), the
 * Italian text the app shows, and where that text comes from (`wording`):
 *
 * - `app`: the text the official app code shows, carried over verbatim (including its typos and
 *   line breaks) from italia/cieid-ios-sdk `NFC/Token.swift` (`decodeError`: SW and FFxx catalogue),
 *   `NFC/CIETagReader.swift` (certificate revoked/expired, no network) and `NFC/CIEReader.swift`
 *   (NFC session: unsupported, timeout, two cards, not a CIE, cancelled);
 * - `bench`: no public source gives the app's text for this case; the bench's own wording, in the
 *   same register.
 *
 * Event names follow italia/cieid-android-sdk `Event` (`ON_TAG_LOST`, `ON_PIN_ERROR`,
 * `ON_CARD_PIN_LOCKED`, `ON_TAG_DISCOVERED_NOT_CIE`, `CERTIFICATE_EXPIRED`, `CERTIFICATE_REVOKED`,
 * `ON_NO_INTERNET_CONNECTION`, `AUTHENTICATION_ERROR`, `GENERAL_ERROR`) and pagopa/cie-sdk-android
 * `NfcError` (`EXTENDED_APDU_NOT_SUPPORTED`).
 */

export type Wording = 'app' | 'bench';

interface Base<K extends string> {
  readonly kind: K;
  /** The Italian text the app shows. */
  readonly message: string;
  readonly wording: Wording;
  /** The public SDKs' name for the event, when they have one. */
  readonly sdkEvent?: string;
}

export type AppEvent =
  | Base<'NFC_NOT_SUPPORTED'>
  | Base<'NFC_NOT_ENABLED'>
  | Base<'NO_SECURE_DEVICE'>
  | Base<'CARD_NOT_DETECTED'>
  | Base<'MORE_THAN_ONE_CARD'>
  | Base<'TAG_LOST'>
  | Base<'NOT_A_CIE'>
  | Base<'EXTENDED_APDU_NOT_SUPPORTED'>
  | (Base<'WRONG_PIN'> & { readonly triesLeft: number })
  | Base<'PIN_BLOCKED'>
  | (Base<'WRONG_PUK'> & { readonly triesLeft: number })
  | Base<'CARD_DEAD'>
  | Base<'PIN_FORMAT'>
  | Base<'NEW_PIN_SAME_AS_OLD'>
  | Base<'NEW_PIN_MISMATCH'>
  | Base<'NEW_PIN_WEAK'>
  | Base<'SERIAL_FORMAT'>
  | Base<'CARD_ALREADY_REGISTERED'>
  | Base<'CARD_NOT_REGISTERED'>
  | Base<'CERTIFICATE_INVALID'>
  | (Base<'SERIAL_MISMATCH'> & { readonly typed: string; readonly onCard: string })
  | Base<'CERTIFICATE_EXPIRED'>
  | Base<'CERTIFICATE_REVOKED'>
  | (Base<'DOCUMENT_CHECK_FAILED'> & { readonly detail: string })
  | Base<'STORED_PIN_HALF_SUSPECT'>
  | (Base<'LAST_TRY_REFUSED'> & { readonly reference: 'PIN' | 'PUK' })
  | Base<'QR_NOT_RECOGNISED'>
  | Base<'OPERATION_EXPIRED'>
  | Base<'NO_INTERNET_CONNECTION'>
  | (Base<'AUTHENTICATION_ERROR'> & { readonly detail: string; readonly idpCodice?: string })
  | Base<'OPERATION_CANCELLED'>
  | (Base<'CARD_ERROR'> & { readonly detail: string; readonly sw?: string })
  | (Base<'GENERAL_ERROR'> & { readonly detail: string });

export type AppEventKind = AppEvent['kind'];

type Extra<K extends AppEventKind> = Omit<
  Extract<AppEvent, { kind: K }>,
  'kind' | 'message' | 'wording' | 'sdkEvent'
>;

const TEXT = {
  NFC_NOT_SUPPORTED: ['app', 'Questo smartphone non supporta la lettura NFC', undefined],
  NFC_NOT_ENABLED: [
    'bench',
    "L'NFC dello smartphone non è attivo. Attivalo nelle impostazioni e riprova.",
    undefined,
  ],
  NO_SECURE_DEVICE: [
    'bench',
    'Il dispositivo non è sicuro: CieID non può essere usato su questo smartphone.',
    'NO_SECURE_DEVICE',
  ],
  CARD_NOT_DETECTED: [
    'app',
    "Lo smartphone non ha rilevato la presenza della carta. Assicurati di avvicinare la carta allo smartphone e di tenerla a contatto fino al termine dell'operazione.",
    undefined,
  ],
  MORE_THAN_ONE_CARD: ['app', "E' consentita la lettura di una carta per volta", undefined],
  TAG_LOST: ['app', 'Hai rimosso la carta troppo presto\nRIPROVA', 'ON_TAG_LOST'],
  NOT_A_CIE: [
    'app',
    'La carta utilizzata non è una Carta di Identità Elettronica',
    'ON_TAG_DISCOVERED_NOT_CIE',
  ],
  EXTENDED_APDU_NOT_SUPPORTED: [
    'bench',
    'Questo smartphone non supporta i comandi NFC estesi necessari per leggere la CIE.',
    'EXTENDED_APDU_NOT_SUPPORTED',
  ],
  WRONG_PIN: ['app', '', 'ON_PIN_ERROR'],
  PIN_BLOCKED: [
    'app',
    "LA CARTA E' BLOCCATA\nPer sbloccarla munisciti del codice PUK e utilizza l'apposita funzione in Gestione Carta",
    'ON_CARD_PIN_LOCKED',
  ],
  WRONG_PUK: ['app', '', undefined],
  CARD_DEAD: ['app', "LA CARTA E' BLOCCATA\nE' necessario richiederne la sostituzione", undefined],
  PIN_FORMAT: ['app', 'Il PIN/PUK deve essere composto da 8 numeri', 'PIN_INPUT_ERROR'],
  NEW_PIN_SAME_AS_OLD: [
    'app',
    "Nuovo PIN e vecchio PIN non possono essere uguali. RIPETI L'OPERAZIONE",
    undefined,
  ],
  NEW_PIN_MISMATCH: ['app', 'I PIN non corrispondono', undefined],
  NEW_PIN_WEAK: ['app', 'Il nuovo PIN non deve avere cifre uguali o consecutive', undefined],
  SERIAL_FORMAT: [
    'bench',
    'Il numero della carta è composto da 9 caratteri (ad esempio CA00000AA), in alto a destra sul fronte della carta.',
    undefined,
  ],
  CARD_ALREADY_REGISTERED: [
    'app',
    "Carta di Identità Elettronica già registrata. L'operazione verrà annullata.",
    undefined,
  ],
  CARD_NOT_REGISTERED: [
    'app',
    'Carta di Identità Elettronica non registrata. Registra questa carta prima procedere.',
    'CIE_NOT_REGISTERED',
  ],
  CERTIFICATE_INVALID: [
    'app',
    "Il certificato di questa Carta di Identità Elettronica non è valido. L'operazione verrà annullata.",
    undefined,
  ],
  SERIAL_MISMATCH: [
    'bench',
    'Il numero della carta inserito non corrisponde a quello della carta letta.',
    undefined,
  ],
  CERTIFICATE_EXPIRED: ['app', 'Carta non valida: certificato scaduto', 'CERTIFICATE_EXPIRED'],
  CERTIFICATE_REVOKED: ['app', 'Carta non valida: certificato revocato', 'CERTIFICATE_REVOKED'],
  DOCUMENT_CHECK_FAILED: [
    'bench',
    "I dati della carta non superano la verifica di autenticità. L'operazione verrà annullata.",
    undefined,
  ],
  STORED_PIN_HALF_SUSPECT: [
    'bench',
    'Il PIN della carta potrebbe essere stato cambiato. Per non bloccare la carta, registrala di nuovo con il PIN completo.',
    undefined,
  ],
  LAST_TRY_REFUSED: [
    'bench',
    "Resta un solo tentativo: l'operazione è stata fermata per non bloccare la carta.",
    undefined,
  ],
  QR_NOT_RECOGNISED: ['bench', 'Il QR Code inquadrato non è valido per CieID.', undefined],
  OPERATION_EXPIRED: [
    'bench',
    "L'operazione è scaduta. Genera un nuovo QR Code e riprova.",
    undefined,
  ],
  NO_INTERNET_CONNECTION: [
    'app',
    'Nessuna connessione ad internet rilevata',
    'ON_NO_INTERNET_CONNECTION',
  ],
  AUTHENTICATION_ERROR: ['bench', 'Autenticazione non riuscita.', 'AUTHENTICATION_ERROR'],
  OPERATION_CANCELLED: ['app', "Operazione annullata dall'utente", undefined],
  CARD_ERROR: ['app', 'Errore sconosciuto', undefined],
  GENERAL_ERROR: ['bench', 'Si è verificato un errore. Riprova più tardi.', 'GENERAL_ERROR'],
} as const satisfies Record<AppEventKind, readonly [Wording, string, string | undefined]>;

/** Wrong PIN text of the app: 2 tries left, 1 try left (Token.swift 63C2/63C1). */
function wrongPinText(triesLeft: number): string {
  return triesLeft === 1
    ? 'Hai digitato un PIN ERRATO.\nHai un ultimo tentativo a disposizione'
    : `Hai digitato un PIN ERRATO.\nHai ancora ${triesLeft} tentativi`;
}

/** Wrong PUK text of the app (Token.swift FFC1..FFC9). */
function wrongPukText(triesLeft: number): string {
  return triesLeft === 1
    ? 'Hai digitato un PUK ERRATO.\nHai un ultimo tentativo a disposizione'
    : `Hai digitato un PUK ERRATO.\nHai ancora ${triesLeft} tentativi`;
}

/** Builds the event `kind` with its text (and the fields that event carries). */
export function appEvent<K extends AppEventKind>(
  kind: K,
  ...extra: {} extends Extra<K> ? [Extra<K>?] : [Extra<K>]
): Extract<AppEvent, { kind: K }> {
  const [wording, fixed, sdkEvent] = TEXT[kind];
  const fields = (extra[0] ?? {}) as Extra<K> & { triesLeft?: number };
  const message =
    kind === 'WRONG_PIN'
      ? wrongPinText(fields.triesLeft ?? 0)
      : kind === 'WRONG_PUK'
        ? wrongPukText(fields.triesLeft ?? 0)
        : fixed;
  return Object.freeze({
    kind,
    message,
    wording,
    ...(sdkEvent !== undefined ? { sdkEvent } : {}),
    ...fields,
  }) as unknown as Extract<AppEvent, { kind: K }>;
}

/** The outcome of an app operation: a value, or the event that ended it. */
export type AppResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly event: AppEvent };

export function success<T>(value: T): AppResult<T> {
  return { ok: true, value };
}

export function failure<T = never>(event: AppEvent): AppResult<T> {
  return { ok: false, event };
}

/**
 * Internal carrier of an event through the agent's call stack: thrown deep (card layer, network
 * layer), turned into an {@link AppResult} once at the operation boundary.
 */
export class AppEventError extends Error {
  readonly event: AppEvent;
  constructor(event: AppEvent) {
    super(`${event.kind}: ${event.message.replace(/\n/g, ' ')}`);
    this.event = event;
  }
}

export function raise(event: AppEvent): never {
  throw new AppEventError(event);
}
