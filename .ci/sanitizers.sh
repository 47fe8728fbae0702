#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# The test suites under AddressSanitizer and ThreadSanitizer, each in its own scratch path
# (.build-asan, .build-tsan). .ci/run runs this after `make test`; prints how long each step took.
#
# Which suites run under which sanitizer. CI has 90 minutes; `make test` takes ~17 of them and each
# cold sanitized build of the package ~10-20 more on two cores, so the runs are chosen, not "all twice":
#   address  every in-process suite: the pure core, configuration, simulator and adapter unit tests and
#            the end-to-end pty tests. Memory errors can hide anywhere and ASan costs little run time.
#   thread   the suites where our threads meet: the pty port and host-presence watcher
#            (EndToEndTests), the HTTP server and camera hub (HTTPAdapterTests), the camera worker
#            (CameraAdapterTests), the FTPS transfer queue (FTPSAdapterTests), plus IntegrationTests
#            against the TSan-built daemon, the only place the MQTT client thread, the supervisor and
#            the session drivers run together. The pure core is single-threaded value code.
# Both builds share nothing with .build, so a run costs two cold builds; the tests then run once each.
#
#   SANITIZERS        which to run (default "address thread"; "none" runs nothing)
#   ASAN_SUITES       swift test --filter under AddressSanitizer (default above)
#   TSAN_SUITES       swift test --filter under ThreadSanitizer (default above)
#   TSAN_DAEMON=0     skip IntegrationTests against the TSan-built daemon
#   TSAN_DAEMON_SKIP  swift test --skip for that run. Default: the three tests whose fixed limits a TSan
#                     daemon (5-15x slower) cannot meet: the camera snapshot (the hub's own 3 s limit
#                     answers 503), the FTPS folder test (slow transfers add busy temperature lines the
#                     exact-reply checks do not expect) and the 1,000/s report flood (at least 50 M105
#                     answered during it). They run in `make test`; none of them led to a TSan report.
#   SANITIZE_DAEMON=1 also run IntegrationTests against the ASan-built daemon (slow)
#
# Any sanitizer report fails the run, from the test process or from a child it started (the
# daemon, the simulator): each writes its reports to <scratch>/sanitizer-reports/ (log_path), and
# the script prints them and exits 1 if that directory is not empty afterwards. A failing test fails
# it too. .ci/tsan-suppressions.txt holds the few ThreadSanitizer reports from outside our code, each
# with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SHARED=${BAMBU_SHARED_DIR:-$(cd .. && pwd)/shared}
SANITIZERS=${SANITIZERS:-address thread}
ASAN_SUITES=${ASAN_SUITES:-GCodeTests|BambuModelTests|BridgeCoreTests|BridgeConfigTests|BambuSimulatorTests|FTPSAdapterTests|SystemdAdapterTests|HTTPAdapterTests|CameraAdapterTests|EndToEndTests}
TSAN_SUITES=${TSAN_SUITES:-EndToEndTests|HTTPAdapterTests|CameraAdapterTests|FTPSAdapterTests}
TSAN_DAEMON_SKIP=${TSAN_DAEMON_SKIP:-statusShowsTheSimulatedPrintersAndCameraCodesWork|foldersRenamesAndDownloadsOnTheSimulatedStorage|reportFloodOfAThousandASecondKeepsTheHostFast}
[ "$SANITIZERS" = none ] && { echo "sanitizers: skipped (SANITIZERS=none)"; exit 0; }

export BAMBU_SHARED_DIR="$SHARED" BAMBU_VENV="$PWD/.venv" BAMBU_CHURN_CYCLES=${BAMBU_CHURN_CYCLES:-200}
export SWIFT_BACKTRACE=enable=no

# Runs the tests matching $2 from the sanitized build in $1; with $3 = 1 the tests start the daemon
# (and simulator) from $1 too, skipping the tests matching $4.
run_suites() {
    local scratch=$1 filter=$2 daemon=$3 skip=${4:-}
    if [ "$daemon" = 1 ]; then
        BAMBU_SERIAL_BINARY="$PWD/$scratch/debug/bambu-serial" \
            $SWIFT test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" --filter "$filter" \
            ${skip:+--skip "$skip"}
    else
        $SWIFT test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" --filter "$filter"
    fi
}

for sanitizer in $SANITIZERS; do
    case $sanitizer in
        address) scratch=.build-asan suites=$ASAN_SUITES daemon=${SANITIZE_DAEMON:-0} skip= ;;
        thread) scratch=.build-tsan suites=$TSAN_SUITES daemon=${TSAN_DAEMON:-1} skip=$TSAN_DAEMON_SKIP ;;
        *) echo "unknown sanitizer $sanitizer" >&2; exit 2 ;;
    esac
    reports="$PWD/$scratch/sanitizer-reports"
    rm -rf "$reports" && mkdir -p "$reports"
    # Leaks are not checked (the Swift runtime keeps metadata for good). Reports go to files so the
    # daemon's and the simulator's count too; a process with a report exits non-zero.
    export ASAN_OPTIONS=${ASAN_OPTIONS_EXTRA:+$ASAN_OPTIONS_EXTRA:}detect_leaks=0:halt_on_error=1:log_path=$reports/asan
    export TSAN_OPTIONS=${TSAN_OPTIONS_EXTRA:+$TSAN_OPTIONS_EXTRA:}halt_on_error=0:second_deadlock_stack=1:log_path=$reports/tsan:suppressions=$PWD/.ci/tsan-suppressions.txt

    start=$SECONDS
    $SWIFT build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch"
    built=$SECONDS
    status=0
    run_suites "$scratch" "$suites" 0 || status=$?
    if [ "$daemon" = 1 ]; then
        run_suites "$scratch" IntegrationTests 1 "$skip" || status=$?
    fi
    echo "sanitizer $sanitizer: build $((built - start)) s, tests $((SECONDS - built)) s"
    if [ -n "$(ls -A "$reports")" ]; then
        for report in "$reports"/*; do echo "== $report"; cat "$report"; done >&2
        echo "sanitizer $sanitizer: reports above ($reports)" >&2
        exit 1
    fi
    if [ "$status" != 0 ]; then
        echo "sanitizer $sanitizer: tests failed (exit $status)" >&2
        exit "$status"
    fi
done
