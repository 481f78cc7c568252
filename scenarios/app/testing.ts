/**
 * Test helpers for the app agent: a card from the committed default image (any personality, no
 * key generation) as an image file whose PIN/PUK state persists (so tests read the counters back
 * from the card image), the trust anchors it was issued under, a throw-away profile directory,
 * and a WebSocket NFC endpoint serving that card.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import { openCieCard, type PersistentCieCard } from '../../emulator/src/profiles/cie-card-image.ts';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import type { CardImage } from '../../emulator/src/state/card-image.ts';
import { readCardImage } from '../../emulator/src/state/image-file.ts';
import type { SecretsState } from '../../emulator/src/state/secret-store.ts';
import type { IsoDepConfigInput } from '../../harness/nfc/iso-dep-config.ts';
import { NfcServer } from '../../harness/nfc/ws-server.ts';
import { holderCertificateSerial } from '../../emulator/src/state/certificate-lifecycle.ts';
import { revoke } from '../../emulator/src/state/pki-revocations.ts';
import type { FaultInput } from '../../harness/nfc/faults.ts';
import { CieIdAgent } from './agent.ts';
import type { AppOptions, PinPolicy, TrustConfig } from './app-context.ts';
import { NfcCardReader, type TapMeter } from './card-reader.ts';
import type { AppResult } from './events.ts';
import type { PhoneOptions } from './phone.ts';

export function trustOfImage(image: CardImage = defaultCardImage()): TrustConfig {
  return {
    csca: [fromHex(image.ias.certificates.csca)],
    holderCa: [fromHex(image.ias.certificates.holderCa)],
  };
}

/** A temporary directory removed by `cleanup()`. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `ciebench-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The default synthetic citizen as an image file on `profile` (state persisted to the file). */
export interface CardFile {
  readonly path: string;
  readonly image: CardImage;
  readonly pin: string;
  readonly puk: string;
  readonly serial: string;
  readonly nis: string;
  /** PIN/PUK state as the image file holds it now. */
  state(): SecretsState;
  /** A card object over the file (every PIN/PUK change written back before it takes effect). */
  open(seed?: string): PersistentCieCard;
}

export function cardFile(
  dir: string,
  profile: string,
  transform: (image: CardImage) => CardImage = (i) => i,
): CardFile {
  const base = transform(defaultCardImage());
  const image: CardImage = { ...base, profile };
  const path = join(dir, `card-${profile}.json`);
  writeFileSync(path, `${JSON.stringify(image, null, 2)}\n`);
  return {
    path,
    image,
    pin: base.state.pin.value,
    puk: base.state.puk.value,
    serial: base.citizen.document.number,
    nis: base.citizen.nis,
    state: () => readCardImage(path).state,
    open: (seed = 'app-test') =>
      openCieCard(path, { strict: true, rng: seededRng(`card|${seed}`) }),
  };
}

/** An NFC endpoint serving one card image file (exclusive, as `card start --nfc-cards shared`). */
export async function nfcEndpoint(
  file: CardFile,
  isoDep?: IsoDepConfigInput,
): Promise<{ url: string; server: NfcServer; close: () => Promise<void> }> {
  const card = file.open().card;
  const server = new NfcServer({
    port: 0,
    card: () => card,
    exclusive: true,
    cardDescription: file.image.profile,
    rng: seededRng('nfc-endpoint'),
    ...(isoDep ? { isoDep } : {}),
  });
  const { url } = await server.listen();
  return { url, server, close: () => server.close() };
}

/** The event kind of a result, or 'ok'. */
export function kind<T>(r: AppResult<T>): string {
  return r.ok ? 'ok' : r.event.kind;
}

/** One card image file on an NFC endpoint, and agents (phones) that tap it one at a time. */
export interface Rig {
  readonly file: CardFile;
  readonly agent: CieIdAgent;
  readonly meters: TapMeter[];
  /** Fault plan of the next tap (consumed by it). */
  next: FaultInput[];
  newAgent(o?: Partial<AppOptions> & { profile?: string }): CieIdAgent;
  close(): Promise<void>;
}

let rigs = 0;

/** A rig under `baseDir`: card `profile` (default nxp), one agent ready, more on demand. */
export async function rig(
  baseDir: string,
  o: { profile?: string; pinPolicy?: PinPolicy; phone?: PhoneOptions } = {},
): Promise<Rig> {
  const dir = `${baseDir}/${rigs++}`;
  mkdirSync(dir, { recursive: true });
  const file = cardFile(dir, o.profile ?? 'nxp');
  const endpoint = await nfcEndpoint(file);
  const meters: TapMeter[] = [];
  const agents: CieIdAgent[] = [];
  const r: Rig = {
    file,
    meters,
    next: [],
    agent: undefined as unknown as CieIdAgent,
    newAgent(extra = {}) {
      const { profile, ...rest } = extra;
      const a = new CieIdAgent({
        profileDir: `${dir}/${profile ?? 'profile'}`,
        reader: new NfcCardReader(endpoint.url, {
          faults: () => {
            const plan = r.next;
            r.next = [];
            return plan;
          },
        }),
        trust: trustOfImage(file.image),
        rng: seededRng(`rig|${dir}|${profile ?? ''}`),
        onTapEnd: (t) => meters.push({ ...t.meter }),
        ...(o.pinPolicy ? { pinPolicy: o.pinPolicy } : {}),
        ...(o.phone ? { phone: o.phone } : {}),
        ...rest,
      });
      agents.push(a);
      return a;
    },
    async close() {
      for (const a of agents) await a.close();
      await endpoint.close();
    },
  };
  (r as { agent: CieIdAgent }).agent = r.newAgent();
  return r;
}

/** A CRL of the card's test PKI listing the card's certificate. */
export function revokedCrl(dir: string, file: CardFile): Uint8Array {
  return revoke(dir, file.image.pkiSeed, holderCertificateSerial(file.image), {
    now: new Date('2026-01-01T00:00:00Z'),
    reason: 'keyCompromise',
    label: 'app test',
  });
}
