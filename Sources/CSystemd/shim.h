// SPDX-License-Identifier: AGPL-3.0-or-later
// libsystemd for Swift: sd_journal_send is variadic, so structured fields go through sd_journal_sendv here.
#ifndef CSYSTEMD_SHIM_H
#define CSYSTEMD_SHIM_H
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

/// Sends `count` "KEY=value" fields to the journal; the iovecs live only inside this call.
static inline int csystemd_journal_send(const char *const *fields, size_t count) {
    struct iovec *vectors = calloc(count, sizeof(struct iovec));
    if (vectors == NULL) { return -12; }
    for (size_t index = 0; index < count; index++) {
        vectors[index].iov_base = (void *)fields[index];
        vectors[index].iov_len = strlen(fields[index]);
    }
    int result = sd_journal_sendv(vectors, (int)count);
    free(vectors);
    return result;
}
#endif
