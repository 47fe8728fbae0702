#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Installs what building, testing and the demo need on Debian 12: only what is missing.
set -euo pipefail

packages=(
  # C libraries we link (headers + pkg-config files)
  libmosquitto-dev libcurl4-openssl-dev libavformat-dev libavcodec-dev libavutil-dev
  libturbojpeg0-dev libsystemd-dev libssl-dev zlib1g-dev pkg-config
  # peers the simulator and the tests start
  mosquitto mosquitto-clients openssl
  # the simulator's cameras (gst-rtsp-server through Debian's python3-gi) and the camera benchmark
  python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-rtsp gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-ugly glib-networking ffmpeg
  # network namespaces and veth pairs for the unreachable-printer test
  iproute2
  # Python hosts for end-to-end tests (pyserial, OctoPrint) live in a venv
  python3 python3-venv python3-dev gcc
  # make deb and the service tests: dpkg-shlibdeps, strip, systemd-analyze, groff
  dpkg-dev binutils systemd groff-base
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  echo "Installing missing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "The Swift toolchain (6.0 or newer) is not on PATH; install it from swift.org and run again." >&2
  exit 1
fi
