/**
 * The IAS-ECC application of the CIE 3.0 (README.md), as a command table built by spreading the
 * generic ISO table and overriding entries (DESIGN.md rule 2):
 *
 * | INS | command                     | why overridden / added                                   |
 * |-----|-----------------------------|----------------------------------------------------------|
 * | A4  | SELECT                      | IAS AID → IAS root, or `6A82` on personalities that refuse it (§12 item 9) |
 * | CB  | GET DATA (odd)              | DH parameters, CA key, card DH public (§2.4)             |
 * | 22  | MSE                         | KAT / DST / AT with IAS key references (§3); other P1P2 go to an MF extension (PACE) |
 * | 2A  | PSO VERIFY CERTIFICATE      | DAPP terminal certificate (§5.3)                         |
 * | 82  | EXTERNAL AUTHENTICATE       | DAPP (§5.3)                                              |
 * | 88  | INTERNAL AUTHENTICATE       | DAPP key 82, signature keys 81/83 (§5.3, §7)             |
 * | 20  | VERIFY                      | PIN 81 / PUK 82 (§6)                                     |
 * | 24  | CHANGE REFERENCE DATA       | PIN change (§5.5)                                        |
 * | 2C  | RESET RETRY COUNTER         | unblock with PUK (§5.5)                                  |
 * | B0, B1, B2, 84, C0 | ISO          | unchanged; file access conditions use the IAS flags      |
 *
 * The DAPP state is bound to the SM session through the pipeline's session event
 * ({@link IasState.sessionChanged}); the handlers run no session bookkeeping of their own. The
 * application is also the MF's: the IAS root is the MF (§2.2: D003 and D004 are
 * selected both after SELECT IAS AID and after `00 A4 00 00`).
 */
import {
  INS_20_VERIFY,
  INS_22_MSE,
  INS_24_CHANGE_REFERENCE_DATA,
  INS_2A_PSO,
  INS_2C_RESET_RETRY_COUNTER,
  INS_82_EXTERNAL_AUTHENTICATE,
  INS_88_INTERNAL_AUTHENTICATE,
  INS_A4_SELECT,
  INS_CB_GET_DATA_ODD,
} from '../../apdu/ins.ts';
import { SW_6A82_FILE_NOT_FOUND } from '../../apdu/status-words.ts';
import type { Application, CommandHandler, HandlerEntry } from '../../card/application.ts';
import { CardError } from '../../card/card-error.ts';
import { equalBytes } from '../../bytes/bytes.ts';
import { selectHandler } from '../../iso7816/commands/select.ts';
import { ISO_HANDLERS } from '../../iso7816/iso-application.ts';
import {
  externalAuthenticateHandler,
  internalAuthenticateHandler,
  psoHandler,
} from './authentication.ts';
import { getDataHandler } from './get-data.ts';
import { IAS_AID } from './ias-constants.ts';
import type { IasCard } from './ias-card.ts';
import { iasMseHandler } from './mse.ts';
import {
  changeReferenceDataHandler,
  resetRetryCounterHandler,
  verifyHandler,
} from './reference-data.ts';

export const IAS_APPLICATION_ID = 'ias';

function iasSelect(ias: IasCard): CommandHandler {
  return (ctx, apdu) => {
    if (
      apdu.p1 === 0x04 &&
      equalBytes(apdu.data, IAS_AID) &&
      ias.options.iasAidSelect === 'not-found'
    ) {
      throw new CardError(
        SW_6A82_FILE_NOT_FOUND,
        'this personality does not answer to the IAS AID (README.md §12 item 9)',
      );
    }
    return selectHandler(ctx, apdu);
  };
}

export interface IasApplicationOptions {
  readonly id?: string;
}

export function createIasApplication(
  ias: IasCard,
  options: IasApplicationOptions = {},
): Application {
  const table = new Map<number, HandlerEntry>(ISO_HANDLERS);
  const own: [number, HandlerEntry][] = [
    [INS_A4_SELECT, { handle: iasSelect(ias) }],
    [INS_CB_GET_DATA_ODD, { handle: getDataHandler(ias), chaining: 'accumulate' }],
    [INS_22_MSE, { handle: iasMseHandler(ias), chaining: 'accumulate' }],
    [INS_2A_PSO, { handle: psoHandler(ias), chaining: 'accumulate' }],
    [
      INS_82_EXTERNAL_AUTHENTICATE,
      { handle: externalAuthenticateHandler(ias), chaining: 'accumulate' },
    ],
    [
      INS_88_INTERNAL_AUTHENTICATE,
      { handle: internalAuthenticateHandler(ias), chaining: 'accumulate' },
    ],
    [INS_20_VERIFY, { handle: verifyHandler(ias) }],
    [INS_24_CHANGE_REFERENCE_DATA, { handle: changeReferenceDataHandler(ias) }],
    [INS_2C_RESET_RETRY_COUNTER, { handle: resetRetryCounterHandler(ias) }],
  ];
  for (const [ins, entry] of own) table.set(ins, entry);
  return {
    id: options.id ?? IAS_APPLICATION_ID,
    handlers: table,
    powerReset: () => ias.state.reset(),
    smSessionChanged: (event) => ias.state.sessionChanged(event),
  };
}
