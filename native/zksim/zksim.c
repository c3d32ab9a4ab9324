/*
 * zksim.c - a software simulator of Zymbit's libzk_app_utils.so (test double; see README.md).
 *
 * Same exported functions, signatures and memory rules as the real library (zk_app_utils.h), backed by
 * OpenSSL libcrypto. One EC key per slot, kept as an owner-only PKCS#8 PEM file in the simulator directory.
 *
 * Configuration is read from the environment when zkOpen is called and kept in the context, so a context
 * behaves the same for its whole life (open a new context to see new settings):
 *   ZK_SIM_DIR                      key/serial directory (default $HOME/.zksim, else /tmp/zksim-<uid>)
 *   ZK_SIM_MODEL                    model string (default "ZYMKEY4i"); "HSM6..." or "SCM..." enables the HSM6 functions
 *   ZK_SIM_FIRMWARE                 firmware version string (default "01.00.00-zksim")
 *   ZK_SIM_SERIAL                   serial number (default: random, created once and kept in $ZK_SIM_DIR/serial)
 *   ZK_SIM_SIGN_DELAY_US            latency added to every signature, inside the device lock (default 0)
 *   ZK_SIM_FAIL_<function>=<code>   make <function> return <code> (a negative integer; anything else is ignored)
 *   ZK_SIM_FAIL_<function>_AFTER=N  ... but only after N successful calls on this context (default 0)
 * An empty variable counts as unset.
 */
#define _GNU_SOURCE
#include "zk_app_utils.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#define ZK_EXPORT __attribute__((visibility("default")))

#define SIM_MAGIC 0x5a4b53494d435458ULL /* "ZKSIMCTX" */
#define FACTORY_SLOTS_ZYMKEY 3           /* Zymkey 4i / HSM4: slots 0, 1, 2 */
#define FACTORY_SLOTS_HSM6 14            /* HSM6 / SCM: slots 0..13 */
#define KEYSTORE_FIRST_SLOT 16           /* HSM6 / SCM key store: 16 and up */
#define KEYSTORE_MAX_KEYS 512            /* reported as max_num_keys (simulator's choice) */
#define MAX_SLOT (KEYSTORE_FIRST_SLOT + KEYSTORE_MAX_KEYS)
#define DIGEST_SIZE 32
#define COORD_SIZE 32

enum fn_id
{
    FN_zkOpen,
    FN_zkClose,
    FN_zkGenECDSASigFromDigest,
    FN_zkVerifyECDSASigFromDigest,
    FN_zkExportPubKey,
    FN_zkGetECDSAPubKey,
    FN_zkGetRandBytes,
    FN_zkGetModelNumberString,
    FN_zkGetFirmwareVersionString,
    FN_zkGetSerialNumberString,
    FN_zkGenKeyPair,
    FN_zkGetAllocSlotsList,
    FN_zkRemoveKey,
    FN_COUNT
};

static const char* const s_fn_names[FN_COUNT] = {
    "zkOpen",
    "zkClose",
    "zkGenECDSASigFromDigest",
    "zkVerifyECDSASigFromDigest",
    "zkExportPubKey",
    "zkGetECDSAPubKey",
    "zkGetRandBytes",
    "zkGetModelNumberString",
    "zkGetFirmwareVersionString",
    "zkGetSerialNumberString",
    "zkGenKeyPair",
    "zkGetAllocSlotsList",
    "zkRemoveKey",
};

typedef struct fail_rule
{
    int code;   /* 0: no failure injected */
    long after; /* successful calls before the failure starts */
    long calls; /* calls seen so far on this context */
} fail_rule;

typedef struct sim_ctx
{
    unsigned long long magic;
    char dir[PATH_MAX - 64]; /* room for "/slot-NNN.pem" and temporary-file suffixes */
    char model[64];
    char firmware[64];
    char serial[128];
    int is_hsm6;
    long sign_delay_us;
    fail_rule fail[FN_COUNT];
    EVP_PKEY* keys[MAX_SLOT];
} sim_ctx;

/* One lock for the whole "device": the real hardware does one thing at a time over one link. */
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static fail_rule s_open_fail; /* zkOpen has no context yet: its counter is per process */
static unsigned long s_tmp_counter;

