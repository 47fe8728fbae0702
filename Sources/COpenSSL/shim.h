// SPDX-License-Identifier: AGPL-3.0-or-later
// TLS trust policy for printers: the leaf must name the serial; pinned, CA-verified or insecure.
//
// Bambu printers present a certificate whose CN is their serial, issued by Bambu's private CA
// (bambu-lan.md §1.7), and are reached by IP address, so ordinary hostname checks cannot work.
// This verify callback runs inside the TLS handshake, before any credential is sent.
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

enum { COPENSSL_MODE_INSECURE = 0, COPENSSL_MODE_PINNED = 1, COPENSSL_MODE_CA = 2 };

/// What the handshake must check, and what it saw. Owned by the Swift adapter.
typedef struct {
    int mode;
    char expected_name[128];
    char expected_pin[65];
    char seen_pin[65];
    char seen_name[256];
    char failure[512];
} copenssl_peer_policy;

static inline void copenssl_policy_reset(copenssl_peer_policy *policy) {
    policy->seen_pin[0] = 0;
    policy->seen_name[0] = 0;
    policy->failure[0] = 0;
}

/// True when the certificate's CN or one of its DNS subject alternative names equals `name`.
static inline int copenssl_certificate_names(X509 *cert, const char *name, char *seen, size_t seen_len) {
    int matched = 0;
    char common_name[256] = {0};
    X509_NAME *subject = X509_get_subject_name(cert);
    if (subject && X509_NAME_get_text_by_NID(subject, NID_commonName, common_name, sizeof(common_name)) > 0) {
        if (strcmp(common_name, name) == 0) { matched = 1; }
        snprintf(seen, seen_len, "%s", common_name);
    }
    GENERAL_NAMES *alternatives = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    if (alternatives) {
        for (int index = 0; index < sk_GENERAL_NAME_num(alternatives); index++) {
            const GENERAL_NAME *entry = sk_GENERAL_NAME_value(alternatives, index);
            if (entry->type != GEN_DNS) { continue; }
            const unsigned char *data = ASN1_STRING_get0_data(entry->d.dNSName);
            int length = ASN1_STRING_length(entry->d.dNSName);
            if (data && length == (int)strlen(name) && memcmp(data, name, (size_t)length) == 0) { matched = 1; }
        }
        GENERAL_NAMES_free(alternatives);
    }
    return matched;
}

/// The policy of the connection this thread is setting up, for a context several connections share
/// (whose app data is then NULL): an MQTT client's thread sets it once and serves only that client.
/// Weak, so every unit that includes this header (each Swift file's copy of these inline functions)
/// refers to one variable.
__attribute__((weak)) _Thread_local copenssl_peer_policy *copenssl_thread_policy = NULL;

/// Makes `policy` the one this thread's handshakes on a shared context check (NULL: none).
static inline void copenssl_set_thread_policy(copenssl_peer_policy *policy) { copenssl_thread_policy = policy; }

/// The policy a handshake checks: its context's own, or the connecting thread's for a shared context.
static inline copenssl_peer_policy *copenssl_policy_of(SSL *ssl) {
    copenssl_peer_policy *policy = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    return policy ? policy : copenssl_thread_policy;
}

static int copenssl_verify_callback(int preverify_ok, X509_STORE_CTX *store) {
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    if (!ssl) { return 0; }
    copenssl_peer_policy *policy = copenssl_policy_of(ssl);
    // Only a context with this callback reaches here; without a policy nothing can be checked.
    if (!policy) { return 0; }
    if (policy->mode == COPENSSL_MODE_CA && !preverify_ok) {
        snprintf(policy->failure, sizeof(policy->failure), "certificate is not signed by the configured CA (%s)",
                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(store)));
        return 0;
    }
    if (X509_STORE_CTX_get_error_depth(store) != 0) { return 1; }
    X509 *cert = X509_STORE_CTX_get_current_cert(store);
    if (!cert) { return 0; }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_length = 0;
    if (X509_digest(cert, EVP_sha256(), digest, &digest_length) == 1 && digest_length == 32) {
        for (unsigned int index = 0; index < digest_length; index++) {
            snprintf(policy->seen_pin + index * 2, 3, "%02x", digest[index]);
        }
    }
    if (!copenssl_certificate_names(cert, policy->expected_name, policy->seen_name, sizeof(policy->seen_name))) {
        snprintf(policy->failure, sizeof(policy->failure), "certificate names '%s', not the printer serial '%s'",
                 policy->seen_name[0] ? policy->seen_name : "(no name)", policy->expected_name);
        return 0;
    }
    if (policy->mode == COPENSSL_MODE_PINNED && policy->expected_pin[0] &&
        strcmp(policy->expected_pin, policy->seen_pin) != 0) {
        snprintf(policy->failure, sizeof(policy->failure),
                 "certificate changed: SHA-256 %s, pinned %s", policy->seen_pin, policy->expected_pin);
        return 0;
    }
    return 1;
}

