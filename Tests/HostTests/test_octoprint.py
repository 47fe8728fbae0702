# SPDX-License-Identifier: AGPL-3.0-or-later
"""OctoPrint 1.11 (from PyPI, headless, REST API only) as the serial host of a simulated X1C.

One daemon for the whole module: OctoPrint connects, lists the SD card, prints, pauses, resumes,
cancels, finishes a print, adopts a job started on the printer, uploads to the SD card, disconnects and
reconnects, and is killed with SIGKILL and started again, all without the daemon restarting. The steps
run in file order and build on each other; each asserts what OctoPrint shows and records it with
`observe` (printed, and summarised at the end of the run).
"""

from __future__ import annotations

import time

import pytest

from conftest import OctoPrint, observe, wait_until

pytest.importorskip("octoprint")
pytest.importorskip("requests")

PRINTER = "x1c"
# Simulated seconds per real second: a job (3 s PREPARE + 120 s printing) takes about 20 s.
SPEED = 6
LONG_NAMES = ["Benchy.gcode.3mf", "Calibration Cube.gcode.3mf", "Phone stand.gcode.3mf"]
JOB_COMMANDS = {"project_file", "pause", "resume", "stop"}


@pytest.fixture(scope="module")
def bridge(bridge_factory):
    return bridge_factory(models="x1c,h2d", speed=SPEED)


@pytest.fixture(scope="module")
def octoprint(bridge):
    server = OctoPrint(bridge.directory, str(bridge.directory / "dev" / "*"))
    seconds = server.start()
    observe("start", f"OctoPrint {server.get('/api/version').json().get('server')} answered /api/version after {seconds:.1f} s")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def context():
    """What one step hands to the next (times, SD names)."""
    return {}


# ---------------------------------------------------------------------------------------------------------
# helpers


def job_commands(bridge, since: int) -> list[str]:
    return [c for c in bridge.sim.print_commands(PRINTER, since) if c in JOB_COMMANDS]


def wait_for_state(octoprint: OctoPrint, accept, what: str, timeout: float = 30) -> str:
    """Waits until the connection state text satisfies `accept` (a string or a predicate)."""
    predicate = accept if callable(accept) else (lambda state: state == accept)
    seen: list[str] = []

    def check():
        state = octoprint.state()
        if not seen or seen[-1] != state:
            seen.append(state)
        return state if predicate(state) else None

    try:
        return wait_until(check, timeout, what, 0.05)
    except AssertionError as error:
        tail = "\n".join(octoprint.serial_log().splitlines()[-25:])
        raise AssertionError(f"{error}; states seen {seen}; serial.log ends:\n{tail}") from None


def is_printing(state: str) -> bool:
    return state.startswith("Printing")


def stays(octoprint: OctoPrint, accept, seconds: float) -> list[str]:
    """Samples the state for `seconds` (a stability check, not synchronisation); fails on a change."""
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = octoprint.state()
        if not seen or seen[-1] != state:
            seen.append(state)
        assert accept(state), f"state changed to {state!r} (seen {seen})"
        time.sleep(0.2)
    return seen


def temperatures(octoprint: OctoPrint):
    printer = octoprint.printer()
    if not printer:
        return None
    temps = printer.get("temperature", {})
    tool = temps.get("tool0", {})
    if tool.get("actual") is None or not tool.get("actual"):
        return None
    return temps


def connect(octoprint: OctoPrint, bridge) -> float:
    """Connects to the X1C's port at 115200 and waits for Operational; returns the monotonic time of it."""
    octoprint.command(
        "/api/connection", {"command": "connect", "port": bridge.port(PRINTER), "baudrate": 115200}
    )
    wait_for_state(octoprint, "Operational", "OctoPrint Operational", timeout=30)
    return time.monotonic()


def sd_entry(octoprint: OctoPrint, long_name: str) -> dict:
    """The SD list entry shown as `long_name` (waits for the list after a fresh connect)."""
    return wait_until(
        lambda: next((f for f in octoprint.sd_files() if f.get("display", "").endswith(long_name)), None),
        30, f"{long_name} in OctoPrint's SD list", 0.25)