/* ---------------------------------------------------------------------------------------------------- */
/* helpers                                                                                              */

static const char* env_or_null(const char* name)
{
    const char* v = getenv(name);
    return (v != NULL && v[0] != '\0') ? v : NULL;
}

static void copy_str(char* dst, size_t dst_size, const char* src)
{
    snprintf(dst, dst_size, "%s", src);
}

static void read_fail_rule(const char* fn, fail_rule* rule, int keep_calls)
{
    char name[128];
    long calls = keep_calls ? rule->calls : 0;
    memset(rule, 0, sizeof(*rule));
    rule->calls = calls;

    snprintf(name, sizeof(name), "ZK_SIM_FAIL_%s", fn);
    const char* v = env_or_null(name);
    if (v == NULL)
    {
        return;
    }
    char* end = NULL;
    long code = strtol(v, &end, 10);
    if (end == v || *end != '\0' || code >= 0 || code < INT_MIN)
    {
        return; /* documented: anything but a negative integer is ignored */
    }
    rule->code = (int)code;

    snprintf(name, sizeof(name), "ZK_SIM_FAIL_%s_AFTER", fn);
    v = env_or_null(name);
    if (v != NULL)
    {
        long after = strtol(v, &end, 10);
        if (end != v && *end == '\0' && after > 0)
        {
            rule->after = after;
        }
    }
}

/* Returns the injected failure code for this call, or 0. Counts the call. */
static int injected(fail_rule* rule)
{
    if (rule->code == 0)
    {
        return 0;
    }
    if (rule->calls < rule->after)
    {
        rule->calls++;
        return 0;
    }
    rule->calls++;
    return rule->code;
}

static sim_ctx* get_ctx(zkCTX ctx)
{
    sim_ctx* c = (sim_ctx*)ctx;
    if (c == NULL || c->magic != SIM_MAGIC)
    {
        return NULL;
    }
    return c;
}

