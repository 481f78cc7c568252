/**
 * Deliberately broken CIE cards for the mutation check. Each variant is the
 * default composite CIE with one rule broken — by a different option, a different personalisation
 * datum, a wrapped secret store, one handler-table entry replaced, or a wrapper around the card —
 * never by editing the emulator. The conformance test asserts the exact case ids each one fails.
 */
import type {
  Application,
  CommandHandler,
  HandlerEntry,
} from '../../../emulator/src/card/application.ts';
import type { CardOptions } from '../../../emulator/src/card/card-options.ts';
import { mutationHooks } from '../../../emulator/src/card/card-os.ts';
import type { EmulatedCard } from '../../../emulator/src/card/card.ts';
import type { Card } from '../../../emulator/src/card/card.ts';
import type { DfSpec, EfSpec } from '../../../emulator/src/iso7816/fs/file-spec.ts';
import type { IasOptions } from '../../../emulator/src/applications/ias/ias-options.ts';
import { FLAG_PIN } from '../../../emulator/src/applications/ias/ias-state.ts';
import { createCieCard } from '../../../emulator/src/profiles/cie-card.ts';
import { iasPersonalisationFromImage } from '../../../emulator/src/state/image-convert.ts';
import type { CardImage } from '../../../emulator/src/state/card-image.ts';
import {
  MemorySecretStore,
  type SecretsState,
  type SecretStore,
} from '../../../emulator/src/state/secret-store.ts';
import { withSsc, type SmSession } from '../../../emulator/src/sm/sm-session.ts';
import type { CardModule } from '../../../emulator/src/card/card-module.ts';
import {
  createEmrtdModule,
  type EmrtdModuleOptions,
} from '../../../emulator/src/applications/emrtd/emrtd-module.ts';
import { emrtdPersonalisationFromImage as emrtdPersonalisation } from '../../../emulator/src/applications/emrtd/emrtd-image.ts';
import { CardWrapper } from '../../lib/mutants/card-wrapper.ts';
import {
  SW_6987_SM_DATA_OBJECTS_MISSING,
  SW_6988_SM_DATA_OBJECTS_INCORRECT,
  swFromResponse,
} from '../../../emulator/src/apdu/status-words.ts';

export interface CieMutant {
  readonly name: string;
  readonly breaks: string;
  create(image: CardImage): Card;
}

export interface CieVariant {
  readonly options?: Partial<CardOptions>;
  readonly iasOptions?: Partial<IasOptions>;
  readonly emrtdOptions?: EmrtdModuleOptions;
  readonly secrets?: (s: SecretsState) => SecretStore;
  readonly emrtd?: (m: CardModule) => CardModule;
  readonly image?: (i: CardImage) => CardImage;
}

/** The default composite CIE over `image` with the variant's changes (mutants, regression tests). */
export function buildCieVariant(image: CardImage, v: CieVariant = {}): EmulatedCard {
  const img = v.image ? v.image(image) : image;
  const emrtd: CardModule = createEmrtdModule(emrtdPersonalisation(image), v.emrtdOptions);
  return createCieCard({
    personalisation: iasPersonalisationFromImage(img),
    profile: img.profile,
    secrets: v.secrets ? v.secrets(img.state) : new MemorySecretStore(img.state),
    extraModules: [v.emrtd ? v.emrtd(emrtd) : emrtd],
    ...(v.options ? { options: v.options } : {}),
    ...(v.iasOptions ? { iasOptions: v.iasOptions } : {}),
  }).card;
}

/** A store that writes everything except a lower retry counter: wrong presentations cost nothing. */
class NoDecrementStore extends MemorySecretStore {
  override write(next: SecretsState): void {
    const cur = this.read();
    const keep = (name: 'pin' | 'puk') =>
      next[name].remaining < cur[name].remaining
        ? { ...next[name], remaining: cur[name].remaining, blocked: false }
        : next[name];
    super.write({ pin: keep('pin'), puk: keep('puk') });
  }
}

/** Replaces one entry of an application's command table (the table-override pattern, DESIGN.md rule 2). */
function override(
  card: EmulatedCard,
  appId: string,
  ins: number,
  wrap: (h: CommandHandler) => CommandHandler,
): EmulatedCard {
  mutationHooks(card).overrideHandler(appId, ins, wrap);
  return card;
}

/** Every EF under the eMRTD DF readable without access control. */
function openFiles(m: CardModule): CardModule {
  const open = (n: DfSpec | EfSpec): DfSpec | EfSpec =>
    n.kind === 'DF'
      ? { ...n, children: n.children.map(open) }
      : { ...n, access: { read: 'always' } };
  return { ...m, mfChildren: m.mfChildren.map((c) => (c.kind === 'DF' ? open(c) : c)) };
}

