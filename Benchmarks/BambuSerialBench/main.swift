// SPDX-License-Identifier: AGPL-3.0-or-later
// bambu-serial-bench: the measuring tools behind Benchmarks/*.sh (see BENCHMARKS.md).

#if canImport(Glibc)
import Glibc
#endif

let usage = """
    usage: bambu-serial-bench <command> [options]
      echo --link PATH
          The floor: a pty whose other end answers every line with one `ok T:…` line (no daemon).
      roundtrip --port PATH [--port PATH…] [--count N] [--warmup N] [--line TEXT]
          Writes TEXT (default M105) and reads up to the `ok` line, N times per port, the ports
          interleaved request by request; prints percentiles per port (µs) as JSON lines.
      throughput --port PATH [--port PATH…] [--count N] [--block N]
          OctoPrint-style ping-pong `N<n> G1 X1*<cs>`, waiting for each `ok`; the ports take turns
          in blocks; prints lines per second per port as JSON lines.
      ingest --fixtures DIR [--seconds S] [--dump FILE]
          Report ingest (parse + merge into PrinterState) per fixture, thread CPU time; JSON lines.
          --dump appends the wire messages as `fixture<TAB>json` lines (for Benchmarks/ingest.py).
      ingest-count --fixtures DIR --iterations N [--stage streams|changing|stored|stored-ingest|stored-parse|stored-parse-cold]
          The same work a fixed N times with no timing, for instruction counts: run it under
          `valgrind --tool=callgrind` with N and with 0, and divide the difference by N.
    """

var arguments = CommandLine.arguments.dropFirst()
guard let command = arguments.popFirst() else {
    print(usage)
    exit(2)
}
let options = BenchOptions(Array(arguments))
switch command {
case "echo":
    EchoFloor.run(link: options.string("link") ?? "/tmp/bambu-serial-bench-echo")
case "roundtrip":
    RoundTrip.run(
        ports: options.strings("port"), count: options.int("count") ?? 10_000, warmup: options.int("warmup") ?? 200,
        line: options.string("line") ?? "M105")
case "throughput":
    Throughput.run(ports: options.strings("port"), count: options.int("count") ?? 10_000, block: options.int("block") ?? 500)
case "ingest":
    ReportIngest.run(
        fixtures: options.string("fixtures") ?? "../shared/fixtures/reports", seconds: options.double("seconds") ?? 0.5,
        dump: options.string("dump"))
case "ingest-count":
    ReportIngest.count(
        fixtures: options.string("fixtures") ?? "../shared/fixtures/reports", iterations: options.int("iterations") ?? 100,
        stage: options.string("stage") ?? "streams")
default:
    print(usage)
    exit(2)
}
