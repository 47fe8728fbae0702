# SPDX-License-Identifier: AGPL-3.0-or-later
"""Hosts opening and closing a port in turn, half of them leaving replies unread (HostChurnTests).

Runs as its own process, as real hosts do: a descriptor of the test process would be copied into
every child the test process starts meanwhile (other suites start simulators), and the kernel
reports a host's close only when the last copy closes. Standard library only.

usage: churn_host.py PORT CYCLES
Prints one JSON object: {"cycles": N, "seconds": S, "polluted": ["cycle 5: [...]", ...]}; stops
after 20 polluted cycles.
"""

import json
import os
import select
import sys
import termios
import time


def write_all(fd, data):
    while data:
        try:
            data = data[os.write(fd, data):]
        except BlockingIOError:
            select.select([], [fd], [], 1.0)


def read_until_ok(fd, timeout):
    """Lines read until the last one is "ok" or `timeout` seconds passed."""
    deadline = time.monotonic() + timeout
    pending = b""
    lines = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return lines
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        try:
            pending += os.read(fd, 4096)
        except BlockingIOError:
            continue
        *complete, pending = pending.split(b"\n")
        lines += [line.decode("utf-8", "replace") for line in complete]
        if lines and lines[-1] == "ok":
            return lines


def main():
    path, cycles = sys.argv[1], int(sys.argv[2])
    polluted = []
    start = time.monotonic()
    for cycle in range(cycles):
        # Opened like pyserial opens a port (non-inheritable, no controlling tty, input flushed).
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        termios.tcflush(fd, termios.TCIFLUSH)
        if cycle % 2 == 0:
            # Leaves without reading: the replies must not reach the next host.
            write_all(fd, f"M105\nM115\nM118 E1 left by {cycle}\n".encode())
        else:
            write_all(fd, f"M118 E1 churn {cycle}\n".encode())
            # 20 s: when every suite starts at once, a 2-core CI machine has stalled an answer over 5 s;
            # a line given to the wrong host gets no answer at all.
            lines = read_until_ok(fd, 20.0)
            if lines != [f"echo:churn {cycle}", "ok"]:
                polluted.append(f"cycle {cycle}: {lines}")
                if len(polluted) >= 20:  # enough to show what went wrong
                    os.close(fd)
                    break
        os.close(fd)
    print(json.dumps({"cycles": cycle + 1, "seconds": time.monotonic() - start, "polluted": polluted}))


if __name__ == "__main__":
    main()
