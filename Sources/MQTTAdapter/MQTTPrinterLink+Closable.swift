// SPDX-License-Identifier: AGPL-3.0-or-later
// The MQTT link is a link the supervisor can close.

import BridgeRuntime

extension MQTTPrinterLink: ClosablePrinterLink {}
