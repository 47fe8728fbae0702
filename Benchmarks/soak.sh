#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Soak (not in CI): PRINTERS simulated printers reporting at 1 Hz for DURATION seconds on one daemon;
# samples the daemon's RSS every 10 s and prints its growth after a WARMUP-second warm-up (goal < 1 MB).
#   Benchmarks/soak.sh                      # 100 printers, 600 s, 60 s warm-up
#   DURATION=3600 PRINTERS=50 Benchmarks/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python=.build/bench-venv/bin/python
[ -x "$python" ] || python=python3
exec "$python" Benchmarks/bench.py soak --printers "${PRINTERS:-100}" --duration "${DURATION:-600}" \
  --warmup "${WARMUP:-60}" --model "${MODEL:-x1c}"