static int mkdir_p(const char* path)
{
    char tmp[PATH_MAX];
    copy_str(tmp, sizeof(tmp), path);
    size_t len = strlen(tmp);
    if (len == 0)
    {
        return -EINVAL;
    }
    for (char* p = tmp + 1; *p != '\0'; p++)
    {
        if (*p == '/')
        {
            *p = '\0';
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            {
                return -errno;
            }
            *p = '/';
        }
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
    {
        return -errno;
    }
    return 0;
}

/*
 * Writes data to path atomically and owner-only: a unique temporary file, then link() (which never
 * replaces an existing file). Returns 0, -EEXIST when another writer got there first, or -errno.
 */
static int write_file_once(const char* path, const void* data, size_t size)
{
    char tmp[PATH_MAX + 64];
    (void)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld.%lu", path, (long)getpid(), ++s_tmp_counter);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
    {
        return -errno;
    }
    const char* p = (const char*)data;
    size_t left = size;
    while (left > 0)
    {
        ssize_t n = write(fd, p, left);
        if (n < 0)
        {
            if (errno == EINTR)
            {
                continue;
            }
            int e = errno;
            close(fd);
            unlink(tmp);
            return -e;
        }
        p += n;
        left -= (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0)
    {
        int e = errno;
        unlink(tmp);
        return -e;
    }
    int rc = 0;
    if (link(tmp, path) != 0)
    {
        rc = -errno;
    }
    unlink(tmp);
    return rc;
}

static void slot_path(const sim_ctx* c, int slot, char* out, size_t out_size)
{
    snprintf(out, out_size, "%s/slot-%d.pem", c->dir, slot);
}

static int factory_slots(const sim_ctx* c)
{
    return c->is_hsm6 ? FACTORY_SLOTS_HSM6 : FACTORY_SLOTS_ZYMKEY;
}

static int is_factory_slot(const sim_ctx* c, int slot)
{
    return slot >= 0 && slot < factory_slots(c);
}

static int is_keystore_slot(const sim_ctx* c, int slot)
{
    return c->is_hsm6 && slot >= KEYSTORE_FIRST_SLOT && slot < MAX_SLOT;
}

static EVP_PKEY* generate_key(int nid)
{
    EVP_PKEY* pkey = NULL;
    EVP_PKEY_CTX* kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
    if (kctx == NULL)
    {
        return NULL;
    }
    if (EVP_PKEY_keygen_init(kctx) <= 0
        || EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kctx, nid) <= 0
        || EVP_PKEY_CTX_set_ec_param_enc(kctx, OPENSSL_EC_NAMED_CURVE) <= 0
        || EVP_PKEY_keygen(kctx, &pkey) <= 0)
    {
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(kctx);
    return pkey;
}

/* Stores a new key in a slot file. Returns 0, -EEXIST if the slot file already exists, or -errno. */
static int store_key(const sim_ctx* c, int slot, EVP_PKEY* pkey)
{
    BIO* mem = BIO_new(BIO_s_mem());
    if (mem == NULL)
    {
        return -ENOMEM;
    }
    int rc = -EIO;
    if (PEM_write_bio_PrivateKey(mem, pkey, NULL, NULL, 0, NULL, NULL) == 1)
    {
        char* data = NULL;
        long size = BIO_get_mem_data(mem, &data);
        char path[PATH_MAX];
        slot_path(c, slot, path, sizeof(path));
        rc = write_file_once(path, data, (size_t)size);
    }
    BIO_free(mem);
    return rc;
}

static int read_key_file(const sim_ctx* c, int slot, EVP_PKEY** out)
{
    char path[PATH_MAX];
    slot_path(c, slot, path, sizeof(path));
    FILE* f = fopen(path, "re");
    if (f == NULL)
    {
        return -errno;
    }
    EVP_PKEY* pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (pkey == NULL)
    {
        return -EIO;
    }
    *out = pkey;
    return 0;
}

/*
 * Gets the key in a slot: from the context cache, the slot file, or (factory slots only) a new P-256 key
 * created on first use like the keys a device leaves the factory with.
 */
static int get_key(sim_ctx* c, int slot, EVP_PKEY** out)
{
    if (!is_factory_slot(c, slot) && !is_keystore_slot(c, slot))
    {
        return -EINVAL;
    }
    if (c->keys[slot] != NULL)
    {
        *out = c->keys[slot];
        return 0;
    }
    EVP_PKEY* pkey = NULL;
    int rc = read_key_file(c, slot, &pkey);
    if (rc == -ENOENT && is_factory_slot(c, slot))
    {
        pkey = generate_key(NID_X9_62_prime256v1);
        if (pkey == NULL)
        {
            return -ENOMEM;
        }
        rc = store_key(c, slot, pkey);
        if (rc == -EEXIST)
        {
            /* another process created it first: use that one */
            EVP_PKEY_free(pkey);
            pkey = NULL;
            rc = read_key_file(c, slot, &pkey);
        }
        else if (rc != 0)
        {
            EVP_PKEY_free(pkey);
            return rc;
        }
    }
    else if (rc == -ENOENT)
    {
        return -EINVAL; /* an unallocated key-store slot */
    }
    if (rc != 0)
    {
        return rc;
    }
    c->keys[slot] = pkey;
    *out = pkey;
    return 0;
}

static __attribute__((unused)) int slot_file_exists(const sim_ctx* c, int slot)
{
    char path[PATH_MAX];
    struct stat st;
    slot_path(c, slot, path, sizeof(path));
    return stat(path, &st) == 0;
}

static int load_serial(sim_ctx* c)
{
    const char* v = env_or_null("ZK_SIM_SERIAL");
    if (v != NULL)
    {
        copy_str(c->serial, sizeof(c->serial), v);
        return 0;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/serial", c->dir);
    for (int attempt = 0; attempt < 2; attempt++)
    {
        FILE* f = fopen(path, "re");
        if (f != NULL)
        {
            char buf[sizeof(c->serial)];
            size_t n = fread(buf, 1, sizeof(buf) - 1, f);
            fclose(f);
            buf[n] = '\0';
            buf[strcspn(buf, "\r\n")] = '\0';
            if (buf[0] == '\0')
            {
                return -EIO;
            }
            copy_str(c->serial, sizeof(c->serial), buf);
            return 0;
        }
        if (errno != ENOENT)
        {
            return -errno;
        }
        unsigned char r[8];
        if (RAND_bytes(r, sizeof(r)) != 1)
        {
            return -EIO;
        }
        char serial[64];
        int len = snprintf(serial, sizeof(serial), "ZKSIM-%02X%02X%02X%02X%02X%02X%02X%02X\n",
                           r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
        int rc = write_file_once(path, serial, (size_t)len);
        if (rc != 0 && rc != -EEXIST)
        {
            return rc;
        }
        /* loop: read back what is now on disk (ours, or the other writer's) */
    }
    return -EIO;
}

static int dup_string(const char* s, char** out)
{
    char* d = strdup(s);
    if (d == NULL)
    {
        return -ENOMEM;
    }
    *out = d;
    return 0;
}

static void sleep_us(long us)
{
    struct timespec ts;
    ts.tv_sec = us / 1000000L;
    ts.tv_nsec = (us % 1000000L) * 1000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    {
    }
}

/* 64-byte X||Y of an EC key's public point. */
static int export_point(EVP_PKEY* pkey, uint8_t** pk, int* pk_sz)
{
    unsigned char* der = NULL;
    int len = i2d_PublicKey(pkey, &der); /* EC: the octet-string point, 0x04 || X || Y */
    if (len != 1 + 2 * COORD_SIZE || der[0] != 0x04)
    {
        OPENSSL_free(der);
        return -EIO;
    }
    uint8_t* out = malloc(2 * COORD_SIZE);
    if (out == NULL)
    {
        OPENSSL_free(der);
        return -ENOMEM;
    }
    memcpy(out, der + 1, 2 * COORD_SIZE);
    OPENSSL_free(der);
    *pk = out;
    *pk_sz = 2 * COORD_SIZE;
    return 0;
}

#define BEGIN_CALL(fn)                          \
    pthread_mutex_lock(&s_lock);                \
    sim_ctx* c = get_ctx(ctx);                  \
    int rc;                                     \
    if (c == NULL)                              \
    {                                           \
        rc = -EINVAL;                           \
        goto done;                              \
    }                                           \
    if ((rc = injected(&c->fail[FN_##fn])) != 0) \
    {                                           \
        goto done;                              \
    }

#define END_CALL()                 \
    done:                          \
    pthread_mutex_unlock(&s_lock); \
    return rc;

/* ---------------------------------------------------------------------------------------------------- */
/* the API                                                                                              */

ZK_EXPORT int zkOpen(zkCTX* ctx)
{
    if (ctx == NULL)
    {
        return -EINVAL;
    }
    pthread_mutex_lock(&s_lock);
    int rc;
    sim_ctx* c = NULL;
    read_fail_rule("zkOpen", &s_open_fail, 1);
    if ((rc = injected(&s_open_fail)) != 0)
    {
        goto done;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL)
    {
        rc = -ENOMEM;
        goto done;
    }
    c->magic = SIM_MAGIC;

    const char* dir = env_or_null("ZK_SIM_DIR");
    int dir_len;
    if (dir != NULL)
    {
        dir_len = snprintf(c->dir, sizeof(c->dir), "%s", dir);
    }
    else if (env_or_null("HOME") != NULL)
    {
        dir_len = snprintf(c->dir, sizeof(c->dir), "%s/.zksim", getenv("HOME"));
    }
    else
    {
        dir_len = snprintf(c->dir, sizeof(c->dir), "/tmp/zksim-%ld", (long)getuid());
    }
    if (dir_len < 0 || (size_t)dir_len >= sizeof(c->dir))
    {
        rc = -ENAMETOOLONG;
        goto done;
    }
    if ((rc = mkdir_p(c->dir)) != 0)
    {
        goto done;
    }

    const char* model = env_or_null("ZK_SIM_MODEL");
    copy_str(c->model, sizeof(c->model), model != NULL ? model : "ZYMKEY4i");
    c->is_hsm6 = strncasecmp(c->model, "HSM6", 4) == 0 || strncasecmp(c->model, "SCM", 3) == 0;
    const char* fw = env_or_null("ZK_SIM_FIRMWARE");
    copy_str(c->firmware, sizeof(c->firmware), fw != NULL ? fw : "01.00.00-zksim");
    const char* delay = env_or_null("ZK_SIM_SIGN_DELAY_US");
    c->sign_delay_us = delay != NULL ? strtol(delay, NULL, 10) : 0;
    if (c->sign_delay_us < 0)
    {
        c->sign_delay_us = 0;
    }
    for (int i = 0; i < FN_COUNT; i++)
    {
        read_fail_rule(s_fn_names[i], &c->fail[i], 0);
    }
    if ((rc = load_serial(c)) != 0)
    {
        goto done;
    }
    *ctx = c;
    c = NULL;
    rc = 0;
done:
    if (c != NULL)
    {
        c->magic = 0;
        free(c);
    }
    pthread_mutex_unlock(&s_lock);
    return rc;
}

ZK_EXPORT int zkClose(zkCTX ctx)
{
    pthread_mutex_lock(&s_lock);
    sim_ctx* c = get_ctx(ctx);
    if (c == NULL)
    {
        pthread_mutex_unlock(&s_lock);
        return -EINVAL;
    }
    /* an injected failure is reported, but the context is released anyway (no leak in tests) */
    int rc = injected(&c->fail[FN_zkClose]);
    for (int i = 0; i < MAX_SLOT; i++)
    {
        EVP_PKEY_free(c->keys[i]);
    }
    c->magic = 0;
    free(c);
    pthread_mutex_unlock(&s_lock);
    return rc;
}

ZK_EXPORT int zkGenECDSASigFromDigest(zkCTX ctx, const uint8_t* digest, int slot, uint8_t** sig, int* sig_sz)
{
    BEGIN_CALL(zkGenECDSASigFromDigest)
    EVP_PKEY_CTX* sctx = NULL;
    unsigned char* der = NULL;
    ECDSA_SIG* esig = NULL;
    if (digest == NULL || sig == NULL || sig_sz == NULL)
    {
        rc = -EINVAL;
        goto done;
    }
    EVP_PKEY* pkey = NULL;
    if ((rc = get_key(c, slot, &pkey)) != 0)
    {
        goto done;
    }
    if (c->sign_delay_us > 0)
    {
        sleep_us(c->sign_delay_us);
    }
    size_t der_len = 0;
    sctx = EVP_PKEY_CTX_new(pkey, NULL);
    if (sctx == NULL || EVP_PKEY_sign_init(sctx) <= 0 || EVP_PKEY_sign(sctx, NULL, &der_len, digest, DIGEST_SIZE) <= 0)
    {
        rc = -EIO;
        goto cleanup;
    }
    der = OPENSSL_malloc(der_len);
    if (der == NULL)
    {
        rc = -ENOMEM;
        goto cleanup;
    }
    if (EVP_PKEY_sign(sctx, der, &der_len, digest, DIGEST_SIZE) <= 0)
    {
        rc = -EIO;
        goto cleanup;
    }
    const unsigned char* p = der;
    esig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    if (esig == NULL)
    {
        rc = -EIO;
        goto cleanup;
    }
    uint8_t* out = malloc(2 * COORD_SIZE);
    if (out == NULL)
    {
        rc = -ENOMEM;
        goto cleanup;
    }
    const BIGNUM* r = NULL;
    const BIGNUM* s = NULL;
    ECDSA_SIG_get0(esig, &r, &s);
    if (BN_bn2binpad(r, out, COORD_SIZE) != COORD_SIZE || BN_bn2binpad(s, out + COORD_SIZE, COORD_SIZE) != COORD_SIZE)
    {
        free(out);
        rc = -EIO;
        goto cleanup;
    }
    *sig = out;
    *sig_sz = 2 * COORD_SIZE;
    rc = 0;
cleanup:
    ECDSA_SIG_free(esig);
    OPENSSL_free(der);
    EVP_PKEY_CTX_free(sctx);
    END_CALL()
}

ZK_EXPORT int zkVerifyECDSASigFromDigest(zkCTX ctx, const uint8_t* digest, int pubkey_slot, const uint8_t* sig, int sig_sz)
{
    BEGIN_CALL(zkVerifyECDSASigFromDigest)
    EVP_PKEY_CTX* vctx = NULL;
    ECDSA_SIG* esig = NULL;
    unsigned char* der = NULL;
    if (digest == NULL || sig == NULL || sig_sz != 2 * COORD_SIZE)
    {
        rc = -EINVAL;
        goto done;
    }
    EVP_PKEY* pkey = NULL;
    if ((rc = get_key(c, pubkey_slot, &pkey)) != 0)
    {
        goto done;
    }
    esig = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(sig, COORD_SIZE, NULL);
    BIGNUM* s = BN_bin2bn(sig + COORD_SIZE, COORD_SIZE, NULL);
    if (esig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(esig, r, s) != 1)
    {
        BN_free(r);
        BN_free(s);
        rc = -ENOMEM;
        goto cleanup;
    }
    int der_len = i2d_ECDSA_SIG(esig, &der);
    vctx = EVP_PKEY_CTX_new(pkey, NULL);
    if (der_len <= 0 || vctx == NULL || EVP_PKEY_verify_init(vctx) <= 0)
    {
        rc = -EIO;
        goto cleanup;
    }
    rc = EVP_PKEY_verify(vctx, der, (size_t)der_len, digest, DIGEST_SIZE) == 1 ? 1 : 0;
cleanup:
    OPENSSL_free(der);
    ECDSA_SIG_free(esig);
    EVP_PKEY_CTX_free(vctx);
    END_CALL()
}

#ifndef ZKSIM_LEGACY
ZK_EXPORT int zkExportPubKey(zkCTX ctx, uint8_t** pk, int* pk_sz, int pubkey_slot, bool slot_is_foreign)
{
    BEGIN_CALL(zkExportPubKey)
    if (pk == NULL || pk_sz == NULL)
    {
        rc = -EINVAL;
        goto done;
    }
    if (slot_is_foreign)
    {
        /* the simulator stores no foreign keys: not supported off HSM6, no such slot on HSM6 */
        rc = c->is_hsm6 ? -EINVAL : -EOPNOTSUPP;
        goto done;
    }
    EVP_PKEY* pkey = NULL;
    if ((rc = get_key(c, pubkey_slot, &pkey)) != 0)
    {
        goto done;
    }
    rc = export_point(pkey, pk, pk_sz);
    END_CALL()
}
#endif

ZK_EXPORT int zkGetECDSAPubKey(zkCTX ctx, uint8_t** pk, int* pk_sz, int slot)
{
    BEGIN_CALL(zkGetECDSAPubKey)
    if (pk == NULL || pk_sz == NULL)
    {
        rc = -EINVAL;
        goto done;
    }
    EVP_PKEY* pkey = NULL;
    if ((rc = get_key(c, slot, &pkey)) != 0)
    {
        goto done;
    }
    rc = export_point(pkey, pk, pk_sz);
    END_CALL()
}

ZK_EXPORT int zkGetRandBytes(zkCTX ctx, uint8_t** rdata, int rdata_sz)
{
    BEGIN_CALL(zkGetRandBytes)
    if (rdata == NULL || rdata_sz <= 0)
    {
        rc = -EINVAL;
        goto done;
    }
    uint8_t* out = malloc((size_t)rdata_sz);
    if (out == NULL)
    {
        rc = -ENOMEM;
        goto done;
    }
    if (RAND_bytes(out, rdata_sz) != 1)
    {
        free(out);
        rc = -EIO;
        goto done;
    }
    *rdata = out;
    rc = 0;
    END_CALL()
}

ZK_EXPORT int zkGetModelNumberString(zkCTX ctx, char** model_str)
{
    BEGIN_CALL(zkGetModelNumberString)
    rc = model_str == NULL ? -EINVAL : dup_string(c->model, model_str);
    END_CALL()
}

ZK_EXPORT int zkGetFirmwareVersionString(zkCTX ctx, char** fw_ver_str)
{
    BEGIN_CALL(zkGetFirmwareVersionString)
    rc = fw_ver_str == NULL ? -EINVAL : dup_string(c->firmware, fw_ver_str);
    END_CALL()
}

ZK_EXPORT int zkGetSerialNumberString(zkCTX ctx, char** serial_num_str)
{
    BEGIN_CALL(zkGetSerialNumberString)
    rc = serial_num_str == NULL ? -EINVAL : dup_string(c->serial, serial_num_str);
    END_CALL()
}

#ifndef ZKSIM_LEGACY
ZK_EXPORT int zkGenKeyPair(zkCTX ctx, ZK_EC_KEY_TYPE type)
{
    BEGIN_CALL(zkGenKeyPair)
    if (!c->is_hsm6)
    {
        rc = -EOPNOTSUPP;
        goto done;
    }
    int nid;
    switch (type)
    {
        case ZK_NISTP256:
            nid = NID_X9_62_prime256v1;
            break;
        case ZK_SECP256K1:
            nid = NID_secp256k1;
            break;
        case ZK_ED25519:
        case ZK_X25519:
            rc = -EOPNOTSUPP; /* real HSM6 supports them; the simulator does not */
            goto done;
        default:
            rc = -EINVAL;
            goto done;
    }
    EVP_PKEY* pkey = generate_key(nid);
    if (pkey == NULL)
    {
        rc = -ENOMEM;
        goto done;
    }
    rc = -ENOSPC;
    for (int slot = KEYSTORE_FIRST_SLOT; slot < MAX_SLOT; slot++)
    {
        if (c->keys[slot] != NULL || slot_file_exists(c, slot))
        {
            continue;
        }
        int src = store_key(c, slot, pkey);
        if (src == -EEXIST)
        {
            continue;
        }
        if (src != 0)
        {
            rc = src;
            break;
        }
        c->keys[slot] = pkey;
        pkey = NULL;
        rc = slot;
        break;
    }
    EVP_PKEY_free(pkey);
    END_CALL()
}

ZK_EXPORT int zkGetAllocSlotsList(zkCTX ctx, bool is_foreign, int* max_num_keys, int** alloc_key_list, int* alloc_key_list_sz)
{
    BEGIN_CALL(zkGetAllocSlotsList)
    if (!c->is_hsm6)
    {
        rc = -EOPNOTSUPP;
        goto done;
    }
    if (max_num_keys == NULL || alloc_key_list == NULL || alloc_key_list_sz == NULL)
    {
        rc = -EINVAL;
        goto done;
    }
    int* list = malloc(sizeof(int) * (FACTORY_SLOTS_HSM6 + KEYSTORE_MAX_KEYS));
    if (list == NULL)
    {
        rc = -ENOMEM;
        goto done;
    }
    int n = 0;
    if (!is_foreign)
    {
        for (int slot = 0; slot < FACTORY_SLOTS_HSM6; slot++)
        {
            list[n++] = slot;
        }
        for (int slot = KEYSTORE_FIRST_SLOT; slot < MAX_SLOT; slot++)
        {
            if (c->keys[slot] != NULL || slot_file_exists(c, slot))
            {
                list[n++] = slot;
            }
        }
    }
    *max_num_keys = KEYSTORE_MAX_KEYS;
    *alloc_key_list = list;
    *alloc_key_list_sz = n;
    rc = 0;
    END_CALL()
}

ZK_EXPORT int zkRemoveKey(zkCTX ctx, int slot, bool slot_is_foreign)
{
    BEGIN_CALL(zkRemoveKey)
    if (!c->is_hsm6)
    {
        rc = -EOPNOTSUPP;
        goto done;
    }
    if (slot_is_foreign)
    {
        rc = -EINVAL;
        goto done;
    }
    if (is_factory_slot(c, slot))
    {
        rc = -EACCES; /* factory keys cannot be removed */
        goto done;
    }
    if (!is_keystore_slot(c, slot) || (c->keys[slot] == NULL && !slot_file_exists(c, slot)))
    {
        rc = -EINVAL;
        goto done;
    }
    char path[PATH_MAX];
    slot_path(c, slot, path, sizeof(path));
    if (unlink(path) != 0 && errno != ENOENT)
    {
        rc = -errno;
        goto done;
    }
    EVP_PKEY_free(c->keys[slot]);
    c->keys[slot] = NULL;
    rc = 0;
    END_CALL()
}
#endif
