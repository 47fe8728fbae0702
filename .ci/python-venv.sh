#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Creates .venv with the Python peers the tests drive (pyserial; pyftpdlib + pyopenssl for the FTPS server;
# pytest, requests and OctoPrint for the host tests; Printrun's core, installed without its GUI dependencies).
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=.ci/test-requirements.txt
# Installed with --no-deps: a full `pip install printrun` pulls wxPython and dbus (a GUI stack).
no_deps_requirements=("printrun>=2.2,<3")
stamp=.venv/.requirements-installed
wanted() {
  cat "$requirements"
  printf -- '--no-deps %s\n' "${no_deps_requirements[@]}"
}
if [ -f "$stamp" ] && wanted | cmp -s - "$stamp"; then exit 0; fi
python=/usr/bin/python3
[ -x "$python" ] || python=python3
"$python" -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -r "$requirements"
.venv/bin/pip install -q --no-deps "${no_deps_requirements[@]}"
wanted >"$stamp"
