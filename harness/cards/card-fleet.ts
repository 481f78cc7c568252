/**
 * Card fleets: many distinct synthetic citizens from one seed, cheap enough to put a thousand
 * cards in one process. Citizen `index` of fleet `seed` is the card spec `fleet:<seed>:<index>`
 * of the card registry (card-registry.ts), the same card every time.
 *
 * What each citizen has of its own: the citizen record (names, birth, fiscal code, address, CAN,
 * PIN, PUK, MRZ from the stream `fleet|<seed>|<index>`), a NIS and a document number numbered
 * from the index (so no two citizens of a fleet share them; random ones collide within a few
 * hundred thousand), the holder certificate (own subject and serial, issued by the test holder
 * CA), every IAS file and both EF.SOD (signed by the test Document Signer), DG1, DG11, DG12.
 *
 * What citizens share, computed once per fleet (or per key slot) and held by reference, never
 * copied per card:
 *
 * | shared | by | a real card |
 * |---|---|---|
 * | test PKI (CSCA, DS, holder CA), DH group, EF.ATR | everyone | the same (national) |
 * | DAPP CA key, CVCA (eMRTD trust point) | everyone in the fleet | the same (national) |
 * | RSA keys 81/82/83 (`keys: 'pool'`, default) | citizens `i` and `i + slots` (fleet-key-pool.ts) | its own, generated on the chip |
 * | eMRTD Chip Authentication key | same slot (`pool`); own with `keys: 'unique'` | its own |
 * | DG2 face, DG3 fingerprints (synthetic images) | same slot and sex | its holder's |
 *
 * Nothing is built before it is asked for: a citizen record costs microseconds, a card's
 * personalisation a few milliseconds (certificate and two SOD signatures), and an image file is
 * written only by whoever asks for one (`ciebench card fleet --out-dir`).
 */
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import { sha256 } from '../../emulator/src/crypto/hash.ts';
import { BenchError } from '../../emulator/src/host-error.ts';
import { generateCitizen, type Citizen } from '../../emulator/src/personalise/citizen.ts';
import {
  emrtdSharedMaterial,
  personaliseEmrtd,
  type EmrtdSharedMaterial,
} from '../../emulator/src/personalise/emrtd/personalise-emrtd.ts';
import { generateCvPki } from '../../emulator/src/personalise/emrtd/cv-pki.ts';
import { generateDappCaKey } from '../../emulator/src/personalise/ias/ca-key.ts';
import {
  personaliseIas,
  type IasKeys,
} from '../../emulator/src/personalise/ias/ias-personalisation.ts';
import { DEFAULT_PKI_SEED, generateTestPki } from '../../emulator/src/personalise/pki/test-pki.ts';
import type { CiePersonalisation } from '../../emulator/src/profiles/cie-card-image.ts';
import { cieProfile, DEFAULT_CIE_PROFILE_ID } from '../../emulator/src/profiles/cie-profiles.ts';
import { withEmrtdPersonalisation } from '../../emulator/src/applications/emrtd/emrtd-image.ts';
import type { CardImage } from '../../emulator/src/state/card-image.ts';
import { cardImageFromPersonalisation } from '../../emulator/src/state/image-convert.ts';
import { committedKeyPool, deriveSlotKeys, type FleetKeyPool } from './fleet-key-pool.ts';

/** `pool`: key sets from the committed pool (default); `unique`: each citizen its own keys. */
export const FLEET_KEY_MODES = ['pool', 'unique'] as const;
export type FleetKeyMode = (typeof FLEET_KEY_MODES)[number];

/** Citizens are numbered 0 … 10⁹ − 1 (NIS and document numbers are derived from the index). */
export const FLEET_MAX_INDEX = 999_999_999;

export interface FleetOptions {
  readonly seed: string;
  readonly keys?: FleetKeyMode;
  /** Personality of every card (default: the default CIE personality). */
  readonly personality?: string;
  readonly pkiSeed?: string;
  /** Another key pool (default: the committed one). */
  readonly pool?: FleetKeyPool;
}

export interface FleetCitizen {
  readonly index: number;
  /** The registry spec of this citizen's card. */
  readonly spec: string;
  readonly citizen: Citizen;
  /** The pool slot whose keys the card holds (`pool` mode). */
  readonly keySlot?: number;
}

export class FleetError extends BenchError {
  constructor(message: string) {
    super('CARD_FLEET', message, 'input');
  }
}

/** Two decimal digits of the fleet seed, so fleets of different seeds rarely share a NIS. */
function seedDigits(seed: string): string {
  const h = sha256(new TextEncoder().encode(`ciebench-fleet-nis|${seed}`));
  return String(((h[0] as number) * 256 + (h[1] as number)) % 100).padStart(2, '0');
}

/** NIS of citizen `index`: `9`, two digits of the seed, the index on nine digits. */
export function fleetNis(seed: string, index: number): string {
  return `9${seedDigits(seed)}${String(index).padStart(9, '0')}`;
}

const letter = (n: number): string => String.fromCharCode(65 + n);

/** Document number of citizen `index` (CA00000AA layout, a bijection of the index). */
export function fleetDocumentNumber(index: number): string {
  const digits = String(index % 100_000).padStart(5, '0');
  const rest = Math.floor(index / 100_000);
  return `C${letter(Math.floor(rest / 676))}${digits}${letter(Math.floor(rest / 26) % 26)}${letter(rest % 26)}`;
}

function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index > FLEET_MAX_INDEX)
    throw new FleetError(`fleet citizen index must be an integer from 0 to ${FLEET_MAX_INDEX}`);
}

