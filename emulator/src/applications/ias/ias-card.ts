/**
 * What the IAS command handlers share: the application's keys and parameters (from the
 * personalisation), its persistent reference data and its volatile state.
 */
import type { RsaPrivateKey, RsaPublicKey } from '../../crypto/rsa.ts';
import type { SecretStore } from '../../state/secret-store.ts';
import type { DhGroup } from './dh.ts';
import type { IasOptions } from './ias-options.ts';
import type { IasState } from './ias-state.ts';

export interface IasKeyMaterial {
  /** Key 81 (holder). */
  readonly holder: RsaPrivateKey;
  /** Key 82 (ICC authentication, DAPP). */
  readonly iccAuth: RsaPrivateKey;
  /** Key 83 (servizi). */
  readonly servizi: RsaPrivateKey;
  /** Public key 84 (DAPP CA), with its huge public exponent (README.md §2.4). */
  readonly caPublic: RsaPublicKey;
}

export interface IasCard {
  readonly state: IasState;
  readonly keys: IasKeyMaterial;
  readonly dh: DhGroup;
  readonly caChr: Uint8Array;
  readonly caCha: Uint8Array;
  readonly snIccDapp: Uint8Array;
  readonly secrets: SecretStore;
  readonly options: IasOptions;
}
