/**
 * The card actor of one journey, and the phone's reader that reaches it:
 *
 * - an emulated card from the card registry, put in the journey's state (PIN/PUK tries, an
 *   expired or revoked certificate) and kept as an image file in the journey's folder, so its
 *   counters are read back from the card after every step; it sits on the NFC endpoint (the path
 *   a phone takes, with ISO-DEP limits and tag-lost faults), in the bench's virtual PC/SC reader, or
 *   in this process — the journey does not change, only the channel;
 * - or a physical card in a PC/SC reader, always behind the last-try PIN guard, with the PIN and
 *   PUK from the environment (CIEBENCH_PIN, CIEBENCH_PUK) and its serial from CIEBENCH_SERIAL.
 *
 * Every exchange is recorded in the bench's trace format (PIN/PUK masked unless secrets are
 * shown): at the card boundary for an emulated card (wire and plain forms), around the reader for
 * a physical one.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import type { Card } from '../../../emulator/src/card/card.ts';
import { BenchError } from '../../../emulator/src/host-error.ts';
import { openCieCard } from '../../../emulator/src/profiles/cie-card-image.ts';
import type { CardImage } from '../../../emulator/src/state/card-image.ts';
import {
  expireCardImage,
  holderCertificateSerial,
} from '../../../emulator/src/state/certificate-lifecycle.ts';
import { readCardImage, writeCardImageAtomic } from '../../../emulator/src/state/image-file.ts';
import { revoke } from '../../../emulator/src/state/pki-revocations.ts';
import { resolveCardSpec, type CardRecipe } from '../../../harness/cards/card-registry.ts';
import type { FaultInput } from '../../../harness/nfc/faults.ts';
import { NfcServer } from '../../../harness/nfc/ws-server.ts';
import { TraceWriter } from '../../../traces/format/write.ts';
import { attachRecorder } from '../../../traces/record/card-recorder.ts';
import { RecordingChannel } from '../../../traces/record/recording-channel.ts';
import {
  InProcessCardReader,
  NfcCardReader,
  PcscCardReader,
  type CardReader,
  type CardTap,
} from '../../app/card-reader.ts';
import type { AppActor, CardActor } from '../model.ts';
import { placeInVirtualReader, type VirtualReaderPlacement } from './pcsc-placement.ts';

/** AOSP's NFC defaults: 261-byte transceive, no extended length (Android `IsoDep`). */
export const AOSP_ISO_DEP = { maxTransceiveLength: 261, extendedLengthSupported: false } as const;

/**
 * The day an "expired" card's certificate expired, and the clock of the phone that registered
 * it while it was still valid (a month before): fixed dates, so traces and reports replay.
 */
export const EXPIRED_ON = new Date('2025-06-30T00:00:00Z');
export const REGISTERED_WHILE_VALID = new Date('2025-05-30T00:00:00Z');

export class CardActorError extends BenchError {
  constructor(message: string, kind: 'input' | 'environment' = 'input') {
    super('SCENARIO_CARD', message, kind);
  }
}

/** What the citizen knows about the card (the Comune's letter, the front of the card). */
export interface CardSecrets {
  readonly pin: string;
  readonly puk: string;
  readonly serial: string;
}

export interface CardCounters {
  readonly pinTries: number;
  readonly pukTries: number;
}

export interface JourneyCard {
  readonly description: string;
  readonly kind: 'emulated' | 'physical';
  /** `false` for a card that is not a CIE (no CIE application, no secrets). */
  readonly isCie: boolean;
  readonly secrets?: CardSecrets;
  readonly image?: CardImage;
  /**
   * The emulated card itself, when this process holds it (NFC and in-process channels): a desktop
   * journey puts it in the reader its PKCS#11 daemon serves.
   */
  readonly chip?: Card;
  /** The phone's reader (the app agent's `CardReader`). */
  readonly reader: CardReader;
  readonly tracePath: string;
  /** The NFC endpoint serving the card (NFC channel): where an external app connects. */
  readonly nfcUrl?: string;
  /** Records written to the trace so far (a step's APDUs are the records it added). */
  traceRecords(): number;
  /** The card's counters now (emulated cards; read back from the card image). */
  counters(): CardCounters | undefined;
  /** The fault plan of the next tap (NFC channel only). */
  faultNextTap(faults: readonly FaultInput[]): void;
  /** The card leaves the phone's field (no card answers) / comes back. */
  away(): Promise<void>;
  back(): Promise<void>;
  close(): Promise<void>;
}

