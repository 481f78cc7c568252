/**
 * The app's profile directory — what the phone keeps after "Registra la tua carta", one file per
 * card keyed by NIS (EF.ID_Servizi), as the iOS app keeps one keychain entry per NIS
 * (italia/cieid-ios-sdk `KeychainHelper` via `CIETagReader.abbina`: NIS, certificate, given name,
 * surname, the first half of the PIN):
 *
 * ```
 * <profile>/
 *   keystore.key             32 random bytes, mode 0600: the phone's keystore (AES-256 key)
 *   cards/<NIS>.json         registration: certificate, names, serial, encrypted PIN half, status
 *   sdk/<app>/<id>.json      integrated-SDK mode: a full PIN the user chose to remember (encrypted)
 * ```
 * PIN digits are encrypted at rest with AES-256-GCM (NIST SP 800-38D), a fresh 96-bit IV per
 * write and the record's identity as additional authenticated data, so a ciphertext copied into
 * another card's file does not decrypt. The key file models the phone's hardware keystore: whoever
 * reads the profile directory and the key file reads the digits (this is a test tool; the digits
 * are TEST PINs of synthetic cards). Every file read is validated with zod; writes are atomic
 * (temporary file + rename).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { HostError } from '../../emulator/src/host-error.ts';
import { join } from 'node:path';
import { z } from 'zod';
import { diskProfileFiles, type ProfileFiles } from './profile-files.ts';

/** A profile file or key the app cannot use (bad input: the user's files). */
export class ProfileError extends HostError {
  readonly code: 'APP_PROFILE_INVALID' | 'APP_PROFILE_KEY';
  constructor(code: ProfileError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

const hex = z.string().regex(/^([0-9A-F]{2})+$/);
const sealedSchema = z.object({ iv: hex, tag: hex, data: hex }).strict();
type Sealed = z.infer<typeof sealedSchema>;

/**
 * `ok`: the stored half matched the card last time it was used. `suspect`: a VERIFY with it was
 * refused (the PIN may have been changed elsewhere). `uncertain`: the card left the phone while a
 * PIN change was in flight, so which half is on the card is unknown.
 */
export const PIN_HALF_STATUSES = ['ok', 'suspect', 'uncertain'] as const;
export type PinHalfStatus = (typeof PIN_HALF_STATUSES)[number];

export const registrationSchema = z
  .object({
    format: z.literal('ciebench-app-registration'),
    version: z.literal(1),
    nis: z.string().regex(/^\d{12}$/),
    serial: z.string().regex(/^C[A-Z]\d{5}[A-Z]{2}$/),
    givenName: z.string().min(1),
    surname: z.string().min(1),
    fiscalCode: z.string().optional(),
    certificate: hex,
    registeredAt: z.string().datetime(),
    pinHalf: sealedSchema,
    pinHalfStatus: z.enum(PIN_HALF_STATUSES),
  })
  .strict();

export type StoredRegistration = z.infer<typeof registrationSchema>;

/** A registration as the app uses it (the PIN half decrypted on demand only). */
export type Registration = Omit<StoredRegistration, 'format' | 'version' | 'pinHalf'>;

const rememberedSchema = z
  .object({
    format: z.literal('ciebench-app-remembered-pin'),
    version: z.literal(1),
    app: z.string().regex(/^[a-z0-9-]{1,40}$/),
    id: z.string().regex(/^[A-Z0-9]{1,32}$/),
    pin: sealedSchema,
    storedAt: z.string().datetime(),
  })
  .strict();

export class ProfileStore {
  readonly dir: string;
  private readonly files: ProfileFiles;
  private key: Buffer | undefined;

  /** A profile in folder `dir` on disk, or in the given files (e.g. in memory). */
  constructor(dir: string, files: ProfileFiles = diskProfileFiles(dir)) {
    this.dir = dir;
    this.files = files;
  }

  private readJson(path: string): unknown {
    try {
      return JSON.parse(this.files.read(path));
    } catch (e) {
      throw new ProfileError('APP_PROFILE_INVALID', `${path}: ${(e as Error).message}`);
    }
  }

  private keyBytes(): Buffer {
    if (this.key) return this.key;
    const path = join(this.dir, 'keystore.key');
    const key = this.files.keystore(path);
    if (key.length !== 32)
      throw new ProfileError('APP_PROFILE_KEY', `${path} must hold 32 bytes (found ${key.length})`);
    this.key = key;
    return key;
  }

  private seal(plain: string, aad: string): Sealed {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.keyBytes(), iv);
    c.setAAD(Buffer.from(aad));
    const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    const up = (b: Buffer): string => b.toString('hex').toUpperCase();
    return { iv: up(iv), tag: up(c.getAuthTag()), data: up(data) };
  }

  private open(s: Sealed, aad: string, what: string): string {
    try {
      const d = createDecipheriv('aes-256-gcm', this.keyBytes(), Buffer.from(s.iv, 'hex'));
      d.setAAD(Buffer.from(aad));
      d.setAuthTag(Buffer.from(s.tag, 'hex'));
      return Buffer.concat([d.update(Buffer.from(s.data, 'hex')), d.final()]).toString('utf8');
    } catch {
      throw new ProfileError(
        'APP_PROFILE_KEY',
        `${what}: the encrypted digits do not open with ${join(this.dir, 'keystore.key')} (another phone's key, or a tampered file)`,
      );
    }
  }

  private cardPath(nis: string): string {
    if (!/^\d{12}$/.test(nis)) throw new ProfileError('APP_PROFILE_INVALID', `bad NIS ${nis}`);
    return join(this.dir, 'cards', `${nis}.json`);
  }

  private readStored(nis: string): StoredRegistration | undefined {
    const path = this.cardPath(nis);
    if (!this.files.exists(path)) return undefined;
    const parsed = registrationSchema.safeParse(this.readJson(path));
    if (!parsed.success)
      throw new ProfileError(
        'APP_PROFILE_INVALID',
        `${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    if (parsed.data.nis !== nis)
      throw new ProfileError('APP_PROFILE_INVALID', `${path} holds NIS ${parsed.data.nis}`);
    return parsed.data;
  }

  get(nis: string): Registration | undefined {
    const s = this.readStored(nis);
    if (!s) return undefined;
    const { format: _f, version: _v, pinHalf: _p, ...rest } = s;
    return rest;
  }

  /** The stored first 4 PIN digits of a registered card. */
  pinHalf(nis: string): string {
    const s = this.readStored(nis);
    if (!s) throw new ProfileError('APP_PROFILE_INVALID', `card ${nis} is not registered`);
    return this.open(s.pinHalf, `registration|${nis}`, `card ${nis}`);
  }

  /** Creates or replaces the registration of `r.nis` with the PIN half `firstFour`. */
  put(r: Registration, firstFour: string): void {
    const stored: StoredRegistration = registrationSchema.parse({
      format: 'ciebench-app-registration',
      version: 1,
      ...r,
      pinHalf: this.seal(firstFour, `registration|${r.nis}`),
    });
    this.files.write(this.cardPath(r.nis), `${JSON.stringify(stored, null, 2)}\n`);
  }

  /** Marks the stored half (after a refused VERIFY, or a PIN change cut short). */
  setPinHalfStatus(nis: string, status: PinHalfStatus): void {
    const s = this.readStored(nis);
    if (!s) return;
    this.files.write(
      this.cardPath(nis),
      `${JSON.stringify({ ...s, pinHalfStatus: status }, null, 2)}\n`,
    );
  }

  list(): Registration[] {
    return this.files
      .list(join(this.dir, 'cards'))
      .filter((f) => /^\d{12}\.json$/.test(f))
      .sort()
      .map((f) => this.get(f.slice(0, 12)) as Registration);
  }

  /** Deletes a registration; true when there was one. */
  remove(nis: string): boolean {
    const path = this.cardPath(nis);
    if (!this.files.exists(path)) return false;
    this.files.remove(path);
    return true;
  }

  private rememberedPath(app: string, id: string): string {
    const parsed = rememberedSchema.pick({ app: true, id: true }).safeParse({ app, id });
    if (!parsed.success)
      throw new ProfileError('APP_PROFILE_INVALID', `bad SP app name or user id: ${app}/${id}`);
    return join(this.dir, 'sdk', app, `${id}.json`);
  }

  /** Integrated-SDK mode: the full PIN the user asked the SP's app to remember. */
  rememberPin(app: string, id: string, pin: string, at: Date): void {
    const path = this.rememberedPath(app, id);
    const record = rememberedSchema.parse({
      format: 'ciebench-app-remembered-pin',
      version: 1,
      app,
      id,
      pin: this.seal(pin, `remembered|${app}|${id}`),
      storedAt: at.toISOString(),
    });
    this.files.write(path, `${JSON.stringify(record, null, 2)}\n`);
  }

  rememberedPin(app: string, id: string): string | undefined {
    const path = this.rememberedPath(app, id);
    if (!this.files.exists(path)) return undefined;
    const parsed = rememberedSchema.safeParse(this.readJson(path));
    if (!parsed.success) throw new ProfileError('APP_PROFILE_INVALID', `${path}: invalid record`);
    return this.open(parsed.data.pin, `remembered|${app}|${id}`, path);
  }

  forgetPin(app: string, id: string): boolean {
    const path = this.rememberedPath(app, id);
    if (!this.files.exists(path)) return false;
    this.files.remove(path);
    return true;
  }
}