/** DG3 (0103) readable with the same condition as DG1 (no Terminal Authentication needed). */
function dg3LikeDg1(m: CardModule): CardModule {
  const fix = (n: DfSpec | EfSpec): DfSpec | EfSpec => {
    if (n.kind !== 'DF') return n;
    const dg1 = n.children.find((c) => c.kind !== 'DF' && c.fid === 0x0101);
    return {
      ...n,
      children: n.children.map((c) =>
        c.kind !== 'DF' && c.fid === 0x0103 && dg1?.kind !== 'DF' && dg1
          ? { ...c, access: dg1.access ?? {} }
          : fix(c),
      ),
    };
  };
  return { ...m, mfChildren: m.mfChildren.map(fix) };
}

/** Keeps the SM session after an SM error (6987/6988), with the counter the terminal uses next. */
class SessionKeepingCie extends CardWrapper {
  override transmit(command: Uint8Array): Uint8Array {
    const before = this.hooks.smSession();
    const out = this.inner.transmit(command);
    const sw = out.length >= 2 ? swFromResponse(out) : 0;
    if (
      before &&
      !this.hooks.smSession() &&
      ((command[0] ?? 0) & 0x0c) !== 0 &&
      (sw === SW_6987_SM_DATA_OBJECTS_MISSING || sw === SW_6988_SM_DATA_OBJECTS_INCORRECT)
    )
      this.hooks.setSmSession(withSsc(before, before.ssc + 1n));
    return out;
  }
}

export const CIE_MUTANTS: readonly CieMutant[] = [
  {
    name: 'pin-counter-not-decremented',
    breaks: 'a wrong PIN/PUK does not decrement the retry counter (ias/README.md §6)',
    create: (i) => buildCieVariant(i, { secrets: (s) => new NoDecrementStore(s) }),
  },
  {
    name: 'sm-kept-after-mac-error',
    breaks: 'the SM session survives a MAC error (ISO/IEC 7816-4 §6; ICAO Part 3 C_13)',
    create: (i) => new SessionKeepingCie(buildCieVariant(i)),
  },
  {
    name: 'eof-6282',
    breaks:
      'READ BINARY (B0) at EOF answers 6282 where the ICS declares 9000 (real traces; ICAO Part 3 ISO7816_E_4)',
    create: (i) => buildCieVariant(i, { options: { readBeyondEof: '6282' } }),
  },
  {
    name: 'odd-eof-9000',
    breaks:
      'odd READ BINARY (B1) at EOF answers 9000 where the ICS declares 6282 (the real last EF.SOD chunk)',
    create: (i) => buildCieVariant(i, { options: { readBeyondEofOdd: '9000' } }),
  },
  {
    name: 'dg-readable-without-pace',
    breaks: 'data groups readable without BAC/PACE (emrtd/README.md §1.6)',
    create: (i) => buildCieVariant(i, { emrtd: openFiles }),
  },
  {
    name: 'dg3-without-ta',
    breaks: 'DG3 readable without Terminal Authentication (emrtd/README.md §1.6, §2.7)',
    create: (i) => buildCieVariant(i, { emrtd: dg3LikeDg1 }),
  },
  {
    name: 'getdata-template-refused',
    breaks:
      'the single-request DH template GET DATA is refused (ias/README.md §1.3: both forms on every personality)',
    create: (i) => buildCieVariant(i, { iasOptions: { getDataTemplate: false } }),
  },
  {
    name: 'outer-sw-mirror',
    breaks:
      'protected error statuses mirrored in the outer SW instead of the declared 9000 policy (ias/README.md §4.3)',
    create: (i) => buildCieVariant(i, { options: { smOuterSw: 'mirror' } }),
  },
  {
    name: 'read-cap-256',
    breaks:
      'READ BINARY returns up to 256 bytes instead of the declared 231 (ias/README.md §2.2 notes)',
    create: (i) => buildCieVariant(i, { options: { readBinaryMax: 256 } }),
  },
  {
    name: 'nis-mismatch',
    breaks: 'EF.ID_Servizi differs from the BCD digits of EF.SN.ICC (ias/README.md §2.2 notes)',
    create: (i) =>
      buildCieVariant(i, {
        image: (img) => ({
          ...img,
          citizen: { ...img.citizen },
          ias: {
            ...img.ias,
            files: {
              ...img.ias.files,
              idServizi:
                img.ias.files.idServizi.slice(0, -2) +
                (img.ias.files.idServizi.endsWith('30') ? '31' : '30'),
            },
          },
        }),
      }),
  },
  {
    name: 'challenge-reusable',
    breaks: 'the DAPP challenge can be used twice (ias/README.md §10)',
    create: (i) =>
      override(buildCieVariant(i), 'ias', 0x82, (h) => (ctx, apdu) => {
        const c = ctx.challenge;
        try {
          return h(ctx, apdu);
        } finally {
          ctx.challenge = c;
        }
      }),
  },
  {
    name: 'pin-granted-by-internal-authenticate',
    breaks:
      'INTERNAL AUTHENTICATE (also the DAPP one) sets the PIN status: key 81 signs and EF 1002 opens without VERIFY (ias/README.md §7, §10)',
    create: (i) =>
      override(buildCieVariant(i), 'ias', 0x88, (h) => (ctx, apdu) => {
        ctx.security.grant(FLAG_PIN, 'sm-session');
        return h(ctx, apdu);
      }),
  },
];