def ensure_idle(bridge, octoprint: OctoPrint) -> None:
    """Starts a step from a clean slate even when an earlier step failed: OctoPrint Operational and no
    job on the printer (`clear-hms` is a harmless console command that reports the printer's state)."""
    state = octoprint.state()
    if state != "Operational":
        observe("cleanup", f"OctoPrint was {state!r} at the start of the step: cancelling")
        octoprint.command("/api/job", {"command": "cancel"}, expect=(200, 204, 409))
        wait_for_state(octoprint, "Operational", "OctoPrint Operational after the clean-up", timeout=30)
    printer_state = bridge.sim.control(f"clear-hms {PRINTER}")
    if printer_state in ("PREPARE", "RUNNING", "PAUSE"):
        observe("cleanup", f"the printer was {printer_state} at the start of the step: stopping it on its screen")
        bridge.sim.control(f"stop {PRINTER}")
        stays(octoprint, lambda s: s == "Operational", 3)


def start_sd_print(octoprint: OctoPrint, long_name: str) -> dict:
    entry = sd_entry(octoprint, long_name)
    octoprint.command(f"/api/files/sdcard/{entry['name']}", {"command": "select", "print": True})
    return entry


# ---------------------------------------------------------------------------------------------------------
# steps


def test_connect(bridge, octoprint, context):
    port = bridge.port(PRINTER)
    ports = octoprint.connection()["options"]["ports"]
    observe("connect", f"/api/connection lists ports {ports}")
    assert port in ports
    started = time.monotonic()
    context["operational_at"] = connect(octoprint, bridge)
    current = octoprint.connection()["current"]
    observe("connect", f"state {current['state']!r} on {current['port']} at {current['baudrate']} "
            f"{context['operational_at'] - started:.1f} s after the connect request")
    assert current["port"] == port and current["baudrate"] == 115200


def test_temperatures_within_3_s(octoprint, context):
    temps = wait_until(
        lambda: temperatures(octoprint),
        timeout=max(context["operational_at"] + 3 - time.monotonic(), 0.1),
        what="temperatures in /api/printer within 3 s of Operational",
        interval=0.05,
    )
    delay = time.monotonic() - context["operational_at"]
    shown = {k: v for k, v in temps.items() if k != "history"}
    observe("temperatures", f"/api/printer temperature {shown} ({delay:.2f} s after Operational)")
    assert temps["tool0"]["actual"] > 0 and temps["bed"]["actual"] > 0


def test_sd_file_list(octoprint, context):
    def listed():
        files = octoprint.sd_files()
        displays = [f.get("display") for f in files]
        return files if all(any(d.endswith(n) for d in displays) for n in LONG_NAMES) else None

    files = wait_until(listed, timeout=30, what=f"{LONG_NAMES} in /api/files/sdcard", interval=0.25)
    printer = octoprint.printer()
    observe("sd list", f"/api/printer sd {printer['sd']}")
    for f in files:
        observe("sd list", f"name={f['name']!r} display={f['display']!r} size={f.get('size')} date={f.get('date')}")
    assert printer["sd"]["ready"] is True
    assert "Benchy.gcode.3mf" in [f["display"] for f in files]
    assert "Calibration Cube.gcode.3mf" in [f["display"] for f in files]
    recursive = octoprint.get("/api/files?recursive=true").json()["files"]
    sd_displays = [f.get("display") for f in recursive if f.get("origin") == "sdcard"]
    observe("sd list", f"/api/files?recursive=true origin sdcard displays {sd_displays}")
    assert "Benchy.gcode.3mf" in sd_displays


def test_print_from_sd(bridge, octoprint, context):
    since = len(bridge.sim.requests(PRINTER))
    entry = start_sd_print(octoprint, "Benchy.gcode.3mf")
    state = wait_for_state(octoprint, is_printing, "OctoPrint Printing", timeout=30)
    request = wait_until(
        lambda: next((r for r in bridge.sim.requests(PRINTER)[since:] if r.get("print", {}).get("command") == "project_file"), None),
        timeout=15, what="a project_file request at the simulator")
    observe("print", f"select+print {entry['name']} -> state {state!r}; simulator got {request}")
    first = wait_until(lambda: octoprint.job()["progress"]["completion"], 30, "progress > 0", 0.2)
    second = wait_until(
        lambda: (lambda c: c if c and c > first else None)(octoprint.job()["progress"]["completion"]),
        30, "progress rising", 0.2)
    job = octoprint.job()
    observe("print", f"/api/job state {job['state']!r} file {job['job']['file'].get('display')!r} "
            f"size {job['job']['file'].get('size')} completion {first:.1f} % -> {second:.1f} % "
            f"filepos {job['progress'].get('filepos')}")
    assert second > first > 0
    assert job["job"]["file"]["origin"] == "sdcard"


