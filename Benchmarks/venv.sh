#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Creates .build/bench-venv with the peer the benchmarks compare against (bambu-printer-manager).
# Kept apart from .venv so `make test` never installs or imports it.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/bench-venv
requirements=Benchmarks/requirements.txt
stamp=$venv/.requirements-installed
if [ -f "$stamp" ] && cmp -s "$requirements" "$stamp"; then exit 0; fi
python=/usr/bin/python3
[ -x "$python" ] || python=python3
"$python" -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q -r "$requirements"
cp "$requirements" "$stamp"
