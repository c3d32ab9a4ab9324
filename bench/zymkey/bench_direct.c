/*
 * bench_direct.c - signatures per second calling the Zymkey simulator straight from C (the baseline the
 * managed interop is compared against). Loads the library with dlopen, like the managed side does.
 *
 *   bench_direct <path/to/libzk_app_utils.so> <signatures> [slot]
 * Prints one line: "direct <count> <seconds> <signatures/s> <us/signature>".
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void* zkCTX;
typedef int (*open_fn)(zkCTX*);
typedef int (*close_fn)(zkCTX);
typedef int (*sign_fn)(zkCTX, const uint8_t*, int, uint8_t**, int*);
typedef int (*verify_fn)(zkCTX, const uint8_t*, int, const uint8_t*, int);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char** argv)
{
    if (argc < 3)
    {
        fprintf(stderr, "usage: %s <libzk_app_utils.so> <signatures> [slot]\n", argv[0]);
        return 2;
    }
    long count = strtol(argv[2], NULL, 10);
    int slot = argc > 3 ? atoi(argv[3]) : 0;
    if (count <= 0 || count > 10000000)
    {
        fprintf(stderr, "signatures must be 1..10000000\n");
        return 2;
    }
    void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL)
    {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    open_fn zk_open = (open_fn)dlsym(lib, "zkOpen");
    close_fn zk_close = (close_fn)dlsym(lib, "zkClose");
    sign_fn zk_sign = (sign_fn)dlsym(lib, "zkGenECDSASigFromDigest");
    verify_fn zk_verify = (verify_fn)dlsym(lib, "zkVerifyECDSASigFromDigest");
    if (!zk_open || !zk_close || !zk_sign || !zk_verify)
    {
        fprintf(stderr, "missing symbols\n");
        return 1;
    }
    zkCTX ctx = NULL;
    int rc = zk_open(&ctx);
    if (rc != 0)
    {
        fprintf(stderr, "zkOpen: %d\n", rc);
        return 1;
    }
    uint8_t digest[32];
    for (int i = 0; i < 32; i++)
    {
        digest[i] = (uint8_t)i;
    }
    /* warm-up: creates/loads the slot key; also checks one signature */
    uint8_t* sig = NULL;
    int sig_sz = 0;
    rc = zk_sign(ctx, digest, slot, &sig, &sig_sz);
    if (rc != 0 || sig_sz != 64 || zk_verify(ctx, digest, slot, sig, sig_sz) != 1)
    {
        fprintf(stderr, "warm-up signature failed: rc=%d size=%d\n", rc, sig_sz);
        return 1;
    }
    free(sig);

    double start = now();
    for (long i = 0; i < count; i++)
    {
        digest[0] = (uint8_t)i;
        digest[1] = (uint8_t)(i >> 8);
        sig = NULL;
        rc = zk_sign(ctx, digest, slot, &sig, &sig_sz);
        if (rc != 0 || sig_sz != 64)
        {
            fprintf(stderr, "signature %ld failed: rc=%d\n", i, rc);
            return 1;
        }
        free(sig);
    }
    double seconds = now() - start;
    zk_close(ctx);
    printf("direct %ld %.6f %.1f %.3f\n", count, seconds, (double)count / seconds, seconds * 1e6 / (double)count);
    return 0;
}
