# SPDX-License-Identifier: AGPL-3.0-or-later
# bambu-serial: build, test, demo and install.

SWIFT ?= swift
PREFIX ?= /usr/local
SHARED ?= $(abspath ../shared)
FUZZ_RUNS ?= 10000000
VERSION ?= 0.1.0
BINARY ?= .build/release/bambu-serial

.PHONY: all deps venv build release test test-unit demo clean check-imports
.PHONY: install uninstall deb docs bench bench-venv fuzz sanitizers

all: build

## Install missing Debian packages (root or sudo) and check the Swift toolchain.
deps:
	@.ci/install-deps.sh

## Python virtual environment with the serial hosts the end-to-end tests use.
venv: deps
	@.ci/python-venv.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## Simulated printers plus the daemon; prints the ports to attach to (Ctrl-C stops both).
demo: build venv
	@.ci/demo.sh

## The whole suite: unit, integration and end-to-end tests (what CI runs).
test: venv check-imports
	$(SWIFT) build --build-tests
	rm -rf .build/test-output
	BAMBU_SHARED_DIR="$(SHARED)" BAMBU_VENV="$(CURDIR)/.venv" BAMBU_TEST_OUTPUT_DIR="$(CURDIR)/.build/test-output" \
		BAMBU_CHURN_CYCLES=$${BAMBU_CHURN_CYCLES:-200} $(SWIFT) test --skip-build
	BAMBU_SERIAL_BINARY=$(CURDIR)/.build/debug/bambu-serial BAMBU_TEST_OUTPUT_DIR="$(CURDIR)/.build/test-output" \
		.venv/bin/python -m pytest Tests/HostTests -v -p no:cacheprovider
	.ci/check-secrets.sh .build/test-output
	bash Tests/ServiceTests/test_service.sh

## Only the tests that need no peers (the inner loop).
test-unit: deps
	$(SWIFT) build --build-tests
	BAMBU_SHARED_DIR="$(SHARED)" $(SWIFT) test --skip-build --filter 'GCodeTests|BambuModelTests|BridgeCoreTests|BridgeConfigTests'

## Fuzz the host line path and the report path with libFuzzer (Tests/Fuzz, .build-fuzz);
## FUZZ_RUNS host inputs (default 10 M) and FUZZ_RUNS/10 report inputs; see .ci/fuzz.sh for more knobs.
fuzz:
	FUZZ_RUNS=$(FUZZ_RUNS) BAMBU_SHARED_DIR="$(SHARED)" SWIFT=$(SWIFT) .ci/fuzz.sh

## The suites under AddressSanitizer and ThreadSanitizer (.build-asan, .build-tsan); .ci/sanitizers.sh says which.
sanitizers: venv
	BAMBU_SHARED_DIR="$(SHARED)" SWIFT=$(SWIFT) .ci/sanitizers.sh

## The pure core may import nothing but the standard library.
check-imports:
	@.ci/check-imports.sh

## Benchmarks (BENCHMARKS.md): release build, the bench venv (bambu-printer-manager), then every
## benchmark but the soak (Benchmarks/soak.sh). JSON lines go to stdout and .build/bench-results.jsonl.
bench-venv: deps
	@Benchmarks/venv.sh

bench: bench-venv
	$(SWIFT) build -c release --static-swift-stdlib --product bambu-serial
	$(SWIFT) build -c release --scratch-path .build-bench --product bambu-serial-bench
	BAMBU_SHARED_DIR="$(SHARED)" .build/bench-venv/bin/python Benchmarks/bench.py all >.build/bench-results.jsonl
	cat .build/bench-results.jsonl

