#ifndef PORTCULLIS_SYSTEM_RSA_H
#define PORTCULLIS_SYSTEM_RSA_H

#include <stddef.h>
#include <stdint.h>

/// RS256 signing through the system's OpenSSL 3 libcrypto, loaded at run time (dlopen), never linked: the build needs
/// no OpenSSL headers and a machine without libcrypto.so.3 signs with swift-crypto's BoringSSL as before. OpenSSL 3
/// signs RSA-2048 about twice as fast on CPUs with AVX-512 IFMA (issue 14, docs/PERFORMANCE.md).

/// 1 when libcrypto.so.3 was found with every function used here, else 0.
int portcullis_system_rsa_available(void);

/// A private key from PEM (PKCS#1 or PKCS#8), or NULL (not RSA, not readable, or no libcrypto).
void *portcullis_system_rsa_load(const char *pem, size_t length);

/// RSASSA-PKCS1-v1_5 with SHA-256 (RS256, RFC 7518 §3.3) of `message`. `signature` holds `*length` bytes on entry and
/// the signature's length on return. Returns 1 on success. Safe to call from several threads at once with one key.
int portcullis_system_rsa_sign(void *key, const uint8_t *message, size_t message_length, uint8_t *signature, size_t *length);

/// The signature size of the key in bytes.
int portcullis_system_rsa_size(void *key);

void portcullis_system_rsa_free(void *key);

#endif
