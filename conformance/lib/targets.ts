/**
 * `--target` specifications → a {@link Target} (a channel plus what the path contributes):
 *
 * ```
 * inproc:<name>           a named in-process card (iso-test, sm-test, cie-…); RAW_FRAMES, DISPOSABLE
 * inproc:<card.json>      a card image file, loaded in memory (the file is never written)
 * pcsc:<reader>           a PC/SC reader, physical or virtual (exact name or a unique part)
 * nfc:<ws-url>            the simulated NFC endpoint (ws://127.0.0.1:PORT)
 * ```
 * The PC/SC channel belongs to another part of the project and is loaded only when a target needs
 * it; CIE cards and card images come from a catalogue the suites provide.
 */
import { HostError } from '../../emulator/src/host-error.ts';
import { existsSync } from 'node:fs';
import { InProcessChannel } from '../../harness/channel/in-process-channel.ts';
import type { ApduChannel } from '../../harness/channel/apdu-channel.ts';
import { WsNfcChannel } from '../../harness/nfc/ws-nfc-channel.ts';
import type { Card } from '../../emulator/src/card/card.ts';
import type { Target } from './run-suite.ts';
import { TEST_CARDS, type CardSecrets, type NamedCard, type TrustAnchors } from './test-cards.ts';

export class TargetError extends HostError {
  readonly code: 'TARGET_SYNTAX' | 'TARGET_UNKNOWN_CARD' | 'TARGET_UNAVAILABLE';
  constructor(code: TargetError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

export interface ResolvedTarget {
  readonly target: Target;
  /** Personality whose default ICS applies, when the target knows it. */
  readonly personality?: string;
  /** TEST secrets the (emulated) card declares about itself. */
  readonly secrets?: CardSecrets;
  /** Trust anchors for signature-chain cases (cards personalised with the test PKI). */
  readonly trust?: TrustAnchors;
  /** Host-side services the card provides for its cases (test credentials). */
  readonly services?: ReadonlyMap<string, unknown>;
}

/** Where in-process cards come from: named cards, and card-image files. */
export interface CardCatalogue {
  named(): Promise<readonly NamedCard[]>;
  fromImage?(path: string): Promise<NamedCard>;
}

function inProcess(card: NamedCard, label = card.name): ResolvedTarget {
  const description = `in-process: ${label}`;
  const create = (): Card => card.create();
  const name = label;
  return {
    personality: card.personality,
    ...(card.secrets ? { secrets: card.secrets } : {}),
    ...(card.trust ? { trust: card.trust } : {}),
    ...(card.services ? { services: card.services() } : {}),
    target: {
      description,
      channel: new InProcessChannel(create(), name),
      tokens: ['RAW_FRAMES', 'DISPOSABLE'],
      fresh: async () => new InProcessChannel(create(), `${name} (fresh copy)`),
    },
  };
}

async function pcscChannel(reader: string): Promise<ApduChannel> {
  const url = new URL('../../harness/pcsc/pcsc-channel.ts', import.meta.url).href;
  let mod: { PcscChannel?: new (o: { reader?: string; waitForCardMs?: number }) => ApduChannel };
  try {
    mod = (await import(url)) as typeof mod;
  } catch (e) {
    throw new TargetError(
      'TARGET_UNAVAILABLE',
      `the PC/SC channel is not available: ${(e as Error).message}`,
    );
  }
  if (typeof mod.PcscChannel !== 'function')
    throw new TargetError('TARGET_UNAVAILABLE', 'harness/pcsc exports no PcscChannel');
  return new mod.PcscChannel({ ...(reader ? { reader } : {}), waitForCardMs: 5000 });
}

export async function resolveTarget(
  spec: string,
  catalogue?: CardCatalogue,
): Promise<ResolvedTarget> {
  const i = spec.indexOf(':');
  if (i < 0)
    throw new TargetError(
      'TARGET_SYNTAX',
      `target '${spec}' must be inproc:<name|card.json>, pcsc:<reader> or nfc:<ws-url>`,
    );
  const kind = spec.slice(0, i);
  const rest = spec.slice(i + 1);
  if (kind === 'inproc') {
    const cards = [...TEST_CARDS, ...((await catalogue?.named()) ?? [])];
    const found = cards.find((c) => c.name === rest);
    if (found) return inProcess(found);
    if (rest.endsWith('.json') || existsSync(rest)) {
      if (!catalogue?.fromImage)
        throw new TargetError('TARGET_UNAVAILABLE', 'card images need the CIE card modules');
      return inProcess(await catalogue.fromImage(rest));
    }
    throw new TargetError(
      'TARGET_UNKNOWN_CARD',
      `no in-process card '${rest}' (known: ${cards.map((c) => c.name).join(', ')}; or a card.json path)`,
    );
  }
  if (kind === 'pcsc') {
    const channel = await pcscChannel(rest);
    return {
      target: { description: `pcsc: ${rest || '(reader with a card)'}`, channel, tokens: [] },
    };
  }
  if (kind === 'nfc') {
    if (!/^wss?:\/\//.test(rest))
      throw new TargetError('TARGET_SYNTAX', `nfc target needs a ws:// URL, got '${rest}'`);
    return {
      target: { description: `ws-nfc: ${rest}`, channel: new WsNfcChannel(rest), tokens: [] },
    };
  }
  throw new TargetError('TARGET_SYNTAX', `unknown target kind '${kind}' (inproc, pcsc, nfc)`);
}
