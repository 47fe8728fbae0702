// SPDX-License-Identifier: AGPL-3.0-or-later
// The code at the start of a host command line: G28, M105, T1 or an extended word.

/// The code that selects what a host line does.
///
/// Exists so the command table can be keyed by a value instead of strings: `M105`, `m105` and
/// `M0105` are the same code.
package enum CommandCode: Hashable, Sendable, CustomStringConvertible, Comparable {
    case g(Int)
    case m(Int)
    case t(Int)
    /// A word that is not a letter and a number, e.g. `STATUS` (Klipper-style extended command).
    case extended(String)

    package var description: String {
        switch self {
        case .g(let number): "G\(number)"
        case .m(let number): "M\(number)"
        case .t(let number): "T\(number)"
        case .extended(let word): word
        }
    }

    private var sortKey: (Int, Int, String) {
        switch self {
        case .g(let number): (0, number, "")
        case .m(let number): (1, number, "")
        case .t(let number): (2, number, "")
        case .extended(let word): (3, 0, word)
        }
    }

    package static func < (lhs: CommandCode, rhs: CommandCode) -> Bool { lhs.sortKey < rhs.sortKey }
}
