#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Service packaging checks: the .deb, make install/uninstall, the unit's sandbox, the man pages.
#
# Needs root only for the throwaway dpkg root (file owners); systemd does not need to run.
# The release build is reused when present (DEB_REUSE_BUILD=1); without one, make deb builds it,
# which takes minutes.
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
pass() {
    echo "PASS $1"
    passed=$((passed + 1))
}
fail() {
    echo "FAIL $1"
    if [ -n "${2:-}" ]; then printf '%s\n' "$2" | sed 's/^/    /'; fi
    failed=$((failed + 1))
}
# check NAME COMMAND...: passes when COMMAND succeeds; shows its output when it does not.
check() {
    local name=$1 output
    shift
    if output=$("$@" 2>&1); then pass "$name"; else fail "$name" "$output"; fi
}
# same_list NAME EXPECTED ACTUAL: passes when the two newline-separated lists are equal.
same_list() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "$(diff <(printf '%s\n' "$2") <(printf '%s\n' "$3"))"; fi
}
# files_under DIR: every non-directory below DIR, as /relative/path, sorted.
files_under() {
    (cd "$1" && find . ! -type d | sed 's|^\.||' | LC_ALL=C sort)
}

unit=systemd/bambu-serial.service
arch=$(dpkg --print-architecture)
deb=.build/bambu-serial_0.1.0_$arch.deb

# --- The unit's sandbox -----------------------------------------------------------------------

