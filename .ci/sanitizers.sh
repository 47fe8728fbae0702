#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# The test suites under AddressSanitizer and ThreadSanitizer, each in its own scratch path
# (.build-asan, .build-tsan). Run after `make test` (.ci/run); prints how long each step took.
#
#   SANITIZERS        which to run (default "address thread")
#   SANITIZER_SUITES  swift test --filter for the in-process suites (default: unit and end-to-end)
#   SANITIZE_DAEMON=1 also run IntegrationTests with the sanitized bambu-serial binary (slow)
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SHARED=${BAMBU_SHARED_DIR:-$(cd .. && pwd)/shared}
SANITIZERS=${SANITIZERS:-address thread}
SUITES=${SANITIZER_SUITES:-GCodeTests|BambuModelTests|BridgeCoreTests|BridgeConfigTests|BambuSimulatorTests|FTPSAdapterTests|SystemdAdapterTests|EndToEndTests}

export BAMBU_SHARED_DIR="$SHARED" BAMBU_VENV="$PWD/.venv" BAMBU_CHURN_CYCLES=${BAMBU_CHURN_CYCLES:-200}
# Reports go to stderr and fail the run; leaks are not checked (the Swift runtime keeps metadata for good).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
export SWIFT_BACKTRACE=enable=no

for sanitizer in $SANITIZERS; do
    case $sanitizer in
        address) scratch=.build-asan ;;
        thread) scratch=.build-tsan ;;
        *) echo "unknown sanitizer $sanitizer" >&2; exit 2 ;;
    esac
    start=$SECONDS
    $SWIFT build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch"
    built=$SECONDS
    $SWIFT test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" --filter "$SUITES"
    if [ "${SANITIZE_DAEMON:-0}" = 1 ]; then
        BAMBU_SERIAL_BINARY="$PWD/$scratch/debug/bambu-serial" \
            $SWIFT test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" --filter IntegrationTests
    fi
    echo "sanitizer $sanitizer: build $((built - start)) s, tests $((SECONDS - built)) s"
done
