#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Builds .build/bambu-serial_<version>_<arch>.deb from a release build with the Swift runtime linked in.
#
# Environment: VERSION (0.1.0), SWIFT (swift), MAINTAINER (the last commit's author),
# DEB_COMPRESSION (xz; the tests use zstd, much faster on this 60 MB binary), and
# DEB_REUSE_BUILD=1 to package an existing .build/release/bambu-serial without building (the
# tests use it: the release build takes minutes), as long as it needs no toolchain library.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
version=${VERSION:-0.1.0}
swift=${SWIFT:-swift}
arch=$(dpkg --print-architecture)
binary=.build/release/bambu-serial
maintainer=${MAINTAINER:-$(git log -1 --format='%an <%ae>' 2>/dev/null || true)}
maintainer=${maintainer:-bambu-serial developers <bambu-serial@localhost>}

fail() {
    echo "build-deb: $*" >&2
    exit 1
}

# True if the binary exists and needs nothing from the Swift toolchain at run time.
self_contained() {
    [ -x "$binary" ] || return 1
    ! ldd "$binary" | grep -Eq '/opt/swift|libswift|libFoundation|libdispatch|libBlocksRuntime|not found'
}

if [ "${DEB_REUSE_BUILD:-0}" = 1 ] && self_contained; then
    echo "build-deb: packaging the existing $binary"
else
    # SwiftPM's --static-swift-stdlib links the Swift runtime and Foundation into the binary (what
    # -Xswiftc -static-stdlib does for one target). It changes the build flags, so alternating
    # with a plain `make release` rebuilds every module (minutes) each time.
    "$swift" build -c release --static-swift-stdlib --product bambu-serial
fi
self_contained || fail "$binary still links the Swift toolchain's libraries:
$(ldd "$binary" | grep -E '/opt/swift|libswift|not found' || true)"
binary_version=$("$binary" version | head -1)
[ "$binary_version" = "bambu-serial $version" ] || fail "the binary says '$binary_version', the package is $version"

name="bambu-serial_${version}_${arch}"
stage=.build/deb/$name
rm -rf "$stage"
mkdir -p "$stage/DEBIAN"

install -D -m 0755 "$binary" "$stage/usr/bin/bambu-serial"
strip --remove-section=.comment --remove-section=.note "$stage/usr/bin/bambu-serial"
install -D -m 0644 systemd/bambu-serial.service "$stage/lib/systemd/system/bambu-serial.service"
install -D -m 0644 systemd/bambu-serial.tmpfiles.conf "$stage/usr/lib/tmpfiles.d/bambu-serial.conf"
install -D -m 0644 systemd/bambu-serial.sysusers.conf "$stage/usr/lib/sysusers.d/bambu-serial.conf"
install -D -m 0644 etc/bambu-serial.toml "$stage/etc/bambu-serial/bambu-serial.toml"
install -D -m 0755 Sources/BambuSimulator/ftps_server.py "$stage/usr/share/bambu-serial/ftps_server.py"
install -D -m 0755 Sources/BambuSimulator/camera_server.py "$stage/usr/share/bambu-serial/camera_server.py"
for page in man/*.[0-9]; do
    section=${page##*.}
    install -D -m 0644 "$page" "$stage/usr/share/man/man$section/$(basename "$page")"
    gzip -9n "$stage/usr/share/man/man$section/$(basename "$page")"
done
install -d -m 0755 "$stage/usr/share/doc/bambu-serial"
gzip -9n -c README.md >"$stage/usr/share/doc/bambu-serial/README.md.gz"
chmod 0644 "$stage/usr/share/doc/bambu-serial/README.md.gz"
cat >"$stage/usr/share/doc/bambu-serial/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: bambu-serial

Files: *
Copyright: the bambu-serial developers
License: AGPL-3.0-or-later
 This program is free software: you can redistribute it and/or modify it under the terms of the
 GNU Affero General Public License as published by the Free Software Foundation, either version 3
 of the License, or (at your option) any later version.
 .
 This program is distributed in the hope that it will be useful, but WITHOUT ANY WARRANTY; without
 even the implied warranty of MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE. See the GNU
 Affero General Public License for more details.
 .
 The full text is at https://www.gnu.org/licenses/agpl-3.0.txt.
 .
 The binary links the Swift runtime and Foundation statically (Apache-2.0 with Runtime Library
 Exception), see https://swift.org/LICENSE.txt.
EOF
chmod 0644 "$stage/usr/share/doc/bambu-serial/copyright"

for script in postinst prerm postrm; do
    install -m 0755 ".ci/deb/$script" "$stage/DEBIAN/$script"
done
echo /etc/bambu-serial/bambu-serial.toml >"$stage/DEBIAN/conffiles"

# Depends: the packages of the libraries the binary links (dpkg-shlibdeps reads their symbols
# files for the lowest versions), plus systemd for the maintainer scripts' sysusers and tmpfiles.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/debian"
printf 'Source: bambu-serial\n\nPackage: bambu-serial\nArchitecture: any\n' >"$work/debian/control"
shlibs=$(cd "$work" && dpkg-shlibdeps -O "$root/$stage/usr/bin/bambu-serial" 2>/dev/null)
shlibs=${shlibs#shlibs:Depends=}
[ -n "$shlibs" ] || fail "dpkg-shlibdeps found no dependencies"
# FFmpeg is opened with dlopen on the first camera view (Sources/CLibAV), so dpkg-shlibdeps cannot
# see it: add the packages of the sonames the binary was built against, from their shlibs files.
for library in avutil avcodec avformat; do
    major=$(pkg-config --modversion "lib$library" | cut -d. -f1)
    package=$(dpkg -S "/usr/lib/*/lib$library.so.$major" 2>/dev/null | cut -d: -f1 | head -1)
    [ -n "$package" ] || fail "no installed package has lib$library.so.$major"
    dependency=$(dpkg-query --control-show "$package" shlibs | awk -v name="lib$library" -v major="$major" \
        '$1 == name && $2 == major { $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }')
    [ -n "$dependency" ] || fail "$package has no shlibs entry for lib$library $major"
    shlibs="$shlibs, $dependency"
done

installed_size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<EOF
Package: bambu-serial
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $installed_size
Depends: $shlibs, systemd
Suggests: mosquitto, python3-openssl
Section: net
Priority: optional
Description: Bambu Lab 3D printers as Marlin printers on serial ports
 bambu-serial makes every Bambu Lab printer on the LAN look like a Marlin printer on a serial
 port: each configured printer gets a pseudo-terminal linked as /dev/bambu/<name>, which
 OctoPrint, Pronterface, screen or tio open like a USB printer. G-codes are translated into
 the printer's MQTT requests (TLS), the SD card commands use the printer's FTPS storage.
 .
 The printers must be in LAN-only mode with Developer Mode switched on. Configure them in
 /etc/bambu-serial/bambu-serial.toml, then: systemctl enable --now bambu-serial.
 .
 The simulator (bambu-serial sim) needs mosquitto, and for its FTPS storage a Python with
 pyftpdlib 2 and pyOpenSSL (BAMBU_SIM_PYTHON).
EOF

dpkg-deb -Z"${DEB_COMPRESSION:-xz}" --build --root-owner-group "$stage" ".build/$name.deb" >/dev/null
echo ".build/$name.deb"
