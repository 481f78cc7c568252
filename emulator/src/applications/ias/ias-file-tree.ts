/**
 * The IAS part of the CIE file tree (README.md §2.1–2.2), as declarative specs:
 *
 * ```
 * MF = IAS root (DF name A0 00 00 00 30 80 00 00 00 09 81 60 01)
 * ├── EF D003          EF.SN.ICC                       read: always
 * ├── EF D004  SFI 1B  EF.DH                           read: always
 * └── DF_CIE  (DF name A0 00 00 00 00 39)
 *     ├── EF 1001  SFI 01  EF.ID_Servizi (NIS)         read: always
 *     ├── EF 1002          EF.Seriale                  read: DAPP + PIN (or DAPP, profile option)
 *     ├── EF 1003          EF.Cert_CIE                 read: DAPP + PIN (or DAPP)
 *     ├── EF 1004  SFI 04  EF.Int.Kpub (key 82)        read: always
 *     ├── EF 1005  SFI 05  EF.Servizi_Int.Kpub (key 83) read: always
 *     └── EF 1006  SFI 06  EF.SOD                      read: always
 * ```
 * EF.ATR (2F01) is per personality and added by the card composer. SFIs of D003, 1002 and 1003
 * are not published (§12 item 5) and are left out; EF.1000 and EF.1007 are unknown and absent.
 */
import type { AccessCondition } from '../../iso7816/access.ts';
import type { DfSpec, EfSpec } from '../../iso7816/fs/file-spec.ts';
import type { IasFiles } from '../../personalise/ias/ias-files.ts';
import {
  DF_CIE_AID,
  FID_1001_EF_ID_SERVIZI,
  FID_1002_EF_SERIALE,
  FID_1003_EF_CERT_CIE,
  FID_1004_EF_INT_KPUB,
  FID_1005_EF_SERVIZI_INT_KPUB,
  FID_1006_EF_SOD,
  FID_D003_EF_SN_ICC,
  FID_D004_EF_DH,
  SFI_01_EF_ID_SERVIZI,
  SFI_04_EF_INT_KPUB,
  SFI_05_EF_SERVIZI_INT_KPUB,
  SFI_06_EF_SOD,
  SFI_1B_EF_DH,
} from './ias-constants.ts';
import type { IasOptions } from './ias-options.ts';
import { FLAG_DAPP, FLAG_PIN } from './ias-state.ts';

export function protectedReadCondition(options: IasOptions): AccessCondition {
  return {
    allOf: options.protectedFileAccess === 'dapp+pin' ? [FLAG_DAPP, FLAG_PIN] : [FLAG_DAPP],
  };
}

/** MF-level IAS files and DF_CIE; `application` is the id the DF_CIE commands run under. */
export function iasFileTree(
  files: IasFiles,
  options: IasOptions,
  application: string,
): (DfSpec | EfSpec)[] {
  const guarded = { read: protectedReadCondition(options), update: 'never' as const };
  return [
    { kind: 'EF', fid: FID_D003_EF_SN_ICC, name: 'EF.SN.ICC', content: files.snIcc },
    { kind: 'EF', fid: FID_D004_EF_DH, sfi: SFI_1B_EF_DH, name: 'EF.DH', content: files.efDh },
    {
      kind: 'DF',
      dfName: DF_CIE_AID,
      name: 'DF_CIE',
      application,
      children: [
        {
          kind: 'EF',
          fid: FID_1001_EF_ID_SERVIZI,
          sfi: SFI_01_EF_ID_SERVIZI,
          name: 'EF.ID_Servizi',
          content: files.idServizi,
        },
        {
          kind: 'EF',
          fid: FID_1002_EF_SERIALE,
          name: 'EF.Seriale',
          content: files.seriale,
          access: guarded,
        },
        {
          kind: 'EF',
          fid: FID_1003_EF_CERT_CIE,
          name: 'EF.Cert_CIE',
          content: files.certCie,
          access: guarded,
        },
        {
          kind: 'EF',
          fid: FID_1004_EF_INT_KPUB,
          sfi: SFI_04_EF_INT_KPUB,
          name: 'EF.Int.Kpub',
          content: files.intKpub,
        },
        {
          kind: 'EF',
          fid: FID_1005_EF_SERVIZI_INT_KPUB,
          sfi: SFI_05_EF_SERVIZI_INT_KPUB,
          name: 'EF.Servizi_Int.Kpub',
          content: files.serviziKpub,
        },
        {
          kind: 'EF',
          fid: FID_1006_EF_SOD,
          sfi: SFI_06_EF_SOD,
          name: 'EF.SOD',
          content: files.sod,
        },
      ],
    },
  ];
}
