/**
 * CIE Bench as a library: `import { … } from 'cie-bench'` (package.json `exports`). This file is
 * the package's entry point and sits at the top of the layering because it re-exports every
 * layer: cards (emulator), channels, terminals and transports (harness), traces.
 *
 * Quick start (README "Use it from your tests"):
 *
 * ```ts
 * import { createCard, iasLogin, toHex } from 'cie-bench';
 * const card = createCard();                        // the default CIE; or 'gemalto', 'seed:alice', 'alice.json'
 * console.log(toHex(card.powerOn()));               // ATR
 * const login = await iasLogin(card);               // DH + device authentication + VERIFY + signature
 * console.log(login.verdict, login.result?.certificate);
 * ```
 */
import type { EmulatedCard } from '../emulator/src/card/card.ts';
import {
  resolveCardSpec,
  type CardRecipe,
  type CardRuntime,
} from '../harness/cards/card-registry.ts';
import type { ApduChannel } from '../harness/channel/apdu-channel.ts';
import { InProcessChannel } from '../harness/channel/in-process-channel.ts';
import {
  loginFlow,
  type FlowReport,
  type LoginOptions,
  type LoginResult,
} from '../harness/terminals/ias/flows.ts';
import {
  inspect,
  type InspectionOptions,
  type InspectionResult,
} from '../harness/terminals/emrtd/inspection-system.ts';

// Cards: the registry (one grammar for every card), images, the card contract.
export {
  createDefaultCard,
  namedCards,
  resolveCardSpec,
  CardSpecError,
  type CardRecipe,
  type CardRuntime,
  type CardSecrets,
  type TrustAnchors,
} from '../harness/cards/card-registry.ts';
export type {
  Card,
  EmulatedCard,
  ObservableCard,
  CardObserver,
  ExchangeEvent,
} from '../emulator/src/card/card.ts';
export { newCardImage, openCieCard } from '../emulator/src/profiles/cie-card-image.ts';
export { CIE_PROFILES, DEFAULT_CIE_PROFILE_ID } from '../emulator/src/profiles/cie-profiles.ts';
export { readCardImage, writeCardImageAtomic } from '../emulator/src/state/image-file.ts';
export type { CardImage } from '../emulator/src/state/card-image.ts';

// Bytes and status words.
export { fromHex, toHex } from '../emulator/src/bytes/hex.ts';
export { describeSw, swFromResponse, swHex } from '../emulator/src/apdu/status-words.ts';
export { HostError, BenchError, EXIT_CODES } from '../emulator/src/host-error.ts';

// Channels: in-process, PC/SC (physical or virtual readers), the simulated NFC endpoint.
export type { ApduChannel } from '../harness/channel/apdu-channel.ts';
export { ChannelError } from '../harness/channel/apdu-channel.ts';
export { InProcessChannel } from '../harness/channel/in-process-channel.ts';
export { PcscChannel } from '../harness/pcsc/pcsc-channel.ts';
export { PinGuardChannel } from '../harness/pcsc/pin-guard.ts';
export { WsNfcChannel } from '../harness/nfc/ws-nfc-channel.ts';

// Transports: the NFC endpoint and the virtual PC/SC reader (vpcd protocol).
export { NfcServer, type NfcServerOptions } from '../harness/nfc/ws-server.ts';
export { CardHost, type CardHostOptions } from '../harness/transport/card-host.ts';

// Reference terminals: the IAS terminal (the "Entra con CIE" side) and the eMRTD inspection system.
export {
  changePinFlow,
  desktopEnrolmentPrePin,
  loginFlow,
  nisFlow,
  unblockPinFlow,
  type FlowOptions,
  type FlowReport,
  type LoginOptions,
  type LoginResult,
} from '../harness/terminals/ias/flows.ts';
export {
  inspect,
  type InspectionOptions,
  type InspectionResult,
} from '../harness/terminals/emrtd/inspection-system.ts';

// Traces: record at the card boundary or on a channel, read, write, diff.
export { attachRecorder } from '../traces/record/card-recorder.ts';
export { recordCardSession, recordChannelSession } from '../traces/record/record-session.ts';
export { parseTrace, readTraceFile } from '../traces/format/read.ts';
export { serializeTrace, TraceWriter } from '../traces/format/write.ts';
export { diffTraces } from '../traces/diff/diff.ts';
export type { Trace } from '../traces/format/schema.ts';

/**
 * A new emulated card of `spec` (registry grammar: `default`, a personality, `seed:<seed>`,
 * `<personality>:<seed>`, `iso-test`, `sm-test`, or a card image file). PIN/PUK state lives in
 * memory; open an image file with {@link openCieCard} to persist it.
 */
export function createCard(spec = 'default', runtime: CardRuntime = {}): EmulatedCard {
  return resolveCardSpec(spec).create(runtime);
}

/** The CIE whose TEST PIN, CAN and trust anchors a terminal run uses. */
function cieRecipeOf(spec: string): CardRecipe {
  const recipe = resolveCardSpec(spec);
  if (!recipe.image)
    throw new TypeError(`card '${spec}' is not a CIE: no TEST secrets or trust anchors`);
  return recipe;
}

function channelOf(target: EmulatedCard | ApduChannel): ApduChannel {
  return 'transmit' in target && 'powerOn' in target ? new InProcessChannel(target) : target;
}

/**
 * The IAS login of the "Entra con CIE" clients on a card or channel: DH key agreement, device
 * authentication, VERIFY PIN, certificate read and a signature with the holder key, each checked
 * against the test PKI. The PIN and trust anchors default to those of `options.card` (a registry
 * spec, default `default`); give `pin` for a card of your own.
 */
export function iasLogin(
  target: EmulatedCard | ApduChannel,
  options: Partial<LoginOptions> & { readonly card?: string } = {},
): Promise<FlowReport<LoginResult>> {
  const { card: spec = 'default', ...rest } = options;
  const recipe = cieRecipeOf(spec);
  return loginFlow(channelOf(target), {
    ...(recipe.trust ? { trust: recipe.trust } : {}),
    pin: recipe.secrets?.pin ?? '',
    ...rest,
  });
}

/**
 * The eMRTD inspection (PACE with the card's CAN, Chip Authentication, every data group, Passive
 * Authentication against the test CSCA) on a card or channel; `options.card` names the card for
 * its CAN and CSCA (default `default`). The CIE's PACE (DH, 256-byte keys) needs extended-length
 * APDUs: personalities whose EF.ATR denies them (NXP, ST) need
 * `createCard(spec, { options: { extendedLength: true } })`, as `ciebench emrtd read` does.
 */
export function inspectEmrtd(
  target: EmulatedCard | ApduChannel,
  options: Partial<InspectionOptions> & { readonly card?: string } = {},
): Promise<InspectionResult> {
  const { card: spec = 'default', ...rest } = options;
  const recipe = cieRecipeOf(spec);
  return inspect(channelOf(target), {
    access: { kind: 'pace', password: { kind: 'can', can: recipe.secrets?.can ?? '' } },
    ...(recipe.trust ? { cscas: recipe.trust.csca } : {}),
    ...rest,
  });
}

// The reference CIE identity provider (scenarios/idp/README.md).
export { startIdp, type RunningIdp, type StartIdpOptions } from './idp/server.ts';
export { checkSpMetadata, formatReport, type MetadataReport } from './idp/sp-registry/sp-rules.ts';
