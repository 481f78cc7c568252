/**
 * One card the control server manages: the emulated card from the card registry, the in-process
 * reader slot it sits in, its PIN/PUK state, and the live stream of its exchanges — recorded at
 * the card boundary by the trace recorder (PIN/PUK digits masked unless the server was started
 * with secrets shown) and annotated one exchange at a time by the trace annotator.
 */
import { X509Certificate } from 'node:crypto';
import type { EmulatedCard } from '../../emulator/src/card/card.ts';
import { holderCertificateSerial } from '../../emulator/src/state/certificate-lifecycle.ts';
import {
  defaultPkiDir,
  readRevocations,
  revocationSerialHex,
  revoke,
  unrevoke,
} from '../../emulator/src/state/pki-revocations.ts';
import { cieCardFromImage } from '../../emulator/src/profiles/cie-card-image.ts';
import type { CardImage } from '../../emulator/src/state/card-image.ts';
import { serializeCardImage } from '../../emulator/src/state/image-file.ts';
import type { SecretStore, SecretsState } from '../../emulator/src/state/secret-store.ts';
import { BenchError } from '../../emulator/src/host-error.ts';
import type { CardRecipe } from '../../harness/cards/card-registry.ts';
import { liveAnnotator, type AnnotatedItem } from '../../traces/annotate/annotate.ts';
import { renderExchangeText } from '../../traces/annotate/render-text.ts';
import type { TraceRecord } from '../../traces/format/schema.ts';
import { TraceWriter } from '../../traces/format/write.ts';
import { attachRecorder } from '../../traces/record/card-recorder.ts';
import { ReaderSlot, type OuterReaders, type SlotFaults } from './reader-slot.ts';

/** A PIN or PUK counter as the API shows it (never the value). */
export interface CounterView {
  readonly remaining: number;
  readonly max: number;
  readonly blocked: boolean;
}

/**
 * The standing of the card's authentication certificate: its serial, the end of its validity,
 * and whether it is expired (by the clock) or revoked (on its test PKI's CRL).
 */
export interface CertificateView {
  readonly serial: string;
  readonly notAfter: string;
  readonly status: 'valid' | 'expired' | 'revoked';
}

/** An app that registered the card (read its certificate and keys after the PIN). */
export interface RegisteredApp {
  readonly app: string;
  /** ISO time of the registration. */
  readonly since: string;
}

/** The state of a managed card as the API and the dashboard show it. */
export interface CardStateView {
  readonly reader: 'inserted' | 'removed';
  /** Readers outside the process the card also sits in, following remove/insert (vpcd, NFC). */
  readonly places: readonly string[];
  readonly insertion: number;
  readonly powered: boolean;
  /** Absent for the generic test cards, which have no IAS PIN. */
  readonly pin?: CounterView;
  readonly puk?: CounterView;
  /** Absent for the generic test cards, which have no certificate. */
  readonly certificate?: CertificateView;
  /** Apps (CieID app agents) that registered the card, as they told the bench. */
  readonly apps: readonly RegisteredApp[];
  readonly exchanges: number;
  readonly stalledSessions: number;
  readonly faults: SlotFaults;
}

export interface CardInfo {
  readonly id: string;
  readonly spec: string;
  readonly personality: string;
  readonly description: string;
  readonly state: CardStateView;
}

/** One APDU exchange (or card event) on the stream: the annotation and its readable lines. */
export interface ApduStreamItem {
  readonly card: string;
  readonly item: AnnotatedItem;
  readonly lines: readonly string[];
}

/** A card made outside the station, from the same recipe, with its PIN/PUK store when it has one. */
export interface MadeCard {
  readonly card: EmulatedCard;
  readonly secrets?: SecretStore;
}

export interface ControlCardEvents {
  apdu(e: ApduStreamItem): void;
  state(card: CardInfo): void;
}

const counter = (r: SecretsState['pin']): CounterView => ({
  remaining: r.remaining,
  max: r.max,
  blocked: r.blocked,
});

function eventLine(item: AnnotatedItem): readonly string[] {
  return 'exchange' in item
    ? renderExchangeText(item.exchange, { brief: false })
    : [`#${item.event.seq} — ${item.event.text}`];
}

