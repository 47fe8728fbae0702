// SPDX-License-Identifier: AGPL-3.0-or-later
// libjpeg-turbo 2.1 for Swift: the tj* API (tj3* does not exist in 2.1.5).
#ifndef CTURBOJPEG_SHIM_H
#define CTURBOJPEG_SHIM_H
#include <turbojpeg.h>
#endif
