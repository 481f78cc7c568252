/** Host-side errors about card image files, with stable codes (the messages say what to do). */
import { HostError, type FailureKind } from '../host-error.ts';

export type CardImageErrorCode =
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_UNREADABLE'
  | 'IMAGE_NOT_A_FILE'
  | 'IMAGE_TOO_LARGE'
  | 'IMAGE_CORRUPT'
  | 'IMAGE_NOT_A_CARD'
  | 'IMAGE_VERSION'
  | 'IMAGE_INVALID'
  | 'IMAGE_EXISTS'
  | 'IMAGE_READ_ONLY'
  | 'IMAGE_IN_USE'
  | 'IMAGE_WRITE_FAILED';

export class CardImageError extends HostError {
  readonly code: CardImageErrorCode;
  constructor(code: CardImageErrorCode, message: string) {
    super(message);
    this.code = code;
  }

  /** Bad input, except an image another running card holds: stop that card first. */
  override get kind(): FailureKind {
    return this.code === 'IMAGE_IN_USE' ? 'environment' : 'input';
  }
}