export class ControlCard {
  readonly id: string;
  readonly recipe: CardRecipe;
  readonly card: EmulatedCard;
  readonly slot: ReaderSlot;
  private readonly secrets: SecretStore | undefined;
  private readonly image: CardImage | undefined;
  private exchanges = 0;
  private lastState = '';
  private readonly pkiDir: (pkiSeed: string) => string;
  private readonly cert: { serial: Uint8Array; hex: string; notAfter: Date } | undefined;
  private revoked = false;
  private apps: readonly RegisteredApp[] = [];
  private readonly detach: () => void;
  private readonly events: ControlCardEvents;

  constructor(
    id: string,
    recipe: CardRecipe,
    events: ControlCardEvents,
    showSecrets: boolean,
    made?: MadeCard,
    pkiDir: (pkiSeed: string) => string = defaultPkiDir,
  ) {
    this.id = id;
    this.recipe = recipe;
    this.events = events;
    this.pkiDir = pkiDir;
    const image = recipe.image;
    if (made) {
      // A card brought to life elsewhere (the bench's `ciebench start`, which also puts it on the
      // virtual PC/SC reader and the NFC endpoint): the station watches that very card.
      this.card = made.card;
      this.secrets = made.secrets;
      this.image = made.secrets ? image : undefined;
    } else if (image) {
      // The registry's recipe keeps its PIN/PUK store inside the card; the control server must
      // read the counters while the card runs, so it brings the recipe's image to life itself,
      // with the recipe's personality — the same call the recipe's create() makes.
      const cie = cieCardFromImage(image, { profile: recipe.personality });
      this.card = cie.card;
      this.secrets = cie.secrets;
      this.image = image;
    } else {
      this.card = recipe.create();
      this.secrets = undefined;
      this.image = undefined;
    }
    this.slot = new ReaderSlot(this.card, () => this.emitState(true));
    if (this.image) {
      const serial = holderCertificateSerial(this.image);
      const x509 = new X509Certificate(Buffer.from(this.image.ias.certificates.holder, 'hex'));
      this.cert = { serial, hex: revocationSerialHex(serial), notAfter: new Date(x509.validTo) };
      // Read once: the PKI's CRL changes here (setCertificate) or by `ciebench card revoke`,
      // which a running server does not watch.
      try {
        const dir = this.pkiDir(this.image.pkiSeed);
        this.revoked = readRevocations(dir, this.image.pkiSeed).revoked.some(
          (r) => r.serial === this.cert?.hex,
        );
      } catch {
        this.revoked = false;
      }
    }
    const annotate = liveAnnotator();
    const writer = new TraceWriter((line) => {
      const record = JSON.parse(line) as TraceRecord | { type: 'header' };
      if (record.type === 'header') return;
      const item = annotate(record);
      if ('exchange' in item) this.exchanges++;
      this.events.apdu({ card: this.id, item, lines: eventLine(item) });
      this.emitState(false);
    });
    this.detach = attachRecorder(this.card, writer, {
      profile: recipe.personality,
      transport: 'in-process',
      revealSecrets: showSecrets,
      description: `control server card ${id}: ${recipe.description}`,
    }).detach;
  }

  get state(): CardStateView {
    const s = this.secrets?.read();
    return {
      reader: this.slot.state.kind,
      places: this.slot.places,
      insertion: this.slot.state.insertion,
      powered: this.card.powered,
      ...(s ? { pin: counter(s.pin), puk: counter(s.puk) } : {}),
      ...(this.cert ? { certificate: this.certificateView(this.cert) } : {}),
      apps: this.apps,
      exchanges: this.exchanges,
      stalledSessions: this.slot.stalledSessions,
      faults: this.slot.faults,
    };
  }

  get info(): CardInfo {
    return {
      id: this.id,
      spec: this.recipe.spec,
      personality: this.recipe.personality,
      description: this.recipe.description,
      state: this.state,
    };
  }

  /** TEST PIN the card holds now (for the reference terminal; never sent to API clients). */
  currentPin(): string | undefined {
    return this.secrets?.read().pin.value;
  }