/** The byte arrays cards of a fleet share, found by their hex text. */
class SharedFiles {
  private readonly byHex = new Map<string, Uint8Array>();
  add(bytes: Uint8Array, hex: string): void {
    this.byHex.set(hex, bytes);
  }
  bytes = (hex: string): Uint8Array => this.byHex.get(hex) ?? fromHex(hex);
}

export class CardFleet {
  readonly seed: string;
  readonly keys: FleetKeyMode;
  readonly personality: string;
  readonly pkiSeed: string;
  readonly pool: FleetKeyPool;
  /** Gives shared eMRTD files as one byte array to every card (the eMRTD `fileBytes` hook). */
  readonly fileBytes: (hex: string) => Uint8Array;
  /** Seed of the fleet's CV PKI (its CVCA is every card's Terminal Authentication trust point). */
  readonly cvPkiSeed: string;
  private readonly shared = new SharedFiles();
  private readonly slotMaterial = new Map<number, EmrtdSharedMaterial>();
  private readonly uniqueKeys = new Map<number, IasKeys>();
  private cvca: EmrtdSharedMaterial['cvPki'];
  private dappCa: IasKeys['ca'] | undefined;

  constructor(o: FleetOptions) {
    if (o.seed.length === 0) throw new FleetError('a fleet needs a seed');
    this.seed = o.seed;
    this.keys = o.keys ?? 'pool';
    this.personality = cieProfile(o.personality ?? DEFAULT_CIE_PROFILE_ID).id;
    this.pkiSeed = o.pkiSeed ?? DEFAULT_PKI_SEED;
    this.pool = o.pool ?? committedKeyPool();
    this.fileBytes = this.shared.bytes;
    this.cvPkiSeed = `fleet-cvca|${this.seed}`;
  }

  /** Citizen `index`: its record only (microseconds; nothing else is built). */
  citizen(index: number): FleetCitizen {
    checkIndex(index);
    const citizen = generateCitizen(`fleet|${this.seed}|${index}`, {
      nis: fleetNis(this.seed, index),
      documentNumber: fleetDocumentNumber(index),
    });
    return {
      index,
      spec: `fleet:${this.seed}:${index}`,
      citizen,
      ...(this.keys === 'pool' ? { keySlot: index % this.pool.size } : {}),
    };
  }

  /** The card personalisation of citizen `index` (a certificate and two SOD signatures). */
  personalisation(index: number): CiePersonalisation {
    const c = this.citizen(index);
    const seed = c.citizen.seed;
    const ias = personaliseIas(seed, {
      citizen: c.citizen,
      keys: this.keysOf(index),
      pkiSeed: this.pkiSeed,
      sodVariant: cieProfile(this.personality).sodVariant,
    });
    const emrtd = personaliseEmrtd(
      seed,
      c.citizen,
      generateTestPki(this.pkiSeed),
      {},
      this.emrtdMaterial(index),
    );
    return { ias, emrtd, profile: this.personality };
  }

  /** The card image of citizen `index` (for writing a file; cards are made without one). */
  image(index: number): CardImage {
    const p = this.personalisation(index);
    return withEmrtdPersonalisation(cardImageFromPersonalisation(p.ias, p.profile), p.emrtd);
  }

  private slotOf(index: number): number {
    return index % this.pool.size;
  }

  private keysOf(index: number): IasKeys {
    this.dappCa ??= this.keys === 'pool' ? this.pool.dappCa : this.uniqueCa();
    if (this.keys === 'pool') return { ...this.pool.slot(this.slotOf(index)), ca: this.dappCa };
    let k = this.uniqueKeys.get(index);
    if (!k) {
      k = { ...deriveSlotKeys(`fleet|${this.seed}`, index), ca: this.dappCa };
      this.uniqueKeys.set(index, k);
    }
    return k;
  }

  private uniqueCa(): IasKeys['ca'] {
    return generateDappCaKey(seededRng(`ciebench-fleet-ca|${this.seed}`), undefined, 'sieved');
  }

  /**
   * The eMRTD material of citizen `index`: the fleet's CVCA, the slot's biometrics, and the
   * slot's Chip Authentication key (`pool`) or none (`unique`: derived from the citizen's seed).
   */
  private emrtdMaterial(index: number): EmrtdSharedMaterial {
    const slot = this.slotOf(index);
    let m = this.slotMaterial.get(slot);
    if (!m) {
      const all = emrtdSharedMaterial(`fleet-slot|${this.pool.seed}|${slot}`);
      this.cvca ??= generateCvPki(this.cvPkiSeed);
      for (const bytes of [all.dg2('M'), all.dg2('F'), all.dg3])
        this.shared.add(bytes, toHex(bytes));
      m = { dg2: all.dg2, dg3: all.dg3, chipAuth: all.chipAuth, cvPki: this.cvca };
      this.slotMaterial.set(slot, m);
    }
    if (this.keys === 'unique') {
      const { chipAuth: _own, ...rest } = m;
      return rest;
    }
    return m;
  }
}

const fleets = new Map<string, CardFleet>();

/** The fleet for these options (one object per distinct options in a process). */
export function cardFleet(o: FleetOptions): CardFleet {
  const key = JSON.stringify([o.seed, o.keys ?? 'pool', o.personality ?? '', o.pkiSeed ?? '']);
  if (o.pool) return new CardFleet(o);
  let f = fleets.get(key);
  if (!f) {
    f = new CardFleet(o);
    fleets.set(key, f);
  }
  return f;
}