def test_pause(bridge, octoprint, context):
    since = len(bridge.sim.requests(PRINTER))
    started = time.monotonic()
    octoprint.command("/api/job", {"command": "pause", "action": "pause"})
    wait_for_state(octoprint, "Paused", "OctoPrint Paused", timeout=30)
    took = time.monotonic() - started
    wait_until(lambda: "pause" in job_commands(bridge, since), 15, "a pause request at the simulator")
    seen = stays(octoprint, lambda s: s == "Paused", 3)
    completion = octoprint.job()["progress"]["completion"]
    observe("pause", f"state 'Paused' {took:.1f} s after the request, still {seen} 3 s later, completion {completion:.1f} %; "
            f"simulator job commands {job_commands(bridge, since)}")
    assert job_commands(bridge, since) == ["pause"]
    context["paused"] = True


def test_resume(bridge, octoprint, context):
    if not context.get("paused"):
        pytest.skip("the pause step failed")
    since = len(bridge.sim.requests(PRINTER))
    octoprint.command("/api/job", {"command": "pause", "action": "resume"})
    state = wait_for_state(octoprint, is_printing, "OctoPrint Printing again", timeout=30)
    wait_until(lambda: "resume" in job_commands(bridge, since), 15, "a resume request at the simulator")
    seen = stays(octoprint, is_printing, 3)
    observe("resume", f"state {state!r}, still {seen} 3 s later; simulator job commands {job_commands(bridge, since)}")
    assert job_commands(bridge, since) == ["resume"]
    context["resumed"] = True


def test_cancel(bridge, octoprint, context):
    if not context.get("resumed"):
        pytest.skip("the pause or resume step failed")
    since = len(bridge.sim.requests(PRINTER))
    octoprint.command("/api/job", {"command": "cancel"})
    wait_for_state(octoprint, "Operational", "OctoPrint Operational after cancel", timeout=30)
    wait_until(lambda: "stop" in job_commands(bridge, since), 15, "a stop request at the simulator")
    # Whatever follows the cancel (the afterPrintCancelled script) must not add a pause or a second stop.
    stays(octoprint, lambda s: s == "Operational", 3)
    commands = job_commands(bridge, since)
    everything = bridge.sim.print_commands(PRINTER, since)
    job = octoprint.job()
    observe("cancel", f"state 'Operational'; /api/job completion {job['progress']['completion']}; "
            f"simulator job commands {commands}; all print commands {everything}")
    assert commands == ["stop"]
    assert "Print job cancelled - origin: sdcard" in octoprint.log()


def test_print_runs_to_completion(bridge, octoprint, context):
    ensure_idle(bridge, octoprint)
    since = len(bridge.sim.requests(PRINTER))
    entry = start_sd_print(octoprint, "Calibration Cube.gcode.3mf")
    wait_for_state(octoprint, is_printing, "OctoPrint Printing", timeout=30)
    started = time.monotonic()
    wait_until(lambda: "project_file" in job_commands(bridge, since), 15, "a project_file request")

    def done():
        if octoprint.state() != "Operational":
            return None
        job = octoprint.job()
        return job if job["progress"]["completion"] == 100 else None

    job = wait_until(done, timeout=60, what="OctoPrint Operational with completion 100 %", interval=0.25)
    took = time.monotonic() - started
    log_lines = [line for line in octoprint.log().splitlines() if "Print job" in line]
    sd = sd_entry(octoprint, "Calibration Cube.gcode.3mf")
    observe("complete", f"{entry['name']} ({entry['display']}) done after {took:.0f} s: state {job['state']!r}, "
            f"completion {job['progress']['completion']}, filepos {job['progress']['filepos']}, "
            f"printTime {job['progress']['printTime']}; octoprint.log: {log_lines[-2:]}")
    observe("complete", f"/api/files/sdcard entry keys {sorted(sd)} (prints statistics: {sd.get('prints', 'not exposed for sdcard')})")
    assert any("Print job done - origin: sdcard" in line and entry["name"] in line for line in log_lines)
    assert job_commands(bridge, since) == ["project_file"]


