# SPDX-License-Identifier: AGPL-3.0-or-later
"""Printrun's core (Pronterface without its GUI) as the serial host of simulated printers.

printcore connects by writing `M105` until a reply starts with `ok` or contains `T:`; then `M105`
must give a temperature line Printrun's own parser reads, and `M20` the SD list (one
`<short> <size>` per line between `Begin file list` and `End file list`, as pronsole parses it).
"""

from __future__ import annotations

import re
import threading

import pytest

from conftest import observe, wait_until

printcore_module = pytest.importorskip("printrun.printcore")
from printrun.utils import parse_temperature_report  # noqa: E402 (after the importorskip)


@pytest.fixture(scope="module")
def bridge(bridge_factory):
    return bridge_factory(models="x1c,h2d", speed=1)


class Host:
    """A printcore connected to one port, with every received line kept."""

    def __init__(self, port: str):
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self.core = printcore_module.printcore()
        self.core.recvcb = self._received
        self.core.connect(port, 115200)
        assert self.core.printer is not None, f"printcore could not open {port}"

    def _received(self, line: str) -> None:
        with self._lock:
            self.lines.append(line.strip())

    def received(self, since: int = 0) -> list[str]:
        with self._lock:
            return self.lines[since:]

    def command(self, command: str, done, what: str, timeout: float = 10) -> list[str]:
        """Sends `command` and waits until `done(lines since)` holds; returns those lines."""
        since = len(self.received())
        self.core.send_now(command)
        return wait_until(lambda: (lambda lines: lines if done(lines) else None)(self.received(since)), timeout, what)

    def close(self) -> None:
        self.core.disconnect()


def listed(lines: list[str]) -> bool:
    """An `ok` after `End file list` (other lines, `//action:sd_updated` say, may follow)."""
    return "End file list" in lines and any(x.startswith("ok") for x in lines[lines.index("End file list"):])


@pytest.fixture
def host(bridge, request):
    hosts = []

    def connect(printer: str) -> Host:
        h = Host(bridge.port(printer))
        hosts.append(h)
        wait_until(lambda: h.core.online, 20, f"printcore online on {printer}")
        return h

    yield connect
    for h in hosts:
        h.close()


@pytest.mark.parametrize("printer", ["x1c", "h2d"])
def test_printrun_connects_and_reads_temperatures(host, printer):
    h = host(printer)
    observe(f"printrun {printer}", f"online; first lines {h.received()[:3]}")
    # Wait for the printer's first report (the daemon answers with zeros until MQTT delivered one).
    lines = wait_until(
        lambda: (lambda l: l if not any("T:0.0 /0.0" in x for x in l) else None)(
            h.command("M105", lambda l: any(x.startswith("ok") for x in l), "the M105 reply")),
        15, "a temperature reply with the printer's values", interval=0.3)
    reply = next(line for line in lines if "T:" in line)
    parsed = parse_temperature_report(reply)
    observe(f"printrun {printer}", f"M105 -> {reply!r}; printrun parses {parsed}")
    assert reply.startswith("ok T:")
    assert float(parsed["T"][0]) > 0 and float(parsed["B"][0]) > 0
    if printer == "h2d":
        assert "T0" in parsed and "T1" in parsed, "two nozzles as Marlin's T0:/T1:"


def test_printrun_lists_the_sd_card(host, bridge):
    h = host("x1c")
    expected = {"Benchy.gcode.3mf", "Calibration Cube.gcode.3mf", "Phone stand.gcode.3mf"}

    def listing():
        lines = h.command("M20", listed, "the M20 reply")
        block = lines[lines.index("Begin file list") + 1 : lines.index("End file list")]
        return block if len(block) >= len(expected) else None

    # The daemon fills its SD cache from FTPS once the printer is connected; an early M20 may be empty.
    block = wait_until(listing, 20, "the simulator's files in M20", interval=0.5)
    names = [re.sub(r" \d+$", "", line.strip().lower()) for line in block]  # what pronsole keeps
    observe("printrun M20", f"{block} -> pronsole names {names}")
    for line in block:
        assert re.fullmatch(r"[\x21-\x7e]+\.(gcode|gco|g) \d+", line, re.IGNORECASE), line
    assert len(block) == len(expected)
    # The long names are not in plain M20; `M20 L` has them.
    long_lines = h.command("M20 L", listed, "the M20 L reply")
    block_long = long_lines[long_lines.index("Begin file list") + 1 : long_lines.index("End file list")]
    observe("printrun M20 L", f"{block_long}")
    assert all(any(name in line for line in block_long) for name in expected)
