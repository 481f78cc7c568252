/**
 * Targets of a conformance run: a channel plus what the path contributes.
 *
 * ```
 * card:<spec>  or  inproc:<spec>   an emulated card in-process (the card registry's grammar:
 *                                  default, <personality>, seed:<seed>, <personality>:<seed>,
 *                                  iso-test, sm-test, or a card image file, never written);
 *                                  RAW_FRAMES, DISPOSABLE. `cie` and `cie-<personality>` are
 *                                  accepted for the default CIE on a personality.
 * pcsc:<reader>                    a PC/SC reader, physical or virtual (exact name or a unique part)
 * nfc:<ws-url>                     the simulated NFC endpoint (ws://127.0.0.1:PORT)
 * ```
 * The PC/SC channel is loaded only when a target needs it (its binding is optional).
 */
import { HostError, type FailureKind } from '../../emulator/src/host-error.ts';
import {
  resolveCardSpec,
  type CardRecipe,
  type CardSecrets,
  type TrustAnchors,
} from '../../harness/cards/card-registry.ts';
import { InProcessChannel } from '../../harness/channel/in-process-channel.ts';
import type { ApduChannel } from '../../harness/channel/apdu-channel.ts';
import { WsNfcChannel } from '../../harness/nfc/ws-nfc-channel.ts';
import type { Target } from './run-suite.ts';

export class TargetError extends HostError {
  readonly code: 'TARGET_SYNTAX' | 'TARGET_UNKNOWN_CARD' | 'TARGET_UNAVAILABLE';
  constructor(code: TargetError['code'], message: string) {
    super(message);
    this.code = code;
  }
  override get kind(): FailureKind {
    return this.code === 'TARGET_UNAVAILABLE' ? 'environment' : 'input';
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

/** The ICS personality of a card recipe: `cie-<chip>` for CIEs, the test card's own name otherwise. */
export function icsPersonality(recipe: CardRecipe): string {
  return recipe.image ? `cie-${recipe.personality}` : recipe.personality;
}

/** An in-process target over fresh instances of `recipe`. */
export function inProcessTarget(recipe: CardRecipe, label = recipe.spec): ResolvedTarget {
  const description = `in-process: ${label}`;
  return {
    personality: icsPersonality(recipe),
    ...(recipe.secrets ? { secrets: recipe.secrets } : {}),
    ...(recipe.trust ? { trust: recipe.trust } : {}),
    ...(recipe.services ? { services: recipe.services() } : {}),
    target: {
      description,
      channel: new InProcessChannel(recipe.create(), label),
      tokens: ['RAW_FRAMES', 'DISPOSABLE'],
      fresh: async () => new InProcessChannel(recipe.create(), `${label} (fresh copy)`),
    },
  };
}

/** The registry spec of an in-process target name (legacy `cie` / `cie-<personality>` names). */
function cardSpecOf(name: string): string {
  if (name === 'cie') return 'default';
  if (name.startsWith('cie-') && !name.includes('/') && !name.endsWith('.json'))
    return name.slice(4);
  return name;
}

async function pcscChannel(reader: string): Promise<ApduChannel> {
  let mod: { PcscChannel?: new (o: { reader?: string; waitForCardMs?: number }) => ApduChannel };
  try {
    mod = (await import('../../harness/pcsc/pcsc-channel.ts')) as typeof mod;
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

export async function resolveTarget(spec: string): Promise<ResolvedTarget> {
  const i = spec.indexOf(':');
  if (i < 0)
    throw new TargetError(
      'TARGET_SYNTAX',
      `target '${spec}' must be card:<card>, pcsc:<reader> or nfc:<ws-url>`,
    );
  const kind = spec.slice(0, i);
  const rest = spec.slice(i + 1);
  if (kind === 'inproc' || kind === 'card') {
    try {
      return inProcessTarget(resolveCardSpec(cardSpecOf(rest)), rest);
    } catch (e) {
      if (e instanceof HostError && e.code === 'CARD_SPEC')
        throw new TargetError('TARGET_UNKNOWN_CARD', e.message);
      throw e;
    }
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
  throw new TargetError('TARGET_SYNTAX', `unknown target kind '${kind}' (card, pcsc, nfc)`);
}
