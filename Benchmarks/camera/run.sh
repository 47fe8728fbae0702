#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Camera benchmark: our RTSPS→MJPEG path beside ffmpeg on the same simulated stream, and the P1-style passthrough.
#
# Starts `bambu-serial sim --models x1c,p1s` (RTSPS 1280x720 15 fps H.264; JPEG stream 1280x720 at
# --camera-fps), then for SECONDS (default 60) runs, at the same time on the same stream:
#   * `bambu-serial camera-bench <x1c>`   (our decoder → TurboJPEG at QUALITY, default 80)
#   * `ffmpeg -rtsp_transport tcp -i rtsps://… -f mpjpeg -q:v QSCALE /dev/null` (default 5)
# and prints CPU seconds per minute of video for both (ffmpeg's from getrusage of its parent) and the
# ratio; then the passthrough: `camera-bench <p1s>` CPU and per-frame delay.
# Usage: Benchmarks/camera/run.sh [SECONDS]   (BIN=path/to/bambu-serial, QUALITY, QSCALE, JPEG_FPS)
set -euo pipefail

cd "$(dirname "$0")/../.."
SECONDS_TO_RUN=${1:-60}
BIN=${BIN:-.build/release/bambu-serial}
QUALITY=${QUALITY:-80}
QSCALE=${QSCALE:-5}
JPEG_FPS=${JPEG_FPS:-2}
[ -x "$BIN" ] || { echo "build first: swift build -c release (or set BIN)" >&2; exit 1; }
command -v ffmpeg >/dev/null || { echo "ffmpeg is missing (apt-get install ffmpeg)" >&2; exit 1; }

work=$(mktemp -d /tmp/bambu-camera-bench-XXXXXX)
sim_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The simulator reads commands from stdin: keep it open with a FIFO.
mkfifo "$work/stdin"
"$BIN" sim --models x1c,p1s --dir "$work/sim" --camera-fps "$JPEG_FPS" <"$work/stdin" >"$work/sim.log" 2>&1 &
sim_pid=$!
exec 3>"$work/stdin"
for _ in $(seq 1 300); do grep -q '^ready ' "$work/sim.log" && break; sleep 0.1; done
grep -q '^ready ' "$work/sim.log" || { cat "$work/sim.log" >&2; exit 1; }
config="$work/sim/bambu-serial.toml"
rtsp_port=$(sed -n 's/^printer x1c .*camera=rtsps:127.0.0.1:\([0-9]*\).*/\1/p' "$work/sim.log")
code=$(awk -F'"' '/^name = "x1c"/{found=1} found && /^access_code/{print $2; exit}' "$config")

echo "== RTSPS 1280x720 15 fps → MJPEG, ${SECONDS_TO_RUN} s, quality ${QUALITY} (ours) vs -q:v ${QSCALE} (ffmpeg), same stream, same time"
# ffmpeg runs under a small Python parent that prints the child's exact CPU time (getrusage of
# the waited-for child), so its figure has the same precision as ours.
python3 - "$work/ffmpeg-cpu.txt" ffmpeg -nostdin -hide_banner -loglevel error -rtsp_transport tcp \
  -i "rtsps://bblp:${code}@127.0.0.1:${rtsp_port}/streaming/live/1" \
  -an -f mpjpeg -q:v "$QSCALE" -t "$SECONDS_TO_RUN" "$work/ffmpeg.mjpeg" <<'PY' &
import resource, subprocess, sys
subprocess.run(sys.argv[2:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.3f" % (usage.ru_utime + usage.ru_stime))
PY
ffmpeg_pid=$!
"$BIN" camera-bench --config "$config" x1c --seconds "$SECONDS_TO_RUN" --quality "$QUALITY" --max-fps "${MAX_FPS:-30}" >"$work/ours.txt" &
ours_pid=$!
wait "$ffmpeg_pid" || true
wait "$ours_pid"
ffmpeg_cpu=$(cat "$work/ffmpeg-cpu.txt")
ours=$(cat "$work/ours.txt")
echo "ours:   $ours"
ffmpeg_frames=$(grep -c -a '^Content-type: image/jpeg' "$work/ffmpeg.mjpeg" || true)
ffmpeg_bytes=$(stat -c %s "$work/ffmpeg.mjpeg")
ffmpeg_per_min=$(awk -v c="$ffmpeg_cpu" -v s="$SECONDS_TO_RUN" 'BEGIN { printf "%.3f", c * 60 / s }')
echo "ffmpeg: frames=$ffmpeg_frames mean_jpeg_bytes=$((ffmpeg_bytes / (ffmpeg_frames > 0 ? ffmpeg_frames : 1))) cpu_seconds=$ffmpeg_cpu cpu_seconds_per_minute=$ffmpeg_per_min"
ours_per_min=$(sed -n 's/.*cpu_seconds_per_minute=\([0-9.]*\).*/\1/p' <<<"$ours")
awk -v o="$ours_per_min" -v f="$ffmpeg_per_min" 'BEGIN { printf "ratio ours/ffmpeg CPU per minute of video: %.2f\n", o / f }'

echo "== P1-style JPEG stream passthrough, ${SECONDS_TO_RUN} s at ${JPEG_FPS} fps"
echo "passthrough: $("$BIN" camera-bench --config "$config" p1s --seconds "$SECONDS_TO_RUN")"