export interface JourneyCardOptions {
  readonly actor: CardActor;
  readonly app: AppActor;
  /** The journey's folder (card image, trace). */
  readonly dir: string;
  /** Seed of the card's randomness (journey id and variant). */
  readonly seed: string;
  readonly revealSecrets: boolean;
  /** A physical card in this PC/SC reader instead of an emulated one. */
  readonly physicalReader?: string;
  /** Slot of the bench's virtual reader for the `pcsc` channel (default 0). */
  readonly virtualSlot?: number;
  /** Adds a revoked certificate's CRL to the IdP's CRL source for this journey. */
  readonly publishCrl: (crl: Uint8Array) => void;
  /** The card goes in the desktop's reader (a PKCS#11 journey): its trace says so. */
  readonly desktopReader?: boolean;
}

function countLines(path: string): number {
  const t = readFileSync(path, 'utf8');
  return t.length === 0 ? 0 : t.split('\n').length - 1;
}

/** The journey's card image: the registry card in the state the journey asks for. */
function prepareImage(recipe: CardRecipe, actor: CardActor): CardImage {
  if (!recipe.image) throw new CardActorError(`card '${recipe.spec}' is not a CIE image`);
  let image = recipe.image;
  const st = image.state;
  const set = (max: number, remaining: number | undefined, cur: CardImage['state']['pin']) =>
    remaining === undefined
      ? cur
      : { ...cur, remaining: Math.min(max, remaining), blocked: remaining === 0 };
  image = {
    ...image,
    state: {
      pin: set(st.pin.max, actor.state.pinTries, st.pin),
      puk: set(st.puk.max, actor.state.pukTries, st.puk),
    },
  };
  if (actor.state.certificate === 'expired') image = expireCardImage(image, EXPIRED_ON);
  return image;
}

/** The reader of the phone for one emulated card, on the app actor's channel. */
async function emulatedReader(
  o: JourneyCardOptions,
  opened: Card | undefined,
  imagePath: string,
  tracePath: string,
  faults: { next: FaultInput[] },
): Promise<{
  reader: CardReader;
  nfc?: NfcServer;
  nfcUrl?: string;
  placement?: VirtualReaderPlacement;
}> {
  const card = (): Card => {
    if (!opened) throw new CardActorError('no card opened on this side for the channel');
    return opened;
  };
  switch (o.app.channel) {
    case 'nfc': {
      const nfc = new NfcServer({
        port: 0,
        card,
        exclusive: true,
        cardDescription: 'journey card',
        rng: seededRng(`runner-nfc|${o.seed}`),
        ...(o.app.isoDep === 'aosp' ? { isoDep: AOSP_ISO_DEP } : {}),
      });
      const { url } = await nfc.listen();
      const reader = new NfcCardReader(url, {
        faults: () => faults.next.splice(0),
        // A card that is not on the phone is looked for briefly (a phone polls its field).
        discoveryMs: 1000,
      });
      return { reader, nfc, nfcUrl: url };
    }
    case 'in-process':
      return { reader: new InProcessCardReader(card(), 'journey card') };
    case 'pcsc': {
      const placement = await placeInVirtualReader({
        imagePath,
        tracePath,
        seed: o.seed,
        revealSecrets: o.revealSecrets,
        slot: o.virtualSlot ?? 0,
      });
      return { reader: new PcscCardReader({ reader: placement.reader }), placement };
    }
  }
}

