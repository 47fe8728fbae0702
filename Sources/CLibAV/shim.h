// SPDX-License-Identifier: AGPL-3.0-or-later
// FFmpeg for Swift, loaded on first use: the daemon maps libavformat's ~100 dependencies only
// once a camera is watched. AVERROR() and AVERROR_EOF are function-like macros Swift cannot see.
#ifndef CLIBAV_SHIM_H
#define CLIBAV_SHIM_H
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/log.h>

static inline int clibav_error_eof(void) { return AVERROR_EOF; }
static inline int clibav_error(int posix_errno) { return AVERROR(posix_errno); }
static inline int clibav_error_again(void) { return AVERROR(EAGAIN); }
static inline int clibav_error_http_unauthorized(void) { return AVERROR_HTTP_UNAUTHORIZED; }
static inline int clibav_error_http_forbidden(void) { return AVERROR_HTTP_FORBIDDEN; }
static inline int clibav_error_http_not_found(void) { return AVERROR_HTTP_NOT_FOUND; }
static inline int clibav_error_exit(void) { return AVERROR_EXIT; }

// Every FFmpeg function the camera adapter calls, typed from FFmpeg's own declarations.
#define CLIBAV_FUNCTIONS(X) \
    X(avformat, avformat_version) X(avformat, avformat_network_init) X(avformat, avformat_alloc_context) \
    X(avformat, avformat_open_input) X(avformat, avformat_close_input) X(avformat, av_read_frame) \
    X(avcodec, avcodec_version) X(avcodec, avcodec_find_decoder) X(avcodec, avcodec_alloc_context3) \
    X(avcodec, avcodec_parameters_to_context) X(avcodec, avcodec_open2) X(avcodec, avcodec_free_context) \
    X(avcodec, avcodec_send_packet) X(avcodec, avcodec_receive_frame) X(avcodec, av_packet_alloc) \
    X(avcodec, av_packet_free) X(avcodec, av_packet_unref) \
    X(avutil, av_dict_set) X(avutil, av_dict_free) X(avutil, av_log_set_level) X(avutil, av_strerror) \
    X(avutil, av_frame_alloc) X(avutil, av_frame_free) X(avutil, av_frame_unref)

#define CLIBAV_FIELD(library, name) __typeof__(name) *name;
typedef struct clibav_functions { CLIBAV_FUNCTIONS(CLIBAV_FIELD) } clibav_functions;
#undef CLIBAV_FIELD

#define CLIBAV_STRING(x) #x
#define CLIBAV_SONAME(library, major) "lib" #library ".so." CLIBAV_STRING(major)

/// Opens the three libraries under the sonames these headers belong to and fills `table`.
/// Returns 0, or -1 with a message in `error` (nothing stays loaded then).
static inline int clibav_load(clibav_functions *table, char *error, size_t error_size) {
    const char *sonames[3] = {
        CLIBAV_SONAME(avutil, LIBAVUTIL_VERSION_MAJOR),
        CLIBAV_SONAME(avcodec, LIBAVCODEC_VERSION_MAJOR),
        CLIBAV_SONAME(avformat, LIBAVFORMAT_VERSION_MAJOR),
    };
    void *handles[3] = {0, 0, 0};
    for (int index = 0; index < 3; index++) {
        handles[index] = dlopen(sonames[index], RTLD_NOW | RTLD_LOCAL);
        if (!handles[index]) {
            snprintf(error, error_size, "%s", dlerror());
            for (int opened = 0; opened < index; opened++) dlclose(handles[opened]);
            return -1;
        }
    }
    void *avutil = handles[0], *avcodec = handles[1], *avformat = handles[2];
    (void)avutil; (void)avcodec; (void)avformat;
#define CLIBAV_RESOLVE(library, name) \
    table->name = (__typeof__(name) *)dlsym(library, #name); \
    if (!table->name) { \
        snprintf(error, error_size, "%s has no %s", CLIBAV_STRING(library), #name); \
        for (int index = 0; index < 3; index++) dlclose(handles[index]); \
        return -1; \
    }
    CLIBAV_FUNCTIONS(CLIBAV_RESOLVE)
#undef CLIBAV_RESOLVE
    return 0;
}
#endif
