/**
 * The citizens of a load run: fleet citizen `index` (harness/cards/card-fleet.ts, the card
 * registry's `fleet:<seed>:<index>`) with its card in this process and its phone — the CieID app
 * agent with its profile in memory and its own HTTPS connection pool — already registered the way
 * the app registers a card (`fleetRegistration`), unless the run registers through the card.
 *
 * A derived registration holds exactly what the app stores after "Registra la tua carta" (NIS,
 * serial, names and fiscal code from the certificate, the certificate, the PIN's first half,
 * sealed with the phone's key); `citizens.test.ts` checks it equals the one the agent makes by
 * reading the card, apart from the registration time. It saves a card session per citizen (the
 * registration reads EF.SOD, runs passive authentication, DH, device authentication and VERIFY).
 */
import { Agent } from 'node:https';
import type { Clock } from '../../emulator/src/crypto/clock.ts';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import type { EmulatedCard } from '../../emulator/src/card/card.ts';
import { cardFleet, type CardFleet, type FleetOptions } from '../../harness/cards/card-fleet.ts';
import { fleetRecipe, type CardRecipe } from '../../harness/cards/card-registry.ts';
import { CieIdAgent } from '../app/agent.ts';
import type { IdpConfig } from '../app/app-context.ts';
import { InProcessCardReader, type CardReader, type CardTap } from '../app/card-reader.ts';
import { holderIdentity } from '../app/certificate.ts';
import { splitPin } from '../app/pin.ts';
import { memoryProfileFiles } from '../app/profile-files.ts';
import { ProfileStore, type Registration } from '../app/profile-store.ts';
import type { PhoneOptions } from '../app/phone.ts';

/** What the app would store for `recipe`'s card, registered at `at` with its own PIN. */
export function fleetRegistration(
  recipe: CardRecipe,
  at: Date,
): { readonly registration: Registration; readonly firstFour: string } {
  const image = recipe.image;
  const pin = recipe.secrets?.pin;
  if (!image || !pin) throw new Error(`card ${recipe.spec} is not a CIE with a known PIN`);
  const cert = image.ias.certificates.holder;
  const id = holderIdentity(Buffer.from(cert, 'hex'));
  return {
    registration: {
      nis: image.citizen.nis,
      serial: image.citizen.document.number,
      givenName: id.givenName,
      surname: id.surname,
      ...(id.fiscalCode ? { fiscalCode: id.fiscalCode } : {}),
      certificate: cert,
      registeredAt: at.toISOString(),
      pinHalfStatus: 'ok',
    },
    firstFour: splitPin(pin).first,
  };
}

/** Time spent with the card on the phone, per tap (the card step of a login). */
export interface TapTimer {
  onTap(ms: number): void;
}

/** The citizen's reader: the card in this process, each tap timed. */
class TimedReader implements CardReader {
  readonly kind = 'in-process';
  readonly description: string;
  readonly probeTriesBeforeVerify = false;
  private readonly inner: InProcessCardReader;
  private readonly taps: { timer?: TapTimer };

  constructor(card: EmulatedCard, description: string, taps: { timer?: TapTimer }) {
    this.inner = new InProcessCardReader(card, description);
    this.description = this.inner.description;
    this.taps = taps;
  }

  async tap(): Promise<CardTap> {
    const started = performance.now();
    const tap = await this.inner.tap();
    return {
      ...tap,
      end: async () => {
        await tap.end();
        this.taps.timer?.onTap(performance.now() - started);
      },
    };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export interface LoadCitizen {
  readonly index: number;
  readonly recipe: CardRecipe;
  readonly card: EmulatedCard;
  /** The phone's reader of the card (each tap timed). */
  readonly reader: CardReader;
  readonly phone: CieIdAgent;
  /** The PIN, PUK and serial as the citizen knows them. */
  readonly pin: string;
  readonly puk: string;
  readonly serial: string;
  readonly nis: string;
  /** Taps of the phone's reader are reported to `taps.timer` while it is set. */
  readonly taps: { timer?: TapTimer };
  /** Closes the phone's connections. */
  close(): void;
}

export interface CitizenOptions {
  readonly idp: IdpConfig;
  /** `derived` (default): the phone starts registered; `card`: it starts empty. */
  readonly registration?: 'derived' | 'card';
  readonly phone?: PhoneOptions;
  readonly clock?: Clock;
}

/** Makes citizen `index` of `fleet`, with its card and its phone. */
export function loadCitizen(fleet: CardFleet, index: number, o: CitizenOptions): LoadCitizen {
  const recipe = fleetRecipe(fleet, index);
  const rng = seededRng(`load-citizen|${fleet.seed}|${index}`);
  const card = recipe.create({ rng });
  const taps: { timer?: TapTimer } = {};
  const reader = new TimedReader(card, `fleet card ${index}`, taps);
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  const store = new ProfileStore(`phone-${index}`, memoryProfileFiles(`phone-${index}`));
  const image = recipe.image;
  if (!image) throw new Error('unreachable: fleet cards have images');
  const phone = new CieIdAgent({
    profileDir: store.dir,
    store,
    reader,
    trust: {
      csca: recipe.trust?.csca ?? [],
      holderCa: recipe.trust?.holderCa ?? [],
    },
    idp: { ...o.idp, connection: { ...o.idp.connection, agent } },
    rng,
    ...(o.phone ? { phone: o.phone } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
  });
  if ((o.registration ?? 'derived') === 'derived') {
    const r = fleetRegistration(recipe, (o.clock ?? { now: () => new Date() }).now());
    store.put(r.registration, r.firstFour);
  }
  const citizen: LoadCitizen = {
    index,
    recipe,
    card,
    reader,
    phone,
    pin: image.citizen.pin,
    puk: image.citizen.puk,
    serial: image.citizen.document.number,
    nis: image.citizen.nis,
    taps,
    close: () => agent.destroy(),
  };
  return citizen;
}

/** The fleet a run's citizens come from. */
export function loadFleet(o: FleetOptions): CardFleet {
  return cardFleet(o);
}

/** Short text for reports: which card a citizen has. */
export function citizenLabel(c: LoadCitizen): string {
  return `${c.recipe.spec} (NIS ${c.nis}, serial ${c.serial})`;
}
