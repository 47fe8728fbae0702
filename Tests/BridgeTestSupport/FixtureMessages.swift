// SPDX-License-Identifier: AGPL-3.0-or-later
// Unwraps the shared report fixtures into the MQTT messages they hold.

package import BambuModel

/// Reads a report fixture and yields its messages in a sensible arrival order.
///
/// Exists because the fixtures keep their origin's wrapper shapes (fixtures/reports/README.md):
/// ha-bambulab `{"pushall": {"print": …}, "get_version": {"info": …}}` or `{"push_all": <print body>,
/// "push_…": <partial body>, "get_version": <info body>}`, bambu-rs `{"_meta": …, "message": …}`,
/// Rdiger-36 `{"pushall": …, "deltas": [<print body>…]}`, and plain arrays of messages. Full reports come
/// first, then partials and deltas in file order, then version answers.
package enum FixtureMessages {
    /// The messages in `name`, unwrapped.
    package static func load(_ name: String) throws -> [JSONValue] {
        let document = try JSONValue(parsing: Fixtures.readBytes(Fixtures.reportPath(name)))
        if let messages = document.arrayValue { return messages }
        guard let wrapper = document.objectValue else { return [] }
        if let message = wrapper["message"] { return [message] }

        var full: [JSONValue] = []
        var partial: [JSONValue] = []
        var version: [JSONValue] = []
        for (key, value) in wrapper {
            switch key {
            case "source", "_meta":
                continue
            case "get_version":
                version.append(wrapped(value, in: "info"))
            case "pushall", "push_all":
                full.append(wrapped(value, in: "print"))
            case "deltas":
                partial += (value.arrayValue ?? []).map { wrapped($0, in: "print") }
            default:
                partial.append(wrapped(value, in: "print"))
            }
        }
        return full + partial + version
    }

    /// A state with every message of `name` applied, and what each `apply` returned.
    package static func state(_ name: String) throws -> (state: PrinterState, kinds: [[ReportKind]]) {
        var state = PrinterState()
        let kinds = try load(name).map { state.apply($0) }
        return (state, kinds)
    }

    /// `{module: body}` unless `value` already is such a message.
    private static func wrapped(_ value: JSONValue, in module: String) -> JSONValue {
        value[module] != nil ? value : .object(JSONObject([module: value]))
    }
}
