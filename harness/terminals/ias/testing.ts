/**
 * Helpers for tests that drive an emulated CIE with the IAS reference terminal: a card from the
 * committed default image (no key generation), seeded randomness, and the terminal brought to a
 * given state of ias/README.md §10 (SMd after DH, SMa after DAPP, PIN verified).
 */
import type { CardOptions } from '../../../emulator/src/card/card-options.ts';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import type { IasOptions } from '../../../emulator/src/applications/ias/ias-options.ts';
import type { CieCard } from '../../../emulator/src/profiles/cie-card.ts';
import { cieCardFromImage } from '../../../emulator/src/profiles/cie-card-image.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import type { CardImage } from '../../../emulator/src/state/card-image.ts';
import { InProcessChannel } from '../../channel/in-process-channel.ts';
import type { TrustAnchors } from './flows.ts';
import { IasTerminal } from './ias-terminal.ts';
import type { TerminalStyle } from './styles.ts';

export interface TestCardOptions {
  readonly image?: CardImage;
  readonly profile?: string;
  readonly options?: Partial<CardOptions>;
  readonly iasOptions?: Partial<IasOptions>;
  readonly seed?: string;
}

export function testCard(o: TestCardOptions = {}): CieCard {
  return cieCardFromImage(o.image ?? defaultCardImage(), {
    strict: true,
    rng: seededRng(`card|${o.seed ?? 'test'}`),
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.options ? { options: o.options } : {}),
    ...(o.iasOptions ? { iasOptions: o.iasOptions } : {}),
  });
}

export function trustOf(image: CardImage = defaultCardImage()): TrustAnchors {
  return {
    csca: [fromHex(image.ias.certificates.csca)],
    holderCa: [fromHex(image.ias.certificates.holderCa)],
  };
}

/** An in-process channel that remembers the last raw response (to check outer status words). */
export class SpyChannel extends InProcessChannel {
  last: Uint8Array = new Uint8Array(0);
  override async transmit(command: Uint8Array): Promise<Uint8Array> {
    this.last = await super.transmit(command);
    return this.last;
  }
  /** Outer SW of the last response, hex. */
  get lastSw(): string {
    return Array.from(this.last.subarray(-2), (b) =>
      b.toString(16).toUpperCase().padStart(2, '0'),
    ).join('');
  }
}

export interface Rig {
  readonly cie: CieCard;
  readonly channel: SpyChannel;
  readonly terminal: IasTerminal;
  readonly pin: string;
  readonly puk: string;
}

export function rig(o: TestCardOptions & { style?: TerminalStyle } = {}): Rig {
  const cie = testCard(o);
  const channel = new SpyChannel(cie.card, cie.profile.label);
  const terminal = new IasTerminal(channel, {
    style: o.style ?? 'desktop',
    rng: seededRng(`terminal|${o.seed ?? 'test'}`),
  });
  const image = o.image ?? defaultCardImage();
  return { cie, channel, terminal, pin: image.state.pin.value, puk: image.state.puk.value };
}

/**
 * The shortest route to a secure channel: connect, SELECT IAS, DF_CIE, EF 1004, DH parameters, CA
 * key, DH key exchange (state SMd, §10) and, unless `dapp` is false, DAPP (state SMa).
 */
export async function openSecureChannel(t: IasTerminal, o: { dapp?: boolean } = {}): Promise<void> {
  await t.connect();
  await t.selectIas();
  await t.selectDfCie();
  await t.readIccAuthKey();
  await t.getDhParameters('separate');
  await t.getCaPublicKey();
  await t.dhKeyExchange();
  if (o.dapp ?? true) await t.dapp();
}

/** State SMd: DH done, DAPP not done. */
export async function toSmd(r: Rig): Promise<void> {
  await openSecureChannel(r.terminal, { dapp: false });
}

/** State SMa: after DAPP. */
export async function toSma(r: Rig): Promise<void> {
  await openSecureChannel(r.terminal);
}

/** … and VERIFY PIN. */
export async function toPinVerified(r: Rig): Promise<void> {
  await toSma(r);
  const v = await r.terminal.verify(0x81, r.pin);
  if (!v.ok) throw new Error(`test setup: VERIFY PIN failed ${JSON.stringify(v)}`);
}
