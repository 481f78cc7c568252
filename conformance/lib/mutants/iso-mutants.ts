/**
 * Deliberately broken cards for the mutation check (a suite that cannot fail proves nothing): each variant breaks one
 * ISO/IEC 7816-4 or secure-messaging rule, built only by wrapping the card or overriding one
 * handler-table entry or option — the emulator's own code is untouched. A suite that passes on
 * the correct card and reports exactly the expected case ids on each variant is proven able to
 * fail where it should.
 */
import { responseApdu } from '../../../emulator/src/apdu/response-apdu.ts';
import {
  SW_6282_END_OF_FILE,
  SW_6987_SM_DATA_OBJECTS_MISSING,
  SW_6988_SM_DATA_OBJECTS_INCORRECT,
  SW_6700_WRONG_LENGTH,
  SW_6881_LOGICAL_CHANNEL_NOT_SUPPORTED,
  SW_6B00_WRONG_P1P2,
  SW_6D00_INS_NOT_SUPPORTED,
  SW_6E00_CLA_NOT_SUPPORTED,
  swFromResponse,
} from '../../../emulator/src/apdu/status-words.ts';
import type { CommandHandler, HandlerEntry } from '../../../emulator/src/card/application.ts';
import { CardError } from '../../../emulator/src/card/card-error.ts';
import type { EmulatedCard } from '../../../emulator/src/card/card.ts';
import type { CardOptions } from '../../../emulator/src/card/card-options.ts';
import type { Card } from '../../../emulator/src/card/card.ts';
import { CardWrapper } from './card-wrapper.ts';
import { isoTestFileSystemSpec } from '../../../emulator/src/profiles/iso-test-card.ts';
import { mseHandler } from '../../../emulator/src/iso7816/commands/mse.ts';
import {
  readBinaryHandler,
  readBinaryOddHandler,
} from '../../../emulator/src/iso7816/commands/read-binary.ts';
import { withSsc, type SmSession } from '../../../emulator/src/sm/sm-session.ts';
import { createSmTestCard, START_SM_APDU } from '../../../emulator/src/profiles/sm-test-card.ts';
import { smTestSession } from '../test-cards.ts';

export interface Mutant {
  readonly name: string;
  /** The rule it breaks, with the clause. */
  readonly breaks: string;
  create(): Card;
}

function smCard(
  o: {
    options?: Partial<CardOptions>;
    handlers?: ReadonlyMap<number, HandlerEntry>;
    session?: () => SmSession;
    rng?: { bytes(n: number): Uint8Array };
  } = {},
): EmulatedCard {
  return createSmTestCard({
    mfChildren: isoTestFileSystemSpec().children,
    session: o.session ?? smTestSession,
    ...(o.options ? { options: o.options } : {}),
    ...(o.handlers ? { extraHandlers: o.handlers } : {}),
    ...(o.rng ? { rng: o.rng } : {}),
  });
}

type KeepWhen = 'sm-error' | 'plain-command' | 'refused-before-sm' | 'reset';

/** Status words of the checks that come before SM processing (header, length, class, INS). */
const REFUSED_BEFORE_SM: readonly number[] = [
  SW_6700_WRONG_LENGTH,
  SW_6881_LOGICAL_CHANNEL_NOT_SUPPORTED,
  SW_6D00_INS_NOT_SUPPORTED,
  SW_6E00_CLA_NOT_SUPPORTED,
];

/**
 * Keeps the SM session where the card must end it: after an SM error (6987/6988), after a plain
 * command, after a command refused before SM processing (counter unchanged), or across a reset. The session is put back through the test card's hook with the
 * counter the terminal will use next (ISO/IEC 7816-4 §6; ICAO 9303-11 §9.8).
 */
class SessionKeepingCard extends CardWrapper {
  private readonly when: KeepWhen;
  private restore: SmSession | undefined;
  constructor(when: KeepWhen) {
    let self: SessionKeepingCard | undefined;
    super(smCard({ session: () => self?.restore ?? smTestSession() }));
    self = this;
    this.when = when;
  }
  private reinstall(session: SmSession): void {
    this.restore = session;
    this.inner.transmit(START_SM_APDU);
    this.restore = undefined;
  }
  override reset(): Uint8Array {
    const before = this.hooks.smSession();
    const atr = this.inner.reset();
    if (this.when === 'reset' && before) this.reinstall(before);
    return atr;
  }
  override transmit(command: Uint8Array): Uint8Array {
    const before = this.hooks.smSession();
    const out = this.inner.transmit(command);
    if (!before || this.hooks.smSession()) return out;
    const isProtected = ((command[0] ?? 0) & 0x0c) !== 0;
    const sw = out.length >= 2 ? swFromResponse(out) : 0;
    if (
      this.when === 'sm-error' &&
      isProtected &&
      (sw === SW_6987_SM_DATA_OBJECTS_MISSING || sw === SW_6988_SM_DATA_OBJECTS_INCORRECT)
    )
      this.reinstall(withSsc(before, before.ssc + 1n));
    if (this.when === 'plain-command' && !isProtected) this.reinstall(before);
    if (this.when === 'refused-before-sm' && REFUSED_BEFORE_SM.includes(sw) && out.length === 2)
      this.reinstall(before);
    return out;
  }
}

