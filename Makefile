# SPDX-License-Identifier: AGPL-3.0-or-later
# bambu-serial: build, test, demo and install.

SWIFT ?= swift
PREFIX ?= /usr/local
SHARED ?= $(abspath ../shared)

.PHONY: all deps venv build release test test-unit demo clean check-imports

all: build

## Install missing Debian packages (root or sudo) and check the Swift toolchain.
deps:
	@scripts/install-deps.sh

## Python virtual environment with the serial hosts the end-to-end tests use.
venv: deps
	@scripts/python-venv.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## Simulated printers plus the daemon; prints the ports to attach to (Ctrl-C stops both).
demo: build venv
	@scripts/demo.sh

## The whole suite: unit, integration and end-to-end tests (what CI runs).
test: venv check-imports
	$(SWIFT) build --build-tests
	BAMBU_SHARED_DIR="$(SHARED)" BAMBU_VENV="$(CURDIR)/.venv" $(SWIFT) test --skip-build

## Only the tests that need no peers (the inner loop).
test-unit: deps
	$(SWIFT) build --build-tests
	BAMBU_SHARED_DIR="$(SHARED)" $(SWIFT) test --skip-build --filter 'GCodeTests|BambuModelTests|BridgeCoreTests|BridgeConfigTests'

## The pure core may import nothing but the standard library.
check-imports:
	@scripts/check-imports.sh

clean:
	rm -rf .build .build-* .venv
