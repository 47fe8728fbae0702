// SPDX-License-Identifier: AGPL-3.0-or-later
// The pty is a port the supervisor can close.

import BridgeRuntime

extension PseudoTerminal: ClosableHostPort {}