/// A client context with what every printer connection shares: TLS 1.2 or newer, no compression,
/// buffers handed back while idle. NULL with `error` filled on failure.
static inline SSL_CTX *copenssl_new_client_context(char *error, size_t error_len) {
    SSL_CTX *context = SSL_CTX_new(TLS_client_method());
    if (!context) {
        snprintf(error, error_len, "cannot create a TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    SSL_CTX_set_options(context, SSL_OP_NO_COMPRESSION);
    // A printer link is idle between reports: its 16 KB+ read and write buffers go back to the heap
    // meanwhile (about 34 KB less per printer; BENCHMARKS.md, benchmark 3).
    SSL_CTX_set_mode(context, SSL_MODE_RELEASE_BUFFERS);
    return context;
}

/// Sets the checks of `mode` (COPENSSL_MODE_*) on `context`, whose trust anchors the caller loaded
/// for the CA mode (`anchors_loaded`). Frees the context and returns NULL, with `error` naming
/// `ca_name`, when the CA mode has none.
static inline SSL_CTX *copenssl_apply_mode(SSL_CTX *context, int mode, int anchors_loaded, const char *ca_name,
                                           char *error, size_t error_len) {
    if (mode == COPENSSL_MODE_INSECURE) {
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, NULL);
        return context;
    }
    if (mode == COPENSSL_MODE_CA && !anchors_loaded) {
        snprintf(error, error_len, "cannot load CA file %s", ca_name ? ca_name : "(none)");
        SSL_CTX_free(context);
        return NULL;
    }
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, copenssl_verify_callback);
    return context;
}

/// A client context for one printer connection, `policy` as its app data; NULL with `error` filled
/// on failure. TLS 1.2 is the floor (printers speak only 1.2); `max_tls12` caps it too (FTPS needs that).
static inline SSL_CTX *copenssl_client_context(copenssl_peer_policy *policy, const char *ca_file, int max_tls12,
                                               char *error, size_t error_len) {
    SSL_CTX *context = copenssl_new_client_context(error, error_len);
    if (!context) { return NULL; }
    int loaded = policy->mode == COPENSSL_MODE_CA && SSL_CTX_load_verify_locations(context, ca_file, NULL) == 1;
    context = copenssl_apply_mode(context, policy->mode, loaded, ca_file, error, error_len);
    if (!context) { return NULL; }
    if (max_tls12) { SSL_CTX_set_max_proto_version(context, TLS1_2_VERSION); }
    SSL_CTX_set_app_data(context, policy);
    return context;
}

