#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Creates .venv with the Python serial hosts the end-to-end tests drive (pyserial; more later).
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=scripts/test-requirements.txt
stamp=.venv/.requirements-installed
if [ -f "$stamp" ] && cmp -s "$requirements" "$stamp"; then exit 0; fi
python=/usr/bin/python3
[ -x "$python" ] || python=python3
"$python" -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -r "$requirements"
cp "$requirements" "$stamp"
