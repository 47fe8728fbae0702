# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fixtures for the end-to-end tests with real serial hosts (OctoPrint, Printrun).

Every test module gets its own temporary directory with `bambu-serial sim` (simulated printers behind a
real mosquitto with TLS and implicit-FTPS servers) and `bambu-serial run` (the daemon, whose ports appear
at DIR/dev/<printer>). Both are real subprocesses; the daemon is started once per module and must
survive everything the hosts do to it. Nothing here uses a fixed port: the simulator picks its own and
OctoPrint gets one found by binding port 0. Every wait has a deadline.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Optional, TypeVar

import pytest

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def binary() -> str:
    path = os.environ.get("BAMBU_SERIAL_BINARY") or str(REPO / ".build" / "debug" / "bambu-serial")
    if not os.access(path, os.X_OK):
        pytest.fail(f"bambu-serial binary not found at {path} (run `swift build` or set BAMBU_SERIAL_BINARY)")
    return path


def free_port() -> int:
    """A TCP port nobody listens on right now (bound to port 0 and released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], Optional[T]], timeout: float, what: str, interval: float = 0.1) -> T:
    """Polls `condition` until it returns a truthy value (returned) or `timeout` seconds pass (fails)."""
    deadline = time.monotonic() + timeout
    last_error: Optional[BaseException] = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except Exception as error:  # a condition may raise while the peer is not up yet
            last_error = error
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{detail}")
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------------------
# Observations: what the hosts showed, printed in the test output and collected for the summary.

OBSERVATIONS: list[str] = []


def observe(step: str, text: str) -> None:
    line = f"[{step}] {text}"
    OBSERVATIONS.append(line)
    print(line, flush=True)


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001 (pytest hook signature)
    if OBSERVATIONS:
        terminalreporter.section("what the serial hosts showed")
        for line in OBSERVATIONS:
            terminalreporter.write_line(line)


# ---------------------------------------------------------------------------------------------------------
# Processes


def _save_output(directory: Path) -> None:
    """Keeps every log and the access codes in use for the whole-run secret check (.ci/check-secrets.sh)."""
    target = os.environ.get("BAMBU_TEST_OUTPUT_DIR")
    if not target:
        return
    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    tag = directory.name
    for log in list(directory.glob("*.log")) + list((directory / "octoprint").glob("**/*.log")):
        shutil.copyfile(log, out / f"{tag}-{log.name}")
    config = directory / "bambu-serial.toml"
    if config.exists():
        codes = [line.split('"')[1] for line in config.read_text().splitlines() if line.startswith('access_code = "')]
        (out / f"{tag}.codes").write_text("\n".join(codes) + "\n")


def _stop(process: Optional[subprocess.Popen], grace: float = 10.0) -> None:
    """Ends a process this module started: SIGTERM to its own process group, SIGKILL after `grace`."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=5)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _kill_pid_file(pid_file: Path, directory: Path) -> None:
    """SIGKILLs the process named in `pid_file` if its command line names our `directory`."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return
    if str(directory) in _cmdline(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _kill_leftovers(directory: Path) -> None:
    """SIGKILLs what our simulator started (broker, FTPS server) and left behind: their command lines
    name our unique temporary directory, which nothing else does."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid() and str(directory) + "/" in _cmdline(int(entry.name)):
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except ProcessLookupError:
                pass


