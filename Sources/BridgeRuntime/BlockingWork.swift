// SPDX-License-Identifier: AGPL-3.0-or-later
// Blocking work (file reads, large parses, inflating) moved off Swift's cooperative pool.

import Foundation

/// Runs `work` on a Dispatch thread and resumes the caller with its result.
///
/// Exists because a blocking call on the cooperative pool holds one of its few threads (two on a
/// two-core machine) and stalls every session's loop meanwhile; one helper keeps every such call
/// the same.
package func offCooperativePool<Value: Sendable>(
    _ work: @escaping @Sendable () throws -> Value
) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

/// `offCooperativePool` for work that cannot fail.
package func offCooperativePool<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: work()) }
    }
}
