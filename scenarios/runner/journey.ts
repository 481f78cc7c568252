/**
 * One journey being run: its actors (the environment's IdP and SP, its own card, phone and browser
 * context), what the journey has learnt so far (the QR code, the OTP the phone showed, the URL the
 * phone hands back, the PINs as the citizen knows them) and the artefacts of each step.
 *
 * Secrets stay symbolic in everything the runner writes: a step reads "app.register pin=card", the
 * digits never appear unless the user asked for them (`--show-secrets`).
 */
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import type { BrowserContext, Page } from 'playwright-core';
import { newPinProblem } from '../app/pin.ts';
import type { AppOutcome, JourneyApp } from './actors/app.ts';
import type { JourneyCard } from './actors/card.ts';
import type { DesktopReader } from './actors/desktop-reader.ts';
import type { IdpHandle } from './actors/idp.ts';
import type { SpHandle } from './actors/sp.ts';
import type { RunClock } from './environment.ts';
import type { Scenario } from './load.ts';
import type { PageModels } from './pages.ts';
import type { SamlCapture, SamlMessage } from './saml-capture.ts';
import type { StepResult } from './results.ts';
import type { PinValue, Step } from './steps.ts';

export interface JourneyOptions {
  readonly showSecrets: boolean;
  /** Progress lines (one per step). */
  readonly onLine?: (line: string) => void;
  /**
   * Each step as it ends, with the SAML messages the browser carried during it (for a live view:
   * the control server's stream). Artefact paths are relative to the report folder.
   */
  readonly onStep?: (step: StepResult, saml: readonly SamlMessage[]) => void;
  /** Aborted: the journey stops before its next step (the step running ends first). */
  readonly signal?: AbortSignal;
}

/**
 * What a journey's steps use of the run's IdP, SP and clock: a runner's `RunEnvironment`, or what a
 * load VU knows of the target it logs in to (scenarios/load/artillery-browser.ts).
 */
export interface JourneyEnvironment {
  readonly idp: Pick<IdpHandle, 'pages' | 'origins' | 'tlsCaPem' | 'reference'>;
  readonly sp: Pick<SpHandle, 'homeUrl' | 'pages' | 'protocol'>;
  readonly clock: Pick<RunClock, 'advance'>;
}

/** The PINs as the citizen knows them at this point of the journey. */
export interface KnownPins {
  current: string;
  old?: string;
  readonly next: string;
  readonly puk: string;
}

export class JourneyState {
  qr?: { readonly payload: string; readonly png?: Uint8Array };
  otp?: string;
  /** What the phone hands back to the browser (continue URL, or the error hand-back). */
  handBack?: string;
  lastApp?: AppOutcome;
}

export class Journey {
  readonly env: JourneyEnvironment;
  readonly scenario: Scenario;
  readonly card: JourneyCard;
  readonly app: JourneyApp | undefined;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly saml: SamlCapture;
  readonly dir: string;
  readonly options: JourneyOptions;
  readonly state = new JourneyState();
  readonly pins: KnownPins | undefined;
  readonly models: PageModels;
  /** The citizen's computer with a reader and the CIE software (desktop journeys). */
  readonly desktop: DesktopReader | undefined;

  constructor(a: {
    env: JourneyEnvironment;
    scenario: Scenario;
    card: JourneyCard;
    app: JourneyApp | undefined;
    context: BrowserContext;
    page: Page;
    saml: SamlCapture;
    dir: string;
    options: JourneyOptions;
    seed: string;
    desktop?: DesktopReader;
  }) {
    this.env = a.env;
    this.scenario = a.scenario;
    this.card = a.card;
    this.app = a.app;
    this.context = a.context;
    this.page = a.page;
    this.saml = a.saml;
    this.dir = a.dir;
    this.options = a.options;
    this.models = { idp: a.env.idp.pages, sp: a.env.sp.pages };
    this.desktop = a.desktop;
    const s = a.card.secrets;
    this.pins = s ? { current: s.pin, next: newPinFor(s.pin, a.seed), puk: s.puk } : undefined;
  }

  /** The card holder's PIN (or PUK) a step names symbolically. */
  pin(v: PinValue | 'remembered', what: 'PIN' | 'PUK' = 'PIN'): string {
    if (/^\d{8}$/.test(v)) return v;
    const p = this.requirePins();
    switch (v) {
      case 'card':
        return what === 'PUK' ? p.puk : p.current;
      case 'wrong':
        return wrongDigits(what === 'PUK' ? p.puk : p.current);
      case 'new':
        return p.next;
      case 'old':
        if (p.old === undefined) throw new Error("'old' PIN named before any PIN change");
        return p.old;
      case 'remembered':
        throw new Error("'remembered' is not a PIN the citizen types");
      default:
        return v;
    }
  }

  lastFour(v: 'card' | 'wrong' | string): string {
    if (/^\d{4}$/.test(v)) return v;
    const p = this.requirePins();
    if (v === 'card') return p.current.slice(4);
    if (v === 'wrong') return wrongDigits(p.current.slice(4));
    return v;
  }

  /** The PIN changed on the card (change or unblock succeeded). */
  pinChanged(to: string): void {
    const p = this.requirePins();
    p.old = p.current;
    p.current = to;
  }

  get nis(): string | undefined {
    return this.card.image?.citizen.nis;
  }

  private requirePins(): KnownPins {
    if (!this.pins) throw new Error('this card has no PIN (not a CIE)');
    return this.pins;
  }
}

/** The same number of digits, every digit moved by 5: never equal, still a valid PIN format. */
export function wrongDigits(right: string): string {
  return [...right].map((d) => String((Number(d) + 5) % 10)).join('');
}

/** A new PIN the app accepts (not the old one, not weak), drawn from the journey's seed. */
export function newPinFor(old: string, seed: string): string {
  const rng = seededRng(`runner-new-pin|${seed}`);
  for (;;) {
    const candidate = [...rng.bytes(8)].map((b) => String(b % 10)).join('');
    if (!newPinProblem(candidate, candidate, old, { strict: true })) return candidate;
  }
}

/** A step as text, secrets symbolic (`app.register pin=card`). */
export function stepText(s: Step): string {
  const params = Object.entries(s)
    .filter(([k, v]) => k !== 'do' && k !== 'name' && k !== 'expect' && v !== undefined)
    .filter(([, v]) => !(Array.isArray(v) && v.length === 0) && v !== false)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  const expect = 'expect' in s && s.expect ? ` → ${JSON.stringify(s.expect)}` : '';
  return `${s.name ? `${s.name}: ` : ''}${s.do}${params.length ? ` ${params.join(' ')}` : ''}${expect}`;
}