## Install under $(DESTDIR)$(PREFIX): the binary, man pages and the simulator's FTPS script; the
## unit (ExecStart pointed at $(PREFIX)/bin), tmpfiles.d and sysusers.d files under $(DESTDIR)/lib
## and /usr/lib; the sample configuration only if there is none. Without DESTDIR, also creates the
## user and /dev/bambu and reloads systemd.
install: $(BINARY)
	install -D -m 0755 $(BINARY) $(DESTDIR)$(PREFIX)/bin/bambu-serial
	install -d -m 0755 $(DESTDIR)/lib/systemd/system
	sed 's|/usr/bin/bambu-serial|$(PREFIX)/bin/bambu-serial|g' systemd/bambu-serial.service \
		>$(DESTDIR)/lib/systemd/system/bambu-serial.service
	chmod 0644 $(DESTDIR)/lib/systemd/system/bambu-serial.service
	install -D -m 0644 systemd/bambu-serial.tmpfiles.conf $(DESTDIR)/usr/lib/tmpfiles.d/bambu-serial.conf
	install -D -m 0644 systemd/bambu-serial.sysusers.conf $(DESTDIR)/usr/lib/sysusers.d/bambu-serial.conf
	install -D -m 0644 man/bambu-serial.8 $(DESTDIR)$(PREFIX)/share/man/man8/bambu-serial.8
	install -D -m 0644 man/bambu-serial.toml.5 $(DESTDIR)$(PREFIX)/share/man/man5/bambu-serial.toml.5
	install -D -m 0644 man/bambu-serial-gcode.7 $(DESTDIR)$(PREFIX)/share/man/man7/bambu-serial-gcode.7
	install -D -m 0755 Sources/BambuSimulator/ftps_server.py $(DESTDIR)$(PREFIX)/share/bambu-serial/ftps_server.py
	install -D -m 0755 Sources/BambuSimulator/camera_server.py $(DESTDIR)$(PREFIX)/share/bambu-serial/camera_server.py
	@if [ -e $(DESTDIR)/etc/bambu-serial/bambu-serial.toml ]; then \
		echo "keeping the existing $(DESTDIR)/etc/bambu-serial/bambu-serial.toml"; \
	else \
		install -D -m 0644 etc/bambu-serial.toml $(DESTDIR)/etc/bambu-serial/bambu-serial.toml; \
	fi
	@if [ -z "$(DESTDIR)" ]; then \
		systemd-sysusers bambu-serial.conf && systemd-tmpfiles --create bambu-serial.conf; \
		if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
	fi

## Remove what install put there, except the configuration (and the user, as Debian does).
uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl disable --now bambu-serial.service || true; fi
	rm -f $(DESTDIR)$(PREFIX)/bin/bambu-serial \
		$(DESTDIR)/lib/systemd/system/bambu-serial.service \
		$(DESTDIR)/usr/lib/tmpfiles.d/bambu-serial.conf \
		$(DESTDIR)/usr/lib/sysusers.d/bambu-serial.conf \
		$(DESTDIR)$(PREFIX)/share/man/man8/bambu-serial.8 \
		$(DESTDIR)$(PREFIX)/share/man/man5/bambu-serial.toml.5 \
		$(DESTDIR)$(PREFIX)/share/man/man7/bambu-serial-gcode.7 \
		$(DESTDIR)$(PREFIX)/share/bambu-serial/ftps_server.py \
		$(DESTDIR)$(PREFIX)/share/bambu-serial/camera_server.py
	rmdir $(DESTDIR)$(PREFIX)/share/bambu-serial 2>/dev/null || true
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

## The release binary install uses when it is missing: the Swift runtime linked in.
$(BINARY):
	$(SWIFT) build -c release --static-swift-stdlib --product bambu-serial

## .build/bambu-serial_$(VERSION)_<arch>.deb (release build with the Swift runtime linked in).
deb: deps
	VERSION=$(VERSION) SWIFT=$(SWIFT) .ci/build-deb.sh

## Regenerate the code reference (man/bambu-serial-gcode.7, the README table) from the command table.
docs: build
	.build/debug/bambu-serial codes --format man >man/bambu-serial-gcode.7
	.build/debug/bambu-serial codes --format markdown >.build/codes.md
	.ci/update-readme-codes.sh .build/codes.md

clean:
	rm -rf .build .build-* .venv