/// Adds the PEM certificates in `pem` to the context's trust store; returns how many it added.
static inline int copenssl_trust_pem(SSL_CTX *context, const unsigned char *pem, size_t length) {
    if (!pem || length == 0 || length > INT_MAX) { return 0; }
    BIO *bio = BIO_new_mem_buf(pem, (int)length);
    if (!bio) { return 0; }
    STACK_OF(X509_INFO) *infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (!infos) { return 0; }
    int added = 0;
    X509_STORE *store = SSL_CTX_get_cert_store(context);
    for (int index = 0; index < sk_X509_INFO_num(infos); index++) {
        X509_INFO *info = sk_X509_INFO_value(infos, index);
        if (info->x509 && X509_STORE_add_cert(store, info->x509) == 1) { added++; }
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    ERR_clear_error();  // a trailing non-certificate block leaves a PEM error behind
    return added;
}

/// A client context several connections share (no policy of its own: each connecting thread sets
/// its policy, `copenssl_set_thread_policy`), with the CA mode's trust anchors given as the PEM
/// bytes the caller read (`ca_name` names them in the error). NULL with `error` filled on failure.
static inline SSL_CTX *copenssl_shared_client_context_pem(int mode, const unsigned char *ca_pem, size_t ca_length,
                                                          const char *ca_name, char *error, size_t error_len) {
    SSL_CTX *context = copenssl_new_client_context(error, error_len);
    if (!context) { return NULL; }
    int loaded = mode == COPENSSL_MODE_CA && copenssl_trust_pem(context, ca_pem, ca_length) > 0;
    return copenssl_apply_mode(context, mode, loaded, ca_name, error, error_len);
}

/// Writes the certificate's SHA-256 as 64 lower-case hex digits (empty on failure).
static inline void copenssl_certificate_sha256(X509 *cert, char out[65]) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_length = 0;
    out[0] = 0;
    if (X509_digest(cert, EVP_sha256(), digest, &digest_length) != 1 || digest_length != 32) { return; }
    for (unsigned int index = 0; index < digest_length; index++) {
        snprintf(out + index * 2, 3, "%02x", digest[index]);
    }
}

/// Insecure mode's verify callback: accepts any chain but records the leaf's fingerprint and name,
/// so the caller can still learn the pin (trust on first use).
static int copenssl_record_callback(int preverify_ok, X509_STORE_CTX *store) {
    (void)preverify_ok;
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    if (!ssl) { return 1; }
    copenssl_peer_policy *policy = copenssl_policy_of(ssl);
    if (!policy || X509_STORE_CTX_get_error_depth(store) != 0) { return 1; }
    X509 *cert = X509_STORE_CTX_get_current_cert(store);
    if (!cert) { return 1; }
    copenssl_certificate_sha256(cert, policy->seen_pin);
    (void)copenssl_certificate_names(cert, "", policy->seen_name, sizeof(policy->seen_name));
    return 1;
}

/// Prepares a context another library created (libcurl's CURLOPT_SSL_CTX_FUNCTION) for `policy`:
/// TLS 1.2 only, `policy` as the context's app data, and the verify callback of its mode; for the CA
/// mode `ca_file` is loaded as the trust anchor. Returns 1, or 0 with `policy->failure` filled.
static inline int copenssl_prepare_context(SSL_CTX *context, copenssl_peer_policy *policy, const char *ca_file) {
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(context, TLS1_2_VERSION);
    SSL_CTX_set_app_data(context, policy);
    if (policy->mode == COPENSSL_MODE_INSECURE) {
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, copenssl_record_callback);
        return 1;
    }
    if (policy->mode == COPENSSL_MODE_CA && SSL_CTX_load_verify_locations(context, ca_file, NULL) != 1) {
        snprintf(policy->failure, sizeof(policy->failure), "cannot load CA file %s", ca_file ? ca_file : "(none)");
        return 0;
    }
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, copenssl_verify_callback);
    return 1;
}

/// A server context with `cert_file` (PEM chain) and `key_file`, TLS 1.2 or newer: the simulator's
/// side of a printer's TLS listener. NULL with `error` filled on failure.
static inline SSL_CTX *copenssl_server_context(const char *cert_file, const char *key_file, char *error,
                                               size_t error_len) {
    SSL_CTX *context = SSL_CTX_new(TLS_server_method());
    if (!context) {
        snprintf(error, error_len, "cannot create a TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(context, cert_file) != 1 ||
        SSL_CTX_use_PrivateKey_file(context, key_file, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(context) != 1) {
        snprintf(error, error_len, "cannot load the certificate %s and key %s", cert_file, key_file);
        SSL_CTX_free(context);
        return NULL;
    }
    return context;
}

static inline void copenssl_context_free(SSL_CTX *context) { SSL_CTX_free(context); }
#endif