/** Rewrites one status word into another on the way out. */
class SwRewritingCard extends CardWrapper {
  private readonly from: number;
  private readonly to: number;
  constructor(inner: EmulatedCard, from: number, to: number) {
    super(inner);
    this.from = from;
    this.to = to;
  }
  override transmit(command: Uint8Array): Uint8Array {
    const out = this.inner.transmit(command);
    const n = out.length;
    if (n === 2 && (((out[0] as number) << 8) | (out[1] as number)) === this.from)
      return Uint8Array.of(this.to >> 8, this.to & 0xff);
    return out;
  }
}

/** READ BINARY that answers 6282 without data where ISO requires 6B00 (offset beyond the end). */
function no6B00(h: CommandHandler): HandlerEntry {
  return {
    handle: (ctx, apdu) => {
      try {
        return h(ctx, apdu);
      } catch (e) {
        if (e instanceof CardError && e.sw === SW_6B00_WRONG_P1P2)
          return responseApdu(SW_6282_END_OF_FILE);
        throw e;
      }
    },
  };
}

export const ISO_MUTANTS: readonly Mutant[] = [
  {
    name: 'eof-9000',
    breaks: 'declared EOF status 6282 (ICS) answered 9000 (ISO/IEC 7816-4 §5.6 Table 5)',
    create: () => smCard({ options: { readBeyondEof: '9000', readBeyondEofOdd: '9000' } }),
  },
  {
    name: 'ne-truncate',
    breaks:
      'Ne too small answered by truncation instead of the declared 6Cxx (ISO/IEC 7816-4 §5.3.4)',
    create: () => smCard({ options: { neTooSmall: 'truncate' } }),
  },
  {
    name: 'chaining-refused',
    breaks:
      'command chaining refused (6884) on the command the ICS declares chainable (ISO/IEC 7816-4 §5.3.3)',
    create: () =>
      smCard({ handlers: new Map([[0x22, { handle: mseHandler, chaining: 'refuse' }]]) }),
  },
  {
    name: 'offset-beyond-eof-6282',
    breaks: 'offset beyond the end answered 6282 instead of 6B00 (ISO/IEC 7816-4 §7.2.3)',
    create: () =>
      smCard({
        handlers: new Map([
          [0xb0, no6B00(readBinaryHandler)],
          [0xb1, no6B00(readBinaryOddHandler)],
        ]),
      }),
  },
  {
    name: 'ins-6e00',
    breaks: 'unsupported INS answered 6E00 instead of 6D00 (ISO/IEC 7816-4 §5.6 Table 6)',
    create: () =>
      new SwRewritingCard(smCard(), SW_6D00_INS_NOT_SUPPORTED, SW_6E00_CLA_NOT_SUPPORTED),
  },
  {
    name: 'constant-challenge',
    breaks: 'GET CHALLENGE returns the same value every time (ISO/IEC 7816-4 §7.5.3)',
    create: () => smCard({ rng: { bytes: (n) => new Uint8Array(n).fill(0x42) } }),
  },
  {
    name: 'sm-kept-after-error',
    breaks: 'SM session not destroyed after an SM error (ISO/IEC 7816-4 §6; ICAO Part 3 C_13)',
    create: () => new SessionKeepingCard('sm-error'),
  },
  {
    name: 'sm-kept-after-plain',
    breaks: 'SM session survives a plain command (ICAO 9303-11 §9.8; ICAO Part 3 C_16)',
    create: () => new SessionKeepingCard('plain-command'),
  },
  {
    name: 'sm-kept-after-refusal',
    breaks:
      'SM session survives a command refused before SM processing (ICAO 9303-11 §9.8: abort on an SM error or a plain APDU)',
    create: () => new SessionKeepingCard('refused-before-sm'),
  },
  {
    name: 'sm-kept-after-reset',
    breaks: 'SM session survives a warm reset (session keys are volatile)',
    create: () => new SessionKeepingCard('reset'),
  },
];