async function emulatedCard(o: JourneyCardOptions, recipe: CardRecipe): Promise<JourneyCard> {
  const tracePath = join(o.dir, 'card.trace.jsonl');
  writeFileSync(tracePath, '');
  const faults = { next: [] as FaultInput[] };
  const isCie = recipe.image !== undefined;
  let image: CardImage | undefined;
  let imagePath = '';
  let card: Card | undefined;
  let release = (): void => undefined;
  if (isCie) {
    image = prepareImage(recipe, o.actor);
    imagePath = join(o.dir, 'card.image.json');
    writeCardImageAtomic(imagePath, image);
    if (o.actor.state.certificate === 'revoked')
      o.publishCrl(
        revoke(join(o.dir, 'pki'), image.pkiSeed, holderCertificateSerial(image), {
          now: new Date(),
          reason: 'keyCompromise',
          label: `journey ${o.seed}`,
        }),
      );
    // In the virtual reader the card lives in the vicc worker, which opens the image itself: one
    // image is one card, so this side must not hold it too.
    if (o.app.channel !== 'pcsc') {
      const opened = openCieCard(imagePath, { rng: seededRng(`runner-card|${o.seed}`) });
      release = () => opened.close();
      card = opened.card;
    }
  } else {
    if (o.app.channel === 'pcsc')
      throw new CardActorError('a card that is not a CIE goes on the NFC channel or in-process');
    card = recipe.create({ rng: seededRng(`runner-card|${o.seed}`) });
  }
  if (card) {
    const sink = (line: string): void => appendFileSync(tracePath, `${line}\n`);
    attachRecorder(card as Parameters<typeof attachRecorder>[0], new TraceWriter(sink), {
      profile: recipe.personality,
      transport: o.app.channel === 'nfc' && !o.desktopReader ? 'ws-nfc' : 'in-process',
      revealSecrets: o.revealSecrets,
      description: o.desktopReader
        ? `${recipe.description} in the desktop's reader (PKCS#11 module, bench daemon)`
        : recipe.description,
    });
  }
  const placed = await emulatedReader(o, card, imagePath, tracePath, faults);
  let away = false;
  return {
    description: `${recipe.description} [${o.app.channel}]`,
    kind: 'emulated',
    isCie,
    ...(image
      ? {
          image,
          secrets: {
            pin: image.state.pin.value,
            puk: image.state.puk.value,
            serial: image.citizen.document.number,
          },
        }
      : {}),
    ...(card ? { chip: card } : {}),
    reader: placed.reader,
    tracePath,
    ...(placed.nfcUrl ? { nfcUrl: placed.nfcUrl } : {}),
    traceRecords: () => countLines(tracePath),
    counters: () => {
      if (!imagePath) return undefined;
      const s = readCardImage(imagePath).state;
      return { pinTries: s.pin.remaining, pukTries: s.puk.remaining };
    },
    faultNextTap: (f) => {
      if (o.app.channel !== 'nfc')
        throw new CardActorError('tag faults are NFC faults: run the journey on the NFC channel');
      faults.next = [...f];
    },
    away: async () => {
      if (!placed.nfc) throw new CardActorError('"card away" is an NFC journey');
      if (!away) await placed.nfc.close();
      away = true;
    },
    back: async () => {
      throw new CardActorError(
        `the card comes back on a new endpoint only (not supported yet); ${away ? 'it is away' : ''}`,
      );
    },
    close: async () => {
      await placed.reader.close();
      if (placed.nfc && !away) await placed.nfc.close();
      await placed.placement?.remove();
      release();
    },
  };
}

/** A reader that records every tap's exchanges around the physical card (client side). */
class RecordingReader implements CardReader {
  readonly kind: CardReader['kind'];
  readonly description: string;
  readonly probeTriesBeforeVerify: boolean;
  private readonly inner: CardReader;
  private readonly tracePath: string;
  private readonly reveal: boolean;

  constructor(inner: CardReader, tracePath: string, reveal: boolean) {
    this.inner = inner;
    this.kind = inner.kind;
    this.description = inner.description;
    this.probeTriesBeforeVerify = inner.probeTriesBeforeVerify;
    this.tracePath = tracePath;
    this.reveal = reveal;
  }

  async tap(): Promise<CardTap> {
    const t = await this.inner.tap();
    const sink = (line: string): void => appendFileSync(this.tracePath, `${line}\n`);
    const channel = new RecordingChannel(t.channel, new TraceWriter(sink), {
      transport: 'pcsc',
      revealSecrets: this.reveal,
      description: `tap ${t.index} on ${this.inner.description}`,
    });
    return {
      ...t,
      channel,
      end: async () => {
        channel.flush();
        await t.end();
      },
    };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function physicalCard(o: JourneyCardOptions, readerName: string): JourneyCard {
  const env = (k: string): string => {
    const v = process.env[k];
    if (!v) throw new CardActorError(`a physical card needs ${k} in the environment`);
    return v;
  };
  const secrets = {
    pin: env('CIEBENCH_PIN'),
    puk: process.env['CIEBENCH_PUK'] ?? '',
    serial: env('CIEBENCH_SERIAL'),
  };
  if (!/^\d{8}$/.test(secrets.pin)) throw new CardActorError('CIEBENCH_PIN must be 8 digits');
  const tracePath = join(o.dir, 'card.trace.jsonl');
  writeFileSync(tracePath, '');
  const reader = new RecordingReader(
    new PcscCardReader({ reader: readerName, allowLastTry: false }),
    tracePath,
    o.revealSecrets,
  );
  const unsupported = async (): Promise<void> => {
    throw new CardActorError('a physical card cannot be taken away by the runner');
  };
  return {
    description: `physical card in '${readerName}' (last-try guard on)`,
    kind: 'physical',
    isCie: true,
    secrets,
    reader,
    tracePath,
    traceRecords: () => countLines(tracePath),
    counters: () => undefined,
    faultNextTap: () => {
      throw new CardActorError('tag faults need an emulated card on the NFC endpoint');
    },
    away: unsupported,
    back: unsupported,
    close: () => reader.close(),
  };
}

/** The journey's card on its channel. */
export async function journeyCard(o: JourneyCardOptions): Promise<JourneyCard> {
  if (o.physicalReader) return physicalCard(o, o.physicalReader);
  return emulatedCard(o, resolveCardSpec(o.actor.spec));
}
