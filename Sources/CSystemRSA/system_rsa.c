#include "system_rsa.h"

#include <dlfcn.h>
#include <pthread.h>

// The few OpenSSL 3 entry points used, by their documented signatures; the types stay opaque.
typedef void BIO;
typedef void EVP_PKEY;
typedef void EVP_MD_CTX;
typedef void EVP_MD;

static struct {
    BIO *(*BIO_new_mem_buf)(const void *, int);
    int (*BIO_free)(BIO *);
    EVP_PKEY *(*PEM_read_bio_PrivateKey)(BIO *, EVP_PKEY **, void *, void *);
    void (*EVP_PKEY_free)(EVP_PKEY *);
    int (*EVP_PKEY_get_base_id)(const EVP_PKEY *);
    int (*EVP_PKEY_get_size)(const EVP_PKEY *);
    EVP_MD_CTX *(*EVP_MD_CTX_new)(void);
    void (*EVP_MD_CTX_free)(EVP_MD_CTX *);
    const EVP_MD *(*EVP_sha256)(void);
    int (*EVP_DigestSignInit)(EVP_MD_CTX *, void **, const EVP_MD *, void *, EVP_PKEY *);
    int (*EVP_DigestSign)(EVP_MD_CTX *, unsigned char *, size_t *, const unsigned char *, size_t);
} ssl;

static int loaded = 0;
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define RESOLVE(name)                                   \
    do {                                                \
        *(void **)(&ssl.name) = dlsym(handle, #name);   \
        if (ssl.name == NULL) return;                   \
    } while (0)

static void load(void) {
    void *handle = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) return;
    RESOLVE(BIO_new_mem_buf);
    RESOLVE(BIO_free);
    RESOLVE(PEM_read_bio_PrivateKey);
    RESOLVE(EVP_PKEY_free);
    RESOLVE(EVP_PKEY_get_base_id);
    RESOLVE(EVP_PKEY_get_size);
    RESOLVE(EVP_MD_CTX_new);
    RESOLVE(EVP_MD_CTX_free);
    RESOLVE(EVP_sha256);
    RESOLVE(EVP_DigestSignInit);
    RESOLVE(EVP_DigestSign);
    loaded = 1;
}

int portcullis_system_rsa_available(void) {
    pthread_once(&once, load);
    return loaded;
}

void *portcullis_system_rsa_load(const char *pem, size_t length) {
    if (!portcullis_system_rsa_available() || length > 1 << 20) return NULL;
    BIO *bio = ssl.BIO_new_mem_buf(pem, (int)length);
    if (bio == NULL) return NULL;
    EVP_PKEY *key = ssl.PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    ssl.BIO_free(bio);
    if (key == NULL) return NULL;
    if (ssl.EVP_PKEY_get_base_id(key) != 6 /* EVP_PKEY_RSA */) {
        ssl.EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

int portcullis_system_rsa_sign(void *key, const uint8_t *message, size_t message_length, uint8_t *signature, size_t *length) {
    if (!loaded || key == NULL) return 0;
    EVP_MD_CTX *context = ssl.EVP_MD_CTX_new();
    if (context == NULL) return 0;
    // RSA keys default to PKCS#1 v1.5 padding.
    int ok = ssl.EVP_DigestSignInit(context, NULL, ssl.EVP_sha256(), NULL, key) == 1
        && ssl.EVP_DigestSign(context, signature, length, message, message_length) == 1;
    ssl.EVP_MD_CTX_free(context);
    return ok;
}

int portcullis_system_rsa_size(void *key) { return loaded && key ? ssl.EVP_PKEY_get_size(key) : 0; }

void portcullis_system_rsa_free(void *key) {
    if (loaded && key) ssl.EVP_PKEY_free(key);
}
