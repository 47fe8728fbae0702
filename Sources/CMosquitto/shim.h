// SPDX-License-Identifier: AGPL-3.0-or-later
// libmosquitto for Swift: the API has no variadic calls, so this only includes the header.
#ifndef CMOSQUITTO_SHIM_H
#define CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#endif