def test_printer_side_job_is_adopted(bridge, octoprint, context):
    ensure_idle(bridge, octoprint)
    since = len(bridge.sim.requests(PRINTER))
    printer_state = bridge.sim.control(f"start {PRINTER} Benchy.gcode.3mf 50 600")
    state = wait_for_state(octoprint, is_printing, "OctoPrint Printing for a job started on the printer", timeout=30)
    job = wait_until(lambda: (lambda j: j if j["progress"]["completion"] else None)(octoprint.job()), 30,
                     "progress of the adopted job", 0.2)
    observe("printer-side start", f"printer {printer_state}; OctoPrint state {state!r}, file {job['job']['file'].get('display')!r} "
            f"({job['job']['file'].get('name')}), completion {job['progress']['completion']:.2f} %")
    assert job["job"]["file"]["display"] == "Benchy.gcode.3mf"
    # And stopped on the printer: OctoPrint ends the job (three `Not SD printing`) without sending a stop back.
    bridge.sim.control(f"stop {PRINTER}")
    wait_for_state(octoprint, "Operational", "OctoPrint Operational after a printer-side stop", timeout=30)
    observe("printer-side stop", f"state 'Operational'; simulator job commands since the start {job_commands(bridge, since)}")
    assert job_commands(bridge, since) == []


def test_sd_upload(bridge, octoprint, context):
    ensure_idle(bridge, octoprint)
    name = "hosttest.gcode"
    body = "".join(f"G1 X{i} Y{i} F3000\n" for i in range(20)).encode()
    response = octoprint.post("/api/files/sdcard", files={"file": (name, body)}, timeout=30)
    assert response.status_code == 201, response.text
    storage = bridge.storage(PRINTER)

    def uploaded():
        return [p for p in storage.rglob("*") if p.is_file() and p.name.lower().startswith("hosttest")]

    files = wait_until(uploaded, timeout=60, what=f"{name} in {storage}", interval=0.25)
    state = wait_for_state(octoprint, "Operational", "OctoPrint Operational after the upload", timeout=30)
    content = files[0].read_bytes()
    listed = wait_until(
        lambda: [f for f in octoprint.sd_files() if "hosttest" in f.get("display", "").lower()], 30,
        "the upload in OctoPrint's SD list", 0.25)
    observe("upload", f"POST /api/files/sdcard -> {response.status_code} {response.json().get('files', {})}; "
            f"simulator storage has {[str(p.relative_to(storage)) for p in files]} ({len(content)} bytes, "
            f"{'same' if content.strip() == body.strip() else 'different'} content); state {state!r}; "
            f"OctoPrint lists {[(f['name'], f['display']) for f in listed]}")
    assert content.strip() == body.strip()


def test_print_from_local_storage_is_refused(bridge, octoprint, context):
    """serial-host.md §9.12: a print OctoPrint streams from its own storage is refused, told and cancelled."""
    ensure_idle(bridge, octoprint)
    name = "streamed.gcode"
    body = "".join(f"G1 X{i % 200} Y{i % 200} E0.05 F3000\n" for i in range(2000)).encode()
    response = octoprint.post("/api/files/local", files={"file": (name, body)}, timeout=30)
    assert response.status_code == 201, response.text
    before = len(bridge.sim.requests(PRINTER))
    octoprint.command(f"/api/files/local/{name}", {"command": "select", "print": True})
    wait_until(lambda: "//action:notification" in octoprint.serial_log() and "printing from the host" in octoprint.serial_log(),
               30, "the refusal notice in OctoPrint's serial log", 0.25)
    state = wait_for_state(octoprint, "Operational", "OctoPrint Operational after the refused print", timeout=60)
    moves = [r for r in bridge.sim.requests(PRINTER)[before:]
             if r.get("print", {}).get("command") == "gcode_line" and r["print"].get("param", "").startswith("G1 ")]
    job = octoprint.job()
    observe("local print refused", f"state {state!r}; {len(moves)} moves reached the printer of 2000; "
            f"OctoPrint job progress {job['progress'].get('completion')}")
    assert len(moves) < 10
    assert "//action:cancel" in octoprint.serial_log()


def test_disconnect_and_reconnect(bridge, octoprint, context):
    octoprint.command("/api/connection", {"command": "disconnect"})
    closed = wait_for_state(octoprint, lambda s: s in ("Offline", "Closed"), "OctoPrint Offline", timeout=30)
    operational_at = connect(octoprint, bridge)
    temps = wait_until(lambda: temperatures(octoprint), max(operational_at + 3 - time.monotonic(), 0.1),
                       "temperatures within 3 s of reconnecting", 0.05)
    observe("reconnect", f"disconnect -> {closed!r}; connect -> 'Operational'; tool0 {temps['tool0']} bed {temps['bed']} "
            f"{time.monotonic() - operational_at:.2f} s after Operational")
    assert bridge.daemon.alive()


