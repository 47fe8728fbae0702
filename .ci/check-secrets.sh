#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# After the whole test run: no access code used by any test may appear in any output it produced
# (daemon, simulator, OctoPrint, status and check commands, the serial hosts' transcripts).
set -uo pipefail
dir=${1:?usage: check-secrets.sh OUTPUT_DIR}
passed=0; failed=0
codes=$(cat "$dir"/*.codes 2>/dev/null | grep -E '^[^ ]+$' | sort -u)
logs=$(ls "$dir"/*.log 2>/dev/null | wc -l)
if [ -z "$codes" ] || [ "$logs" = 0 ]; then
  echo "FAIL no recorded access codes or outputs in $dir"
  failed=1
else
  for code in $codes; do
    if grep -rlwF --include='*.log' -e "$code" "$dir" >/dev/null; then
      echo "FAIL access code found in: $(grep -rlwF --include='*.log' -e "$code" "$dir" | tr '\n' ' ')"
      failed=$((failed + 1))
    else
      passed=$((passed + 1))
    fi
  done
  echo "checked $(echo "$codes" | wc -l) access codes against $logs output files"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
