#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# make demo: simulated printers plus the daemon; prints the ports to attach to. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${BAMBU_SERIAL_BINARY:-.build/debug/bambu-serial}
models=${MODELS:-x1c,p1s,h2d}
dir=$(mktemp -d /tmp/bambu-demo-XXXXXX)
console="$dir/console.fifo"
mkfifo "$console"

sim_pid=""; run_pid=""
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "Stopping..."
  [ -n "$run_pid" ] && kill -TERM "$run_pid" 2>/dev/null && wait "$run_pid" 2>/dev/null || true
  [ -n "$sim_pid" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null || true
  exec 3>&- 2>/dev/null || true
  echo "Stopped. Files are in $dir (logs: sim.log, daemon.log)."
}
trap cleanup INT TERM EXIT

"$binary" sim --models "$models" --dir "$dir" <"$console" >"$dir/sim.log" 2>&1 &
sim_pid=$!
exec 3>"$console"   # keeps the simulator's console open; lines typed below go to it

for _ in $(seq 1 300); do
  grep -q '^ready ' "$dir/sim.log" 2>/dev/null && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$dir/sim.log"; exit 1; }
  sleep 0.1
done
grep -q '^ready ' "$dir/sim.log" || { echo "The simulator did not start:"; cat "$dir/sim.log"; exit 1; }

"$binary" run --config "$dir/bambu-serial.toml" >"$dir/daemon.log" 2>&1 &
run_pid=$!
names=$(sed -n 's/^ready .*printers=//p' "$dir/sim.log" | tr ',' ' ')
for _ in $(seq 1 100); do
  all=1
  for name in $names; do [ -e "$dir/dev/$name" ] || all=0; done
  [ "$all" = 1 ] && break
  kill -0 "$run_pid" 2>/dev/null || { cat "$dir/daemon.log"; exit 1; }
  sleep 0.1
done

echo
echo "bambu-serial demo: simulated printers are up and the bridge is running."
echo
grep '^printer ' "$dir/sim.log" | while read -r _ name rest; do
  echo "  $dir/dev/$name    ($rest)"
done
echo
listen=$(sed -n 's/^listen *= *"\(.*\)"/\1/p' "$dir/bambu-serial.toml" | head -n 1)
listen=${listen:-127.0.0.1:8093}
for _ in $(seq 1 50); do grep -q "http endpoint" "$dir/daemon.log" 2>/dev/null && break; sleep 0.1; done
echo "Cameras (MJPEG, snapshots) and status over HTTP:"
for name in $names; do
  echo "  http://$listen/$name/stream    http://$listen/$name/snapshot"
done
echo "  http://$listen/status"
echo
echo "Attach a serial host to one of the ports above, for example:"
first=$(echo "$names" | awk '{print $1}')
echo "  tio $dir/dev/$first"
echo "  screen $dir/dev/$first 115200"
echo "  OctoPrint: Settings > Serial Connection > Additional serial ports: $dir/dev/*"
echo "Then type G-code: M105, M155 S2, M104 S215, M106 S255, M355 S1, M220 S124, M8100 (our own codes),"
echo "M8101 (status), M8102 (AMS), M701 A0 S1 (load a tray) ..."
echo
echo "This terminal is the simulator's console: hms $first 0300_0100_0001_0007, pause $first,"
echo "start $first Benchy.gcode.3mf, lock $first, broker restart ... (see 'bambu-serial sim --help')."
echo "Logs: $dir/daemon.log and $dir/sim.log. Ctrl-C stops everything."
echo
tail -n 0 -f "$dir/sim.log" --pid="$sim_pid" | grep --line-buffered -v '^request ' &
while IFS= read -r line; do
  printf '%s\n' "$line" >&3
done
wait "$sim_pid"
