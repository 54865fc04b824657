/* Cross-check of the bcrypt limit with the very code Portcullis runs: hummingbird-auth's CBcrypt (OpenBSD
 * bcrypt.c + blf.c), compiled here with the Swift toolchain's clang -O2, as SwiftPM compiles it into the
 * server. Times c_hb_bcrypt_checkpass at a given cost in 1 process, then in N forked processes at once. Prints one JSON object.
 * build (bench/run does it): clang -O2 -I CBcrypt/include CBcrypt/bcrypt.c CBcrypt/blf.c cbcrypt_limit.c
 * usage: cbcrypt_limit COST SECONDS PROCESSES */
#ifndef COMPILER
#define COMPILER "cc"
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include "bcrypt.h"

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

static double rate(int cost, double seconds) {
    char salt[BCRYPT_SALTSPACE], hash[BCRYPT_HASHSPACE + 1];
    uint8_t csalt[BCRYPT_MAXSALT];
    for (int i = 0; i < BCRYPT_MAXSALT; i++) csalt[i] = (uint8_t)(i * 37 + getpid());
    c_hb_bcrypt_initsalt_with_csalt(cost, salt, sizeof salt, csalt);
    c_hb_bcrypt_hashpass("bench-password-123", salt, hash, BCRYPT_HASHSPACE);
    hash[BCRYPT_HASHSPACE] = 0;
    long n = 0; double t0 = now(), dt;
    do {
        if (c_hb_bcrypt_checkpass("bench-password-123", hash) != 0) { fprintf(stderr, "checkpass failed\n"); exit(1); }
        n++; dt = now() - t0;
    } while (dt < seconds || n < 3);
    return n / dt;
}

int main(int argc, char **argv) {
    int cost = argc > 1 ? atoi(argv[1]) : 10, procs = argc > 3 ? atoi(argv[3]) : 2;
    double seconds = argc > 2 ? atof(argv[2]) : 3.0;
    double one = rate(cost, seconds);
    int fds[64][2]; pid_t pids[64];
    for (int p = 0; p < procs && p < 64; p++) {
        if (pipe(fds[p]) != 0) return 1;
        if ((pids[p] = fork()) == 0) { double r = rate(cost, seconds); if (write(fds[p][1], &r, sizeof r) < 0) _exit(1); _exit(0); }
    }
    double total = 0;
    for (int p = 0; p < procs && p < 64; p++) {
        double r = 0; if (read(fds[p][0], &r, sizeof r) != sizeof r) return 1;
        total += r; waitpid(pids[p], NULL, 0);
    }
    printf("{\"implementation\": \"hummingbird-auth CBcrypt (OpenBSD bcrypt.c), " COMPILER " -O2\", \"cost\": %d, \"processes\": %d, "
           "\"ms_per_verify_1_process\": %.2f, \"verifies_per_s_1_process\": %.1f, \"verifies_per_s_all_processes\": %.1f}\n",
           cost, procs, 1000.0 / one, one, total);
    return 0;
}
