/**
 * Identifiers of the CIE 3.0 IAS-ECC ("authentication") application, with the clause of
 * README.md that gives each value.
 */
import { fromHex } from '../../bytes/hex.ts';

/** §2.1: IAS-ECC application ("gemaltoAID"); on the card it names the IAS root = the MF. */
export const IAS_AID = fromHex('A0 00 00 00 30 80 00 00 00 09 81 60 01');
/** §2.1: DF_CIE. */
export const DF_CIE_AID = fromHex('A0 00 00 00 00 39');

/** §2.2 file table. */
export const FID_2F01_EF_ATR = 0x2f01;
export const SFI_1D_EF_ATR = 0x1d;
export const FID_D003_EF_SN_ICC = 0xd003;
export const FID_D004_EF_DH = 0xd004;
export const SFI_1B_EF_DH = 0x1b;
export const FID_1001_EF_ID_SERVIZI = 0x1001;
export const SFI_01_EF_ID_SERVIZI = 0x01;
export const FID_1002_EF_SERIALE = 0x1002;
export const FID_1003_EF_CERT_CIE = 0x1003;
export const FID_1004_EF_INT_KPUB = 0x1004;
export const SFI_04_EF_INT_KPUB = 0x04;
export const FID_1005_EF_SERVIZI_INT_KPUB = 0x1005;
export const SFI_05_EF_SERVIZI_INT_KPUB = 0x05;
export const FID_1006_EF_SOD = 0x1006;
export const SFI_06_EF_SOD = 0x06;

/** §2.3 key and reference-data references. */
export const REF_81_PIN = 0x81;
export const REF_82_PUK = 0x82;
export const KEY_81_DH = 0x81;
export const KEY_84_CA_PUBLIC = 0x84;
export const KEY_82_ICC_AUTH = 0x82;
export const KEY_83_SERVIZI = 0x83;
export const KEY_81_HOLDER = 0x81;

/** §2.3 algorithm identifiers used in MSE (DO 80). */
export const ALG_9B_DH_SHA256 = 0x9b;
export const ALG_41_ISO9796_SHA256 = 0x41;
export const ALG_02_RSA_PKCS1 = 0x02;

/** §2.4 GET DATA objects. */
export const TAG_4D_EXTENDED_HEADER_LIST = 0x4d;
export const TAG_70_TEMPLATE = 0x70;
export const TAG_BFA101_SDO_DH = 0xbfa101;
export const TAG_BFA004_SDO_CA_PUBLIC = 0xbfa004;
export const TAG_A3_DH_PARAMETERS = 0xa3;
export const TAG_97_DH_G = 0x97;
export const TAG_98_DH_P = 0x98;
export const TAG_99_DH_Q = 0x99;
export const TAG_7F49_PUBLIC_KEY = 0x7f49;
export const TAG_81_MODULUS = 0x81;
export const TAG_82_EXPONENT = 0x82;
export const TAG_5F20_CHR = 0x5f20;
export const TAG_5F4C_CHA = 0x5f4c;
export const TAG_A6_KAT = 0xa6;
export const TAG_91_EPHEMERAL_KEY = 0x91;
/** P1P2 of every GET DATA: current DF (§2.4). */
export const GET_DATA_P1P2_3FFF = 0x3fff;

/** MSE data objects (§3 rows 10–24). */
export const DO_80_ALGORITHM = 0x80;
export const DO_83_KEY_REFERENCE = 0x83;
export const DO_84_PRIVATE_KEY_REFERENCE = 0x84;
export const DO_91_EPHEMERAL_PUBLIC = 0x91;

/** §5.3 terminal card-verifiable certificate. */
export const TAG_7F21_CV_CERTIFICATE = 0x7f21;
export const TAG_5F37_SIGNATURE = 0x5f37;
export const TAG_5F38_REMAINDER = 0x5f38;
export const TAG_42_CAR = 0x42;
/** PSO VERIFY CERTIFICATE: P1 00, P2 AE (§3 row 12). */
export const PSO_P1P2_00AE_VERIFY_CERTIFICATE = 0x00ae;

/** §4.2 item 7: plain data are split into 231-byte segments; §2.2: READ BINARY cap. */
export const IAS_SEGMENT = 0xe7;

/** §6: tries. */
export const PIN_TRIES = 3;
export const PUK_TRIES = 10;
/** §5.4: PIN and PUK are 8 ASCII digits. */
export const SECRET_LENGTH = 8;