  /**
   * Sets the tries left of the PIN and/or PUK (0 blocks it; the maximum restores it), as a card
   * issuer's back office or a lab's pre-conditioning would; the values stay the card's.
   */
  setTries(t: { readonly pin?: number; readonly puk?: number }): CardStateView {
    if (!this.secrets)
      throw new BenchError(
        'CONTROL_NO_PIN',
        `card ${this.id} (${this.recipe.spec}) is a generic test card: it has no PIN or PUK`,
        'input',
      );
    const s = this.secrets.read();
    const set = (r: SecretsState['pin'], n: number | undefined, name: string) => {
      if (n === undefined) return r;
      if (n > r.max)
        throw new BenchError(
          'CONTROL_TRIES',
          `${name} tries: ${n} is above the maximum of this card (${r.max})`,
          'input',
        );
      return { ...r, remaining: n, blocked: n === 0 };
    };
    this.secrets.write({ pin: set(s.pin, t.pin, 'PIN'), puk: set(s.puk, t.puk, 'PUK') });
    this.emitState(true);
    return this.state;
  }

  /** An app registered the card (the demo phone of `ciebench start` tells the station). */
  noteApp(app: RegisteredApp): void {
    this.apps = [...this.apps.filter((a) => a.app !== app.app), app];
    this.emitState(true);
  }

  /**
   * Revokes the card's certificate (adds it to the CRL of the card's test PKI and republishes
   * it, as `ciebench card revoke` does; a reference IdP reading that CRL then refuses the card
   * with its revoked-certificate error) or releases the revocation (`valid`). An expired
   * certificate is the card's own content (EF 1003 and EF.SOD): it is made with `ciebench card
   * expire`, not changed on a running card.
   */
  setCertificate(status: 'valid' | 'revoked', now = new Date()): CardStateView {
    if (!this.image || !this.cert)
      throw new BenchError(
        'CONTROL_NO_CERTIFICATE',
        `card ${this.id} (${this.recipe.spec}) is a generic test card: it has no certificate`,
        'input',
      );
    const dir = this.pkiDir(this.image.pkiSeed);
    if (status === 'revoked')
      revoke(dir, this.image.pkiSeed, this.cert.serial, {
        now,
        reason: 'keyCompromise',
        label: `control server card ${this.id} (${this.recipe.spec})`,
      });
    else unrevoke(dir, this.image.pkiSeed, this.cert.serial, now);
    this.revoked = status === 'revoked';
    this.emitState(true);
    return this.state;
  }

  /**
   * The card also sits in readers outside the process (the bench's virtual PC/SC reader and NFC
   * endpoint): Remove and Insert act on them, and the faults apply to their exchanges.
   */
  attachOuter(outer: OuterReaders): void {
    this.slot.attachOuter(outer);
    this.emitState(true);
  }

  /** The card is in no reader outside the process any more. */
  detachOuter(): void {
    this.slot.detachOuter();
    this.emitState(true);
  }

  setFaults(f: SlotFaults): void {
    this.slot.faults = f;
    this.emitState(true);
  }

  /** The card image with its current PIN/PUK state, as `ciebench card new` writes one. */
  exportImage(): string {
    if (!this.image || !this.secrets)
      throw new BenchError(
        'CONTROL_NO_IMAGE',
        `card ${this.id} (${this.recipe.spec}) is a generic test card: it has no card image`,
        'input',
      );
    return serializeCardImage({ ...this.image, state: this.secrets.read() });
  }

  close(): void {
    this.slot.remove();
    this.detach();
  }

  private certificateView(c: { hex: string; notAfter: Date }): CertificateView {
    const status = this.revoked
      ? 'revoked'
      : c.notAfter.getTime() < Date.now()
        ? 'expired'
        : 'valid';
    return { serial: c.hex, notAfter: c.notAfter.toISOString(), status };
  }

  /** Emits the state when it changed (or always, for slot changes). */
  private emitState(always: boolean): void {
    const info = this.info;
    // The exchange count alone is no state change (the APDU stream carries every exchange).
    const key = JSON.stringify({ ...info.state, exchanges: 0 });
    if (!always && key === this.lastState) return;
    this.lastState = key;
    this.events.state(info);
  }
}