class Simulator:
    """`bambu-serial sim`: prints `ready ...`, then one `request <printer> <json>` per MQTT request."""

    def __init__(self, directory: Path, models: str, speed: float):
        self.directory = directory
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self._log = open(directory / "sim.log", "w", buffering=1)
        self.process = subprocess.Popen(
            [binary(), "sim", "--models", models, "--dir", str(directory), "--speed", str(speed), "--exit-with-parent"],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        ready = wait_until(
            lambda: next((line for line in self.output() if line.startswith("ready ")), None)
            or (self.process.poll() is not None and pytest.fail(f"sim exited: {self.output()}")),
            timeout=30,
            what="the simulator's ready line",
        )
        self.config = ready.split("config=", 1)[1].split()[0]

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.rstrip("\n")
            try:
                self._log.write(f"{time.monotonic():.3f} {line}\n")
            except ValueError:  # closed by stop() while the last lines drain
                pass
            with self._lock:
                self.lines.append(line)

    def output(self) -> list[str]:
        with self._lock:
            return list(self.lines)

    def send(self, command: str) -> None:
        """A console command (`start x1c Benchy.gcode.3mf`, `stop x1c`, ...)."""
        assert self.process.stdin is not None
        self._log.write(f"{time.monotonic():.3f} <stdin> {command}\n")
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def control(self, command: str, timeout: float = 10) -> str:
        """A console command acting on a printer (`stop x1c`, `clear-hms x1c`, ...); returns the printer's
        `gcode_state` from the simulator's `ok <verb> <printer> <state>` answer."""
        words = command.split()
        since = len(self.output())
        self.send(command)
        answer = wait_until(
            lambda: next((line for line in self.output()[since:]
                          if line.startswith(f"ok {words[0]} {words[1]} ") or line.startswith("error ")), None),
            timeout, f"the simulator's answer to {command!r}")
        assert answer.startswith("ok "), answer
        return answer.split()[-1]

    def requests(self, printer: str) -> list[dict]:
        """The MQTT requests `printer` received so far, parsed, in order."""
        prefix = f"request {printer} "
        result = []
        for line in self.output():
            if line.startswith(prefix):
                try:
                    result.append(json.loads(line[len(prefix):]))
                except json.JSONDecodeError:
                    result.append({"unparsed": line[len(prefix):]})
        return result

    def print_commands(self, printer: str, since: int = 0) -> list[str]:
        """`print.command` of every request from index `since` on (`project_file`, `pause`, ...)."""
        return [r["print"].get("command", "") for r in self.requests(printer)[since:] if isinstance(r.get("print"), dict)]

    def stop(self) -> None:
        """`quit`; the simulator then stops its broker and waits for it to exit.

        mosquitto inherits the simulator's blocked SIGTERM (SigBlk 0x4a03 in /proc/PID/status), so the
        simulator's own `terminate()` + `waitUntilExit()` on it never returns; SIGKILL the broker (its
        pid is in DIR/mosquitto.pid) to let the simulator finish.
        """
        if self.process.poll() is None:
            try:
                self.send("quit")
                self.process.wait(timeout=1)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                pass
        if self.process.poll() is None:
            _kill_pid_file(self.directory / "mosquitto.pid", self.directory)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        _stop(self.process)
        _kill_leftovers(self.directory)
        self._log.close()


class Daemon:
    """`bambu-serial run` on the simulator's configuration; its log goes to DIR/daemon.log."""

    def __init__(self, directory: Path, config: str, printers: list[str]):
        self.directory = directory
        self.log_path = directory / "daemon.log"
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [binary(), "run", "--config", config, "--log-level", "debug"],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for printer in printers:
            wait_until(
                lambda: self.port(printer).exists() or (self.process.poll() is not None and pytest.fail(self.log())),
                timeout=20,
                what=f"the daemon's port {self.port(printer)}",
            )

    def port(self, printer: str) -> Path:
        return self.directory / "dev" / printer

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        _stop(self.process)
        self._log.close()


class Bridge:
    """The simulator and the daemon in one fresh temporary directory."""

    def __init__(self, models: str = "x1c,h2d", speed: float = 1):
        self.directory = Path(tempfile.mkdtemp(prefix="bambu-host-"))
        self.sim: Optional[Simulator] = None
        self.daemon: Optional[Daemon] = None
        try:
            self.sim = Simulator(self.directory, models, speed)
            self.daemon = Daemon(self.directory, self.sim.config, models.split(","))
        except BaseException:
            self.close()
            raise

    def port(self, printer: str) -> str:
        return str(self.directory / "dev" / printer)

    def storage(self, printer: str) -> Path:
        return self.directory / "storage" / printer

    def close(self, keep: bool = False) -> None:
        if self.daemon:
            self.daemon.stop()
        if self.sim:
            self.sim.stop()
        _save_output(self.directory)
        if keep:
            print(f"kept {self.directory} for inspection", file=sys.stderr)
        else:
            shutil.rmtree(self.directory, ignore_errors=True)


def _keep_directories(request, failed_before: int) -> bool:
    """Keeps the temporary directory (logs of sim, daemon, OctoPrint) when a test of the module failed,
    or always with BAMBU_HOST_TESTS_KEEP=1."""
    return os.environ.get("BAMBU_HOST_TESTS_KEEP") == "1" or request.session.testsfailed > failed_before


@pytest.fixture(scope="module")
def bridge_factory(request):
    """Starts a Bridge with the given options (once per module); torn down after the module."""
    bridges: list[Bridge] = []
    failed_before = request.session.testsfailed

    def make(**options) -> Bridge:
        bridge = Bridge(**options)
        bridges.append(bridge)
        return bridge

    yield make
    for bridge in bridges:
        bridge.close(keep=_keep_directories(request, failed_before))


# ---------------------------------------------------------------------------------------------------------
# OctoPrint


class OctoPrint:
    """A headless OctoPrint 1.11 on a basedir in the test's directory, driven only through its REST API."""

    def __init__(self, root: Path, port_glob: str):
        import requests  # only the OctoPrint tests need it

        self.requests = requests
        self.basedir = root / "octoprint"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.apikey = secrets.token_hex(16)
        self.process: Optional[subprocess.Popen] = None
        self.log_path = root / "octoprint-stdout.log"
        self.basedir.mkdir(parents=True, exist_ok=True)
        self._write_config(port_glob)
        self._add_user()

    def _write_config(self, port_glob: str) -> None:
        import yaml

        config = {
            "server": {
                "firstRun": False,
                "host": "127.0.0.1",
                "port": self.port,
                "onlineCheck": {"enabled": False},
                "pluginBlacklist": {"enabled": False},
            },
            "accessControl": {"salt": secrets.token_hex(16)},
            "serial": {"additionalPorts": [port_glob], "autoconnect": False, "log": True},
            "plugins": {
                "_disabled": [
                    "tracking",
                    "announcements",
                    "softwareupdate",
                    "discovery",
                    "pi_support",
                    "pluginmanager",
                    "health_check",
                ]
            },
        }
        (self.basedir / "config.yaml").write_text(yaml.safe_dump(config))

    def _add_user(self) -> None:
        import yaml

        subprocess.run(
            [sys.executable, "-m", "octoprint", "--basedir", str(self.basedir), "user", "add", "admin",
             "--password", "admin", "--admin"],
            check=True,
            capture_output=True,
            timeout=120,  # about 1.5 s when the machine is idle; much more on a loaded 2-core machine
        )
        users_path = self.basedir / "users.yaml"
        users = yaml.safe_load(users_path.read_text())
        users["admin"]["apikey"] = self.apikey
        users_path.write_text(yaml.safe_dump(users))

    def start(self) -> float:
        """Starts `octoprint serve`; returns the seconds until `/api/version` answered."""
        started = time.monotonic()
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "octoprint", "serve", "--basedir", str(self.basedir), "--host", "127.0.0.1",
             "--port", str(self.port), "--iknowwhatimdoing"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

        def answers():
            if self.process.poll() is not None:
                pytest.fail(f"OctoPrint exited with {self.process.returncode}: {self.log_path.read_text()[-3000:]}")
            response = self.get("/api/version", timeout=2)
            return response.status_code == 200 and "server" in response.json()

        wait_until(answers, timeout=60, what="OctoPrint's /api/version", interval=0.2)
        return time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL, as a crash would: OctoPrint closes nothing itself."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        _stop(self.process, grace=20)

    # REST

    def _headers(self) -> dict:
        return {"X-Api-Key": self.apikey}

    def get(self, path: str, timeout: float = 10, **kwargs):
        return self.requests.get(self.url + path, headers=self._headers(), timeout=timeout, **kwargs)

    def post(self, path: str, json_body: Optional[dict] = None, timeout: float = 10, **kwargs):
        return self.requests.post(self.url + path, headers=self._headers(), json=json_body, timeout=timeout, **kwargs)

    def command(self, path: str, body: dict, expect: tuple = (200, 204)) -> None:
        response = self.post(path, body)
        assert response.status_code in expect, f"POST {path} {body} -> {response.status_code} {response.text}"

    def connection(self) -> dict:
        return self.get("/api/connection").json()

    def state(self) -> str:
        """The connection state text: `Closed`, `Operational`, `Printing from SD`, `Paused`, ..."""
        return self.connection()["current"]["state"]

    def printer(self) -> Optional[dict]:
        """`/api/printer`, or None while OctoPrint has no operational printer (409)."""
        response = self.get("/api/printer")
        return response.json() if response.status_code == 200 else None

    def flags(self) -> dict:
        printer = self.printer()
        return printer["state"]["flags"] if printer else {}

    def job(self) -> dict:
        return self.get("/api/job").json()

    def sd_files(self, force: bool = False) -> list[dict]:
        response = self.get("/api/files/sdcard" + ("?force=true" if force else ""))
        return response.json().get("files", []) if response.status_code == 200 else []

    def log(self, name: str = "octoprint.log") -> str:
        path = self.basedir / "logs" / name
        return path.read_text(errors="replace") if path.exists() else ""

    def serial_log(self) -> str:
        return self.log("serial.log")