security=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1)
score=$(printf '%s\n' "$security" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
    pass "systemd-analyze security: exposure $score <= 2.0"
else
    fail "systemd-analyze security: exposure '${score:-none}' <= 2.0" "$(printf '%s\n' "$security" | grep -v '✓')"
fi

# The settings the daemon relies on, so that a later hardening pass cannot drop them unnoticed.
for setting in 'Type=notify' 'ExecReload=/bin/kill -HUP $MAINPID' 'WatchdogSec=30' 'Restart=on-failure' \
    'User=bambu-serial' 'SupplementaryGroups=dialout' 'StateDirectory=bambu-serial' \
    'RuntimeDirectory=bambu-serial' 'DeviceAllow=/dev/ptmx rw' 'DeviceAllow=char-pts rw' 'BindPaths=-/dev/bambu' \
    'SystemCallFilter=@chown' \
    'ExecStartPre=/usr/bin/bambu-serial check-config --config /etc/bambu-serial/bambu-serial.toml' \
    'ExecStart=/usr/bin/bambu-serial run --config /etc/bambu-serial/bambu-serial.toml'; do
    check "unit has $setting" grep -qxF -- "$setting" "$unit"
done
check "unit does not use PrivateUsers= (the pty's group would be unmapped)" \
    bash -c "! grep -q '^PrivateUsers=yes' $unit"
check "tmpfiles gives /dev/bambu to bambu-serial:dialout" \
    grep -qxF 'd /dev/bambu 0755 bambu-serial dialout -' systemd/bambu-serial.tmpfiles.conf

# --- Man pages ----------------------------------------------------------------------------------

for page in man/*.[0-9]; do
    check "groff -man -ww -z $page: no warnings" bash -c "out=\$(groff -man -ww -z '$page' 2>&1) && [ -z \"\$out\" ] || { echo \"\$out\"; exit 1; }"
done

# Every key the validator accepts (its `allowed:` lists) has an entry in bambu-serial.toml(5), and
# every entry there is a key the validator accepts.
validator=Sources/BridgeConfig/ConfigValidator.swift
code_keys=$(tr '\n' ' ' <"$validator" | grep -o 'allowed: *\[[^]]*\]' | grep -o '"[a-z_]*"' | tr -d '"' | LC_ALL=C sort -u)
if [ "$(printf '%s\n' "$code_keys" | grep -c .)" -ge 15 ]; then
    pass "found $(printf '%s\n' "$code_keys" | grep -c .) configuration keys in $validator"
else
    fail "found the configuration keys in $validator" "only: $code_keys"
fi
man5=man/bambu-serial.toml.5
missing=""
for key in $code_keys; do
    grep -Eq "^\.BR? $key( |\$)" "$man5" || missing+="$key "
done
if [ -z "$missing" ]; then pass "every configuration key is described in $man5"; else fail "keys missing from $man5" "$missing"; fi
man_keys=$(sed -n 's/^\.BR \([a-z_]*\) " (\(string\|integer\|boolean\).*/\1/p' "$man5" | LC_ALL=C sort -u)
same_list "$man5 describes no key the validator rejects" "$code_keys" "$man_keys"
for table in '\[bridge\]' '\[http\]' '\[\[printer\]\]'; do
    check "$man5 has a section for $table" grep -Eq "^\.SH \"THE $table TABLES?\"" "$man5"
done
check "bambu-serial(8) has SIGNALS, FILES and EXIT STATUS" \
    bash -c 'for s in SIGNALS FILES "EXIT STATUS"; do grep -qx ".SH $s" man/bambu-serial.8 || { echo "no $s"; exit 1; }; done'

# --- make deb -----------------------------------------------------------------------------------

started=$SECONDS
if output=$(DEB_REUSE_BUILD=1 DEB_COMPRESSION=zstd make -s deb 2>&1) && [ -f "$deb" ]; then
    pass "make deb builds $deb ($((SECONDS - started)) s)"
else
    fail "make deb" "$output"
fi

expected_files='/etc/bambu-serial/bambu-serial.toml
/lib/systemd/system/bambu-serial.service
/usr/bin/bambu-serial
/usr/lib/sysusers.d/bambu-serial.conf
/usr/lib/tmpfiles.d/bambu-serial.conf
/usr/share/bambu-serial/camera_server.py
/usr/share/bambu-serial/ftps_server.py
/usr/share/doc/bambu-serial/README.md.gz
/usr/share/doc/bambu-serial/copyright
/usr/share/man/man5/bambu-serial.toml.5.gz
/usr/share/man/man7/bambu-serial-gcode.7.gz
/usr/share/man/man8/bambu-serial.8.gz'
if [ -f "$deb" ]; then
    same_list "the .deb holds exactly the expected files" "$expected_files" \
        "$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\.||' | LC_ALL=C sort)"
    control=$(dpkg-deb -f "$deb")
    for field in 'Package: bambu-serial' 'Version: 0.1.0' "Architecture: $arch"; do
        check "control has $field" grep -qxF "$field" <<<"$control"
    done
    depends=$(dpkg-deb -f "$deb" Depends)
    for package in libmosquitto1 libcurl4 libavformat59 libavcodec59 libavutil57 libturbojpeg0 libsystemd0 libssl3 systemd; do
        check "Depends names $package" grep -Eq "(^|, )$package( |,|\$)" <<<"$depends"
    done
    check "Depends names nothing from the Swift toolchain" bash -c "! grep -qi swift <<<'$depends'"
    check "the binary loads FFmpeg on the first camera view, not at start (no DT_NEEDED libav*)" \
        bash -c "dpkg-deb --fsys-tarfile '$deb' | tar -xO ./usr/bin/bambu-serial >'$tmp/deb-binary' && readelf -d '$tmp/deb-binary' | grep -q NEEDED && ! readelf -d '$tmp/deb-binary' | grep -q 'NEEDED.*libav'"
    check "conffiles lists the configuration" \
        bash -c "dpkg-deb --ctrl-tarfile '$deb' | tar -xO ./conffiles | grep -qx /etc/bambu-serial/bambu-serial.toml"
fi

# --- dpkg --root: install, keep an edited conffile, remove, purge ------------------------------

root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers" "$root/etc"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
# The maintainer scripts run outside the throwaway root (it has no shell) and honour $DPKG_ROOT.
dpkg_root() {
    dpkg --root="$root" --log=/dev/null --force-depends --force-not-root --force-script-chrootless "$@"
}
if [ -f "$deb" ] && output=$(dpkg_root -i "$deb" 2>&1); then
    pass "dpkg --root installs the package"
    same_list "the package's files are installed" "$expected_files" \
        "$(dpkg_root -L bambu-serial | while read -r path; do [ -d "$root$path" ] || echo "$path"; done | LC_ALL=C sort)"
    check "postinst created the user bambu-serial, a member of dialout" \
        bash -c "grep -q '^bambu-serial:' '$root/etc/passwd' && grep -Eq '^dialout:[^:]*:[0-9]+:(.*,)?bambu-serial(,|\$)' '$root/etc/group'"
    uid=$(awk -F: '$1 == "bambu-serial" { print $3 }' "$root/etc/passwd" 2>/dev/null)
    check "postinst created /dev/bambu owned by bambu-serial, mode 0755" \
        bash -c "[ \"\$(stat -c '%u %a' '$root/dev/bambu')\" = '$uid 755' ]"
    check "the packaged binary needs no Swift toolchain library" \
        bash -c "! ldd '$root/usr/bin/bambu-serial' | grep -E '/opt/swift|libswift|not found'"
    check "the packaged (stripped) binary runs" bash -c "'$root/usr/bin/bambu-serial' version | grep -qx 'bambu-serial 0.1.0'"
    mkdir -p "$tmp/deb-man/man5" "$tmp/deb-man/man8"
    cp "$root/usr/share/man/man5/"* "$tmp/deb-man/man5/" && cp "$root/usr/share/man/man8/"* "$tmp/deb-man/man8/"
    sed "s|/usr/bin/bambu-serial|$root/usr/bin/bambu-serial|g" "$root/lib/systemd/system/bambu-serial.service" \
        >"$tmp/bambu-serial.service"
    check "systemd-analyze verify: the packaged unit is clean (binary path pointed into the root)" \
        bash -c "out=\$(MANPATH='$tmp/deb-man' systemd-analyze verify '$tmp/bambu-serial.service' 2>&1) && [ -z \"\$out\" ] || { echo \"\$out\"; exit 1; }"

    echo '# edited by the test' >>"$root/etc/bambu-serial/bambu-serial.toml"
    check "reinstalling keeps the edited configuration" \
        bash -c "dpkg --root='$root' --log=/dev/null --force-depends --force-not-root --force-script-chrootless --force-confold -i '$deb' >/dev/null 2>&1 && tail -1 '$root/etc/bambu-serial/bambu-serial.toml' | grep -qx '# edited by the test'"
    check "dpkg -r removes the package but keeps the configuration" \
        bash -c "dpkg --root='$root' --log=/dev/null --force-depends --force-not-root --force-script-chrootless -r bambu-serial >/dev/null 2>&1 && [ ! -e '$root/usr/bin/bambu-serial' ] && [ ! -e '$root/lib/systemd/system/bambu-serial.service' ] && [ ! -e '$root/dev/bambu' ] && [ -f '$root/etc/bambu-serial/bambu-serial.toml' ]"
    mkdir -p "$root/var/lib/bambu-serial/tls" && touch "$root/var/lib/bambu-serial/tls/00M00A000000000.sha256"
    check "dpkg --purge removes the configuration and the state" \
        bash -c "dpkg --root='$root' --log=/dev/null --force-depends --force-not-root --force-script-chrootless --purge bambu-serial >/dev/null 2>&1 && [ ! -e '$root/etc/bambu-serial' ] && [ ! -e '$root/var/lib/bambu-serial' ]"
    leftovers=$(files_under "$root" | grep -Ev '^/var/lib/dpkg/|^/etc/(passwd|group|shadow|gshadow)-?$|^/etc/\.pwd\.lock$')
    same_list "nothing else is left in the root after the purge" "" "$leftovers"
else
    fail "dpkg --root installs the package" "${output:-no $deb}"
fi

# --- make install / uninstall with DESTDIR ------------------------------------------------------

destdir=$tmp/destdir
installed='/etc/bambu-serial/bambu-serial.toml
/lib/systemd/system/bambu-serial.service
/usr/lib/sysusers.d/bambu-serial.conf
/usr/lib/tmpfiles.d/bambu-serial.conf
/usr/local/bin/bambu-serial
/usr/local/share/bambu-serial/camera_server.py
/usr/local/share/bambu-serial/ftps_server.py
/usr/local/share/man/man5/bambu-serial.toml.5
/usr/local/share/man/man7/bambu-serial-gcode.7
/usr/local/share/man/man8/bambu-serial.8'
if output=$(make -s install DESTDIR="$destdir" PREFIX=/usr/local 2>&1); then
    pass "make install DESTDIR=… PREFIX=/usr/local"
    same_list "make install puts the expected files" "$installed" "$(files_under "$destdir")"
    check "the installed unit starts \$(PREFIX)/bin/bambu-serial" \
        bash -c "grep -qx 'ExecStart=/usr/local/bin/bambu-serial run --config /etc/bambu-serial/bambu-serial.toml' '$destdir/lib/systemd/system/bambu-serial.service' && ! grep -q '/usr/bin/bambu-serial' '$destdir/lib/systemd/system/bambu-serial.service'"
    sed "s|/usr/local/bin/bambu-serial|$destdir/usr/local/bin/bambu-serial|g" \
        "$destdir/lib/systemd/system/bambu-serial.service" >"$tmp/bambu-serial.service"
    check "systemd-analyze verify: the installed unit is clean (binary path pointed into DESTDIR)" \
        bash -c "out=\$(MANPATH='$destdir/usr/local/share/man' systemd-analyze verify '$tmp/bambu-serial.service' 2>&1) && [ -z \"\$out\" ] || { echo \"\$out\"; exit 1; }"
    echo '# edited by the test' >>"$destdir/etc/bambu-serial/bambu-serial.toml"
    check "make install again keeps the edited configuration" \
        bash -c "make -s install DESTDIR='$destdir' PREFIX=/usr/local >/dev/null 2>&1 && tail -1 '$destdir/etc/bambu-serial/bambu-serial.toml' | grep -qx '# edited by the test'"
    check "make uninstall leaves only the configuration" \
        bash -c "make -s uninstall DESTDIR='$destdir' PREFIX=/usr/local >/dev/null 2>&1 && [ \"\$(cd '$destdir' && find . ! -type d)\" = './etc/bambu-serial/bambu-serial.toml' ]"
else
    fail "make install DESTDIR=… PREFIX=/usr/local" "$output"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
