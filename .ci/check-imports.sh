#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Enforces the import rules of the design (§2.3): the pure core imports only the standard library
# and its own pure modules; only one adapter imports each C module.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
check() {  # target, allowed modules (regex)
  local target=$1 allowed=$2
  local bad
  bad=$(grep -hoE '^(@_implementationOnly |public |internal |package )?import [A-Za-z_]+' "Sources/$target"/*.swift "Sources/$target"/**/*.swift 2>/dev/null \
        | awk '{print $NF}' | sort -u | grep -vxE "$allowed" || true)
  if [ -n "$bad" ]; then
    echo "Sources/$target imports what it must not: $bad" >&2
    status=1
  fi
}
shopt -s globstar nullglob
check GCode ''
check BambuModel ''
check BridgeCore 'GCode|BambuModel'
check BridgeConfig 'TOMLKit|BambuModel|Foundation|Glibc'
# NIOConcurrencyHelpers: NIOLockedValueBox, a pthread-mutex lock ThreadSanitizer can see (Synchronization.Mutex is
# futex-based on Linux and invisible to it, so every Mutex was a false race report).
check BridgeRuntime 'BridgeCore|BridgeConfig|BambuModel|GCode|Logging|ServiceLifecycle|Synchronization|NIOConcurrencyHelpers|Foundation|Glibc'

for module in CMosquitto CCurl CLibAV CTurboJPEG CSystemd CZlib; do
  users=$(grep -lE "import $module\$" Sources/**/*.swift | xargs -r -n1 dirname | sort -u)
  count=$(printf '%s\n' "$users" | grep -c . || true)
  if [ "$count" -gt 1 ]; then
    echo "$module is imported by more than one target: $users" >&2
    status=1
  fi
  if grep -lE "^import $module\$|^(public|package) import $module\$" Sources/**/*.swift >/dev/null 2>&1; then
    echo "$module must be imported with 'internal import' so no C type leaks: $(grep -lE "^import $module\$|^(public|package) import $module\$" Sources/**/*.swift)" >&2
    status=1
  fi
done
exit $status
