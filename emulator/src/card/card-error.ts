/**
 * The one exception type handlers throw (DESIGN.md rule 4). Only the pipeline in
 * `card-os.ts` turns it into a response; `reason` is for traces and test messages, never sent.
 */
import { describeSw, type StatusWord } from '../apdu/status-words.ts';

export class CardError extends Error {
  readonly sw: StatusWord;
  constructor(sw: StatusWord, reason?: string) {
    super(reason ?? describeSw(sw).text);
    this.sw = sw;
  }
}
