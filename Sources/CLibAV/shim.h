// SPDX-License-Identifier: AGPL-3.0-or-later
// FFmpeg for Swift: AVERROR() and AVERROR_EOF are function-like macros Swift cannot see.
#ifndef CLIBAV_SHIM_H
#define CLIBAV_SHIM_H
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>

static inline int clibav_error_eof(void) { return AVERROR_EOF; }
static inline int clibav_error(int posix_errno) { return AVERROR(posix_errno); }
static inline int clibav_error_again(void) { return AVERROR(EAGAIN); }
static inline int clibav_error_http_unauthorized(void) { return AVERROR_HTTP_UNAUTHORIZED; }
static inline int clibav_error_http_forbidden(void) { return AVERROR_HTTP_FORBIDDEN; }
static inline int clibav_error_http_not_found(void) { return AVERROR_HTTP_NOT_FOUND; }
static inline int clibav_error_exit(void) { return AVERROR_EXIT; }
#endif
