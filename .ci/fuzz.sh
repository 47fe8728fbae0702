#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Builds the two libFuzzer targets (Tests/Fuzz) and runs them: host lines, then printer reports.
#
#   FUZZ_RUNS          host-line inputs (default 10000000)
#   REPORT_FUZZ_RUNS   report inputs (default FUZZ_RUNS / 10)
#   FUZZ_MAX_SECONDS   stop each target after this many seconds (default 0: no limit)
#   FUZZ_SANITIZER     swiftc -sanitize= value (default fuzzer,address; fuzzer alone runs ~5x faster)
#   BAMBU_SHARED_DIR   shared fixtures; the report seeds are generated from them at run time
# Crashes are written to .build-fuzz/artifacts/ and make the script fail.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
FUZZ_RUNS=${FUZZ_RUNS:-10000000}
REPORT_FUZZ_RUNS=${REPORT_FUZZ_RUNS:-$((FUZZ_RUNS / 10))}
FUZZ_MAX_SECONDS=${FUZZ_MAX_SECONDS:-0}
FUZZ_SANITIZER=${FUZZ_SANITIZER:-fuzzer,address}
SHARED=${BAMBU_SHARED_DIR:-$(cd .. && pwd)/shared}
SCRATCH=.build-fuzz
[ "$FUZZ_SANITIZER" = "fuzzer,address" ] || SCRATCH=.build-fuzz-${FUZZ_SANITIZER//,/-}

for product in HostLineFuzzer ReportFuzzer; do
    BAMBU_FUZZ=1 $SWIFT build --scratch-path "$SCRATCH" -c release -Xswiftc "-sanitize=$FUZZ_SANITIZER" \
        --product "$product"
done
BIN="$SCRATCH/release"
mkdir -p "$SCRATCH/corpus/host" "$SCRATCH/corpus/report" "$SCRATCH/artifacts"
python3 Tests/Fuzz/seed-from-fixtures.py "$SHARED" "$SCRATCH/corpus/report-seeds"

export BAMBU_SHARED_DIR="$SHARED" SWIFT_BACKTRACE=enable=no
run() {
    local product=$1 runs=$2 max_len=$3
    shift 3
    echo "== $product: $runs inputs"
    local start=$SECONDS
    "$BIN/$product" "$@" -runs="$runs" -max_total_time="$FUZZ_MAX_SECONDS" -max_len="$max_len" \
        -artifact_prefix="$SCRATCH/artifacts/$product-" -print_final_stats=1 -jobs=0 2>&1 \
        | grep -E "^(#[0-9]+ +(INITED|DONE|pulse))|stat::|ERROR|invariant|SUMMARY|Test unit written" || true
    local status=${PIPESTATUS[0]}
    echo "== $product: exit $status after $((SECONDS - start)) s"
    return "$status"
}
run HostLineFuzzer "$FUZZ_RUNS" 4096 "$SCRATCH/corpus/host" Tests/Fuzz/Seeds/host
run ReportFuzzer "$REPORT_FUZZ_RUNS" 65536 -dict=Tests/Fuzz/report.dict "$SCRATCH/corpus/report" Tests/Fuzz/Seeds/report "$SCRATCH/corpus/report-seeds"
