// SPDX-License-Identifier: AGPL-3.0-or-later
// zlib for Swift: inflateInit2 is a macro, so it gets a function wrapper.
#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
#include <zlib.h>

/// Raw deflate (no zlib or gzip header), as ZIP archives store it: window bits -15.
static inline int czlib_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -15);
}
#endif
