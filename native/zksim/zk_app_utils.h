/*
 * zk_app_utils.h - the subset of Zymbit's libzk_app_utils C API that ZymAwsProvisioning uses.
 *
 * The prototypes follow Zymbit's published C API reference (see /work/shared/reference/zymkey.md).
 * The simulator in this folder (zksim.c) implements exactly these functions with the same signatures and
 * memory rules, so the module's real P/Invoke path can run where no Zymkey exists.
 *
 * Conventions (same as the real library):
 *  - Every function returns int: 0 (or a slot number, or 1/0 for verify) on success, a negative errno-style
 *    code on failure (e.g. -110 = -ETIMEDOUT when the device does not answer).
 *  - Every uint8_t** / char** / int** output is allocated by the library with malloc; the caller frees it
 *    with libc free().
 *  - Digests are exactly 32 bytes (SHA-256) and carry no length argument.
 *  - ECDSA signatures are 64 bytes r||s (big-endian, not DER); public keys are 64 bytes X||Y (no 0x04 prefix).
 *  - bool is C99 bool (one byte).
 */
#ifndef ZK_APP_UTILS_H
#define ZK_APP_UTILS_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void* zkCTX;

typedef enum ZK_EC_KEY_TYPE
{
    ZK_NISTP256 = 0,
    ZK_SECP256K1 = 1,
    ZK_ED25519 = 2,
    ZK_X25519 = 3
} ZK_EC_KEY_TYPE;

int zkOpen(zkCTX* ctx);
int zkClose(zkCTX ctx);

int zkGenECDSASigFromDigest(zkCTX ctx, const uint8_t* digest, int slot, uint8_t** sig, int* sig_sz);
int zkVerifyECDSASigFromDigest(zkCTX ctx, const uint8_t* digest, int pubkey_slot, const uint8_t* sig, int sig_sz);

int zkExportPubKey(zkCTX ctx, uint8_t** pk, int* pk_sz, int pubkey_slot, bool slot_is_foreign);
/* Deprecated (older firmware / library versions); same output as zkExportPubKey for a non-foreign slot. */
int zkGetECDSAPubKey(zkCTX ctx, uint8_t** pk, int* pk_sz, int slot);

int zkGetRandBytes(zkCTX ctx, uint8_t** rdata, int rdata_sz);

int zkGetModelNumberString(zkCTX ctx, char** model_str);
int zkGetFirmwareVersionString(zkCTX ctx, char** fw_ver_str);
int zkGetSerialNumberString(zkCTX ctx, char** serial_num_str);

/* HSM6 / SCM only. */
int zkGenKeyPair(zkCTX ctx, ZK_EC_KEY_TYPE type);
int zkGetAllocSlotsList(zkCTX ctx, bool is_foreign, int* max_num_keys, int** alloc_key_list, int* alloc_key_list_sz);
int zkRemoveKey(zkCTX ctx, int slot, bool slot_is_foreign);

#ifdef __cplusplus
}
#endif

#endif /* ZK_APP_UTILS_H */
