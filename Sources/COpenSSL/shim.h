#ifndef CONVEYOR_COPENSSL_SHIM_H
#define CONVEYOR_COPENSSL_SHIM_H
// Debian's OpenSSL 3 (libssl-dev), for rediss:// in the Redis client: bookworm's hiredis 0.14 has no TLS.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

// Macros over SSL_ctrl that Swift cannot import; thin functions with the same meaning.
static inline long conveyor_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

static inline int conveyor_SSL_CTX_set_min_proto_version(SSL_CTX *context, int version) {
    return (int)SSL_CTX_set_min_proto_version(context, version);
}
#endif