def test_kill_9_and_restart_octoprint(bridge, octoprint, context):
    daemon_pid = bridge.daemon.process.pid
    octoprint.kill()
    seconds = octoprint.start()
    before = octoprint.state()
    operational_at = connect(octoprint, bridge)
    temps = wait_until(lambda: temperatures(octoprint), max(operational_at + 3 - time.monotonic(), 0.1),
                       "temperatures within 3 s after the restart", 0.05)
    files = wait_until(lambda: octoprint.sd_files(), 30, "the SD list after the restart", 0.25)
    observe("kill -9", f"restarted OctoPrint answered after {seconds:.1f} s in state {before!r}; reconnected: "
            f"'Operational', tool0 {temps['tool0']}, SD list {[f['display'] for f in files]}; daemon pid "
            f"{bridge.daemon.process.pid} (was {daemon_pid}), alive {bridge.daemon.alive()}")
    assert bridge.daemon.alive() and bridge.daemon.process.pid == daemon_pid


def test_daemon_log_has_no_errors(bridge, octoprint):
    lines = bridge.daemon.log().splitlines()
    errors = [line for line in lines if " error " in line or " critical " in line]
    serial_errors = [line for line in octoprint.serial_log().splitlines() if "Recv: Error" in line or "Recv: !!" in line]
    observe("logs", f"daemon log: {len(lines)} lines, {len(errors)} at error level {errors[:5]}; "
            f"OctoPrint serial.log Error/!! lines: {serial_errors[:5]}")
    assert not serial_errors


def test_pause_survives_a_stalled_host(bridge, octoprint, context):
    """OctoPrint stays in Pausing until its M114 is answered or `positionLogWait` passes, and its send
    queue only moves on an `ok`: when the M400's `ok` beats the queuing of M114 (a race seen here in
    roughly one run of test_pause in four) it sits in Pausing for up to 10 s. Emulated deterministically by ignoring M114
    with a 5 s wait. Whatever the host does meanwhile, the job must not be cancelled: checked for 7 s."""
    octoprint.command("/api/settings", {"serial": {"ignoredCommands": ["M114"], "timeoutPositionLogWait": 5}})
    octoprint.command("/api/connection", {"command": "disconnect"})
    wait_for_state(octoprint, lambda s: s in ("Offline", "Closed"), "OctoPrint Offline", timeout=30)
    connect(octoprint, bridge)
    try:
        start_sd_print(octoprint, "Benchy.gcode.3mf")
        wait_for_state(octoprint, is_printing, "OctoPrint Printing", timeout=30)
        wait_until(lambda: octoprint.job()["progress"]["completion"], 30, "progress > 0", 0.2)
        since = len(bridge.sim.requests(PRINTER))
        octoprint.command("/api/job", {"command": "pause", "action": "pause"})
        job_states = ("Printing from SD", "Pausing", "Paused")
        seen: list[str] = []
        started = time.monotonic()
        while time.monotonic() - started < 7:  # a stability window, not synchronisation
            state = octoprint.state()
            if not seen or seen[-1] != state:
                seen.append(state)
            if state not in job_states:
                break
            time.sleep(0.1)
        observe("stalled pause", f"states {seen} within {time.monotonic() - started:.1f} s of the pause request; "
                f"simulator job commands {job_commands(bridge, since)}")
        assert all(state in job_states for state in seen), f"OctoPrint left the job: states {seen}"
        assert "stop" not in job_commands(bridge, since)
    finally:
        # Leave nothing behind: OctoPrint reconnected with default settings, no job on the printer.
        octoprint.command("/api/connection", {"command": "disconnect"})
        wait_for_state(octoprint, lambda s: s in ("Offline", "Closed"), "OctoPrint Offline", timeout=30)
        if bridge.sim.control(f"clear-hms {PRINTER}") in ("PREPARE", "RUNNING", "PAUSE"):
            bridge.sim.control(f"stop {PRINTER}")
        octoprint.command("/api/settings", {"serial": {"ignoredCommands": [], "timeoutPositionLogWait": 10}})
        connect(octoprint, bridge)
