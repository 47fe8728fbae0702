#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# bambu-serial benchmarks: starts the simulator, the daemon, the floor and the peers, and prints figures.
"""Benchmarks for bambu-serial (see BENCHMARKS.md for what each one measures and the goals).

Run from the repository root with the bench venv's Python (make bench sets it up):
    .build/bench-venv/bin/python Benchmarks/bench.py roundtrip|throughput|ingest|ingest-instructions|hostile|scale|idle|soak|all
Binaries: .build/release/bambu-serial (the static build `make bench` makes, as installed) and
.build-bench/release/bambu-serial-bench (override with BAMBU_SERIAL_BINARY / BAMBU_SERIAL_BENCH).
"""

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("BAMBU_SERIAL_BINARY", os.path.join(ROOT, ".build/release/bambu-serial"))
BENCH = os.environ.get("BAMBU_SERIAL_BENCH", os.path.join(ROOT, ".build-bench/release/bambu-serial-bench"))
SHARED = os.environ.get("BAMBU_SHARED_DIR", os.path.abspath(os.path.join(ROOT, "../shared")))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def log(text):
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- /proc sampling

def cpu_seconds(pid):
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid, field="VmRSS"):
    """VmRSS (everything resident), RssAnon (private heap and stacks) or RssFile (mapped binaries), MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def context_switches(pid):
    """Voluntary + involuntary context switches summed over every thread (a wake-up count)."""
    voluntary = involuntary = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        voluntary += int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches:"):
                        involuntary += int(line.split()[1])
        except FileNotFoundError:
            pass
    return voluntary, involuntary


def threads(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def measure_window(pids, seconds):
    """CPU % of one core, RSS (MB, at the end) and wake-ups per second for each pid over `seconds`."""
    start_cpu = {pid: cpu_seconds(pid) for pid in pids}
    start_switches = {pid: context_switches(pid) for pid in pids}
    start = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - start
    result = {}
    for pid in pids:
        voluntary, involuntary = context_switches(pid)
        result[pid] = {
            "cpu_percent": round(100 * (cpu_seconds(pid) - start_cpu[pid]) / elapsed, 2),
            "rss_mb": round(rss_mb(pid), 1),
            "rss_anon_mb": round(rss_mb(pid, "RssAnon"), 1),
            "rss_file_mb": round(rss_mb(pid, "RssFile"), 1),
            "wakeups_per_s": round((voluntary - start_switches[pid][0]) / elapsed, 1),
            "involuntary_per_s": round((involuntary - start_switches[pid][1]) / elapsed, 1),
            "threads": threads(pid),
            "seconds": round(elapsed, 1),
        }
    return result


# ---------------------------------------------------------------- processes

class Simulator:
    """`bambu-serial sim` with N printers of one model; its console is kept open on a pipe."""

    def __init__(self, model, count, interval=1.0):
        self.directory = tempfile.mkdtemp(prefix="bambu-bench-")
        self.log_path = os.path.join(self.directory, "sim.log")
        self.log_file = open(self.log_path, "w")
        started = time.monotonic()
        self.process = subprocess.Popen(
            [BINARY, "sim", "--models", model, "--count", str(count), "--dir", self.directory,
             "--interval", str(interval)],
            stdin=subprocess.PIPE, stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            text = self.text()
            if re.search(r"^ready ", text, re.M):
                break
            if self.process.poll() is not None:
                raise RuntimeError("simulator exited:\n" + text)
            time.sleep(0.2)
        else:
            raise RuntimeError("simulator not ready:\n" + self.text())
        log(f"  simulator: {count} × {model} ready in {time.monotonic() - started:.1f} s ({self.directory})")
        self.config = os.path.join(self.directory, "bambu-serial.toml")
        self.printers = self.parse_printers()

    def text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def parse_printers(self):
        """name → (serial, access code, MQTT port) from the configuration the simulator wrote."""
        printers = {}
        current = {}
        with open(self.config) as f:
            for line in f:
                line = line.strip()
                if line == "[[printer]]":
                    current = {}
                match = re.match(r'(\w+) = "?([^"]*)"?$', line)
                if match:
                    current[match.group(1)] = match.group(2)
                    if "mqtt_port" in current and "name" in current and current["name"] not in printers:
                        printers[current["name"]] = current
        return printers

    def config_for(self, name, tag):
        """A configuration with only printer `name`, its ports under <dir>/<tag>-dev."""
        with open(self.config) as f:
            text = f.read()
        header, *blocks = text.split("[[printer]]")
        device_dir = os.path.join(self.directory, f"{tag}-dev")
        os.makedirs(device_dir, exist_ok=True)
        header = re.sub(r'device_dir = "[^"]*"', f'device_dir = "{device_dir}"', header)
        header = re.sub(r'state_dir = "([^"]*)"', rf'state_dir = "\1-{tag}"', header)
        os.makedirs(re.search(r'state_dir = "([^"]*)"', header).group(1), exist_ok=True)
        block = next(b for b in blocks if f'name = "{name}"' in b)
        path = os.path.join(self.directory, f"{tag}.toml")
        with open(path, "w") as f:
            f.write(header + "[[printer]]" + block)
        os.chmod(path, 0o600)
        return path, device_dir

    def requests_seen(self):
        return set(re.findall(r"^request (\S+) ", self.text(), re.M))

    def pids(self):
        """The simulator and its broker (mosquitto) and storage server."""
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [self.process.pid] + [int(p) for p in children.split()]

    def stop(self):
        stop_process(self.process)
        self.log_file.close()
        shutil.rmtree(self.directory, ignore_errors=True)


class Daemon:
    """`bambu-serial run` on the simulator's configuration, with a NOTIFY_SOCKET listener."""

    def __init__(self, simulator, wait_for_links=True, binary=BINARY, only=None, tag="daemon"):
        """`only`: run just that printer (its own configuration), so two daemons can share a simulator."""
        self.simulator = simulator
        self.names = {only} if only else set(simulator.printers)
        config = simulator.config
        self.device_dir = os.path.join(simulator.directory, "dev")
        if only:
            config, self.device_dir = simulator.config_for(only, tag)
        self.notify_path = os.path.join(simulator.directory, f"{tag}-notify.sock")
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if os.path.exists(self.notify_path):
            os.unlink(self.notify_path)
        self.notify.bind(self.notify_path)
        self.log_file = open(os.path.join(simulator.directory, f"{tag}.log"), "w")
        environment = dict(os.environ, NOTIFY_SOCKET=self.notify_path)
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [binary, "run", "--config", config], stdout=self.log_file, stderr=subprocess.STDOUT,
            env=environment)
        try:
            self.ready_after = self.wait_ready()
            if wait_for_links:
                self.wait_links()
        except BaseException:
            self.stop()
            raise

    def wait_ready(self):
        self.notify.settimeout(30)
        while True:
            data = self.notify.recv(4096).decode()
            if "READY=1" in data.split("\n"):
                return time.monotonic() - self.started

    def wait_links(self):
        """Until every printer has sent its get_version/pushall requests (its MQTT link is up)."""
        names = self.names
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if names <= self.simulator.requests_seen():
                log(f"  daemon: {len(names)} links up after {time.monotonic() - self.started:.1f} s")
                return
            if self.process.poll() is not None:
                raise RuntimeError("daemon exited")
            time.sleep(0.2)
        raise RuntimeError(f"links not up: {sorted(names - self.simulator.requests_seen())[:5]}")

    def port(self, name):
        return os.path.join(self.device_dir, name)

    def stop(self):
        stop_process(self.process)
        self.log_file.close()
        self.notify.close()


def stop_process(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class EchoFloor:
    """The bare pty echo (bambu-serial-bench echo)."""

    def __init__(self, directory):
        self.link = os.path.join(directory, "echo-floor")
        self.process = subprocess.Popen([BENCH, "echo", "--link", self.link], stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError("echo floor did not start")

    def stop(self):
        stop_process(self.process)


PEER_SCRIPT = r"""
import json, os, sys, threading, time, logging
logging.disable(logging.CRITICAL)
from bpm.bambuconfig import BambuConfig
from bpm.bambuprinter import BambuPrinter
printers = []
for spec in json.loads(sys.argv[1]):
    cfg = BambuConfig(hostname="127.0.0.1", access_code=spec["access_code"], serial_number=spec["serial"],
                      mqtt_port=int(spec["mqtt_port"]))
    printer = BambuPrinter(config=cfg)
    printer.start_session()
    printers.append(printer)
print("started", flush=True)
threading.Event().wait()
"""


class PeerClients:
    """bambu-printer-manager: one BambuPrinter per printer in one Python process (as anchors.md)."""

    def __init__(self, simulator):
        specs = [{"serial": p["serial"], "access_code": p["access_code"], "mqtt_port": p["mqtt_port"]}
                 for p in simulator.printers.values()]
        self.process = subprocess.Popen([sys.executable, "-c", PEER_SCRIPT, json.dumps(specs)],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if not self.process.stdout.readline().startswith("started"):
            raise RuntimeError("bambu-printer-manager clients did not start")

    def stop(self):
        self.process.kill()
        self.process.wait()


# ---------------------------------------------------------------- benchmarks

class PortSetup:
    """One simulated X1C behind the daemon, the echo floor, and with `compare` a second daemon (another
    build) behind a second printer: the ports a client measures interleaved in one run."""

    def __init__(self, compare):
        self.simulator = Simulator("x1c", 2 if compare else 1)
        self.daemons = []
        self.floor = None
        try:
            if compare:
                self.daemons.append(Daemon(self.simulator, only="x1c", tag="daemon"))
                self.daemons.append(Daemon(self.simulator, only="x1c-2", tag="compare", binary=compare))
            else:
                self.daemons.append(Daemon(self.simulator))
            self.floor = EchoFloor(self.simulator.directory)
        except BaseException:
            self.stop()
            raise
        self.ports = [self.daemons[0].port("x1c")]
        if compare:
            self.ports.append(self.daemons[1].port("x1c-2"))
        self.ports.append(self.floor.link)

    def run(self, tool, count):
        command = [BENCH, tool, "--count", str(count)]
        for port in self.ports:
            command += ["--port", port]
        log("  $ " + " ".join(command))
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        return [json.loads(line) for line in output.splitlines()]

    def stop(self):
        if self.floor:
            self.floor.stop()
        for daemon in self.daemons:
            daemon.stop()
        self.simulator.stop()


def bench_roundtrip(args):
    """1. M105 → ok through the daemon's pty vs the bare pty echo, interleaved in one client.

    With --compare BINARY a second daemon (another build) serves a second printer, interleaved too (A/B).
    """
    setup = PortSetup(args.compare)
    try:
        rows = setup.run("roundtrip", args.count)
        ours, bare = rows[0], rows[-1]
        result = {"bench": "roundtrip", "count": args.count, "daemon": ours, "floor": bare,
                  "p50_ratio": round(ours["p50_us"] / bare["p50_us"], 2)}
        if args.compare:
            result["compare"] = dict(rows[1], binary=args.compare)
            result["compare_p50_ratio"] = round(rows[1]["p50_us"] / bare["p50_us"], 2)
        print(json.dumps(result), flush=True)
        return result
    finally:
        setup.stop()


def bench_throughput(args):
    """5. OctoPrint-style numbered, checksummed G1 lines, one in flight, vs the echo floor (and --compare)."""
    setup = PortSetup(args.compare)
    try:
        rows = setup.run("throughput", args.count)
        ours, bare = rows[0], rows[-1]
        result = {"bench": "throughput", "daemon": ours, "floor": bare,
                  "ratio": round(ours["lines_per_second"] / bare["lines_per_second"], 3)}
        if args.compare:
            result["compare"] = dict(rows[1], binary=args.compare)
        print(json.dumps(result), flush=True)
        return result
    finally:
        setup.stop()


def read_streams(dump):
    """The report streams `bambu-serial-bench ingest --dump` wrote: fixture name -> wire messages."""
    streams = {}
    with open(dump) as f:
        for line in f:
            name, message = line.rstrip("\n").split("\t", 1)
            streams.setdefault(name, []).append(message)
    return streams


def peer_printer():
    """A bambu-printer-manager printer that only takes messages (logging off, no storage)."""
    import logging
    logging.disable(logging.CRITICAL)
    from bpm.bambuconfig import BambuConfig
    from bpm.bambuprinter import BambuPrinter
    printer = BambuPrinter(config=BambuConfig(hostname="127.0.0.1", access_code="12345678",
                                              serial_number="00M00A000000001"))
    # A RUNNING job makes it fetch the job's project once over FTPS: no storage here.
    printer.get_sdcard_3mf_files = lambda *args, **kwargs: {}
    return printer


def bench_ingest(args):
    """2. Parse + merge per fixture (Swift, thread CPU time) vs bambu-printer-manager's _on_message."""
    fixtures = os.path.join(SHARED, "fixtures/reports")
    dump = tempfile.mktemp(prefix="bambu-bench-stream-")
    command = [BENCH, "ingest", "--fixtures", fixtures, "--dump", dump, "--seconds", str(args.seconds)]
    log("  $ " + " ".join(command))
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    ours = {}
    for line in output.splitlines():
        row = json.loads(line)
        print(json.dumps(row), flush=True)
        ours[(row["bench"], row["fixture"])] = row
    streams = read_streams(dump)
    os.unlink(dump)
    results = []
    for name, messages in streams.items():
        printer = peer_printer()
        try:
            for message in messages:
                printer._on_message(message)
        except Exception as error:  # the peer cannot read some real reports
            row = {"bench": "ingest-peer", "fixture": name, "bpm_error": f"{type(error).__name__}: {error}"}
            print(json.dumps(row), flush=True)
            results.append(row)
            continue

        def one_pass():
            for message in messages:
                printer._on_message(message)

        peer = best_thread_cpu(one_pass, args.seconds)
        swift = ours[("ingest", name)]["steady_us_per_stream"]
        # Ours when every number in the reports changes (the merge cannot keep stored values); the
        # peer's cost does not depend on that (json.loads and dict updates either way).
        changing = ours[("ingest", name)]["changing_us_per_stream"]
        row = {"bench": "ingest-peer", "fixture": name, "messages": len(messages),
               "bpm_us_per_stream": round(peer, 1), "bpm_us_per_report": round(peer / len(messages), 1),
               "ours_us_per_stream": swift, "cpu_ratio": round(peer / swift, 1),
               "ours_changing_us_per_stream": changing, "cpu_ratio_changing": round(peer / changing, 1)}
        print(json.dumps(row), flush=True)
        results.append(row)
    return results


def bench_ingest_instructions(args):
    """2, counted: instructions per stream (callgrind, N passes minus none), ours and bambu-printer-manager's.

    Unlike the timed figures, these do not move with the machine's load; they leave out how many
    instructions each side runs per cycle.
    """
    valgrind = shutil.which("valgrind")
    if not valgrind:
        sys.exit("ingest-instructions needs valgrind (apt-get install valgrind)")
    fixtures = os.path.join(SHARED, "fixtures/reports")
    names = args.fixtures or sorted(name for name in os.listdir(fixtures) if name.endswith(".json"))
    dump = tempfile.mktemp(prefix="bambu-bench-stream-")
    subprocess.run([BENCH, "ingest", "--fixtures", fixtures, "--dump", dump, "--seconds", "0.01"],
                   capture_output=True, check=True)

    def counted(command):
        run = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
                             capture_output=True, text=True)
        found = re.search(r"Collected : (\d+)", run.stderr)
        return int(found.group(1)) if run.returncode == 0 and found else None

    def per_pass(command):
        passes, none = counted(command(args.passes)), counted(command(0))
        return None if passes is None or none is None else (passes - none) / args.passes

    results = []
    try:
        for name in names:
            with tempfile.TemporaryDirectory() as one:
                os.symlink(os.path.join(fixtures, name), os.path.join(one, name))
                ours = per_pass(lambda n: [BENCH, "ingest-count", "--fixtures", one, "--iterations", str(n),
                                           "--stage", "streams"])
            peer = per_pass(lambda n: [sys.executable, os.path.abspath(__file__), "bpm-passes", dump, name, str(n)])
            row = {"bench": "ingest-instructions", "fixture": name, "passes": args.passes,
                   "ours_instructions_per_stream": round(ours) if ours else None,
                   "bpm_instructions_per_stream": round(peer) if peer else None,
                   "instruction_ratio": round(peer / ours, 1) if ours and peer else None}
            if peer is None:
                row["bpm_error"] = "bambu-printer-manager's run failed (it raises on this stream, or valgrind failed)"
            print(json.dumps(row), flush=True)
            results.append(row)
    finally:
        os.unlink(dump)
    return results


def hostile_streams():
    """Report streams shaped to be slow, each report under the daemon's 1 MB limit: name -> stream.

    A stream is stored as the fixtures are (a dict, or its text): `pushall` is the first report,
    `deltas` the next ones.
    """
    keys = [f"k{i}" for i in range(60_000)]
    forward = {key: i for i, key in enumerate(keys)}
    backward = {key: i + 1 for i, key in reversed(list(enumerate(keys)))}
    units = [{"id": i} for i in range(60_000)]
    containers = {f"c{i}": {"a": "x" * 40, "n": i} for i in range(15_000)}
    changed_containers = {key: {"a": "y" * 40, "n": value["n"]} for key, value in containers.items()}
    return {
        # One object of 70,000 keys; and with a key repeated last, which the stream file's own
        # (plain) parse meets: the ingest gets the report without the repeat.
        "wide_object": {"pushall": {"print": {f"k{i}": i for i in range(70_000)}}},
        "wide_object_repeated_key": '{"pushall":{"print":{' + ",".join(f'"k{i}":{i}' for i in range(70_000))
                                    + ',"k0":1}}}',
        # 30,000 keys sharing one fingerprint (same length, first and last eight bytes).
        "alike_keys": {"pushall": {"print": {f"aaaaaaaa{i:06d}bbbbbbbb": i for i in range(30_000)}}},
        # Keys of a stored object sent again in reverse order, at the top and one level down.
        "reversed_keys": {"pushall": {"print": forward}, "deltas": [backward]},
        "reversed_nested_keys": {"pushall": {"print": {"o": forward}}, "deltas": [{"o": backward}]},
        # 60,000 AMS units, then in reverse order; then a full report listing every other one.
        "reversed_records": {"pushall": {"print": {"ams": {"ams": units}}}, "deltas": [{"ams": {"ams": units[::-1]}}]},
        "vanished_units": {"pushall": {"print": {"ams": {"ams": units}}},
                           "deltas": [{"msg": 0, "ams": {"ams": units[::2]}}]},
        "many_hms": {"pushall": {"print": {"hms": [{"attr": i, "code": i} for i in range(36_000)]}}},
        # 15,000 containers of 48 bytes and more in `print`, sent again unchanged (the report memo
        # remembers such members), then each changed.
        "many_containers": {"pushall": {"print": containers}, "deltas": [containers, changed_containers]},
    }


def bench_hostile(args):
    """Reports shaped to be slow: CPU seconds to read each stream and ingest it once (ingest-count)."""
    binaries = [("ours", BENCH)] + ([("compare", args.compare)] if args.compare else [])
    results = []
    with tempfile.TemporaryDirectory(prefix="bambu-bench-hostile-") as root:
        for name, stream in hostile_streams().items():
            directory = os.path.join(root, name)
            os.mkdir(directory)
            text = stream if isinstance(stream, str) else json.dumps(stream, separators=(",", ":"))
            with open(os.path.join(directory, name + ".json"), "w") as f:
                f.write(text)
            row = {"bench": "hostile", "stream": name, "file_bytes": len(text)}
            for label, binary in binaries:
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                try:
                    subprocess.run([binary, "ingest-count", "--fixtures", directory, "--iterations", "0"],
                                   check=True, capture_output=True, timeout=args.timeout)
                except subprocess.TimeoutExpired:
                    row[label + "_cpu_s"] = f"over {args.timeout} s (stopped)"
                    continue
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
                row[label + "_cpu_s"] = round(cpu, 2)
            print(json.dumps(row), flush=True)
            results.append(row)
    return results


def bpm_passes(args):
    """Internal (run under callgrind by ingest-instructions): the stream once, then `passes` more times."""
    messages = read_streams(args.dump).get(args.fixture, [])
    printer = peer_printer()
    for _ in range(args.passes + 1):
        for message in messages:
            printer._on_message(message)


def best_thread_cpu(body, seconds):
    """µs of thread CPU per call of body, best of 5 rounds of about seconds/10 each."""
    body()
    calls = 1
    while True:
        start = time.thread_time()
        for _ in range(calls):
            body()
        if time.thread_time() - start >= seconds / 10 or calls >= 1 << 20:
            break
        calls *= 2
    best = float("inf")
    for _ in range(5):
        start = time.thread_time()
        for _ in range(calls):
            body()
        best = min(best, (time.thread_time() - start) * 1e6 / calls)
    return best


def bench_scale(args):
    """3. 1, 10, 100 printers at 1 Hz: daemon RSS and CPU vs bambu-printer-manager clients."""
    results = []
    for count in args.counts:
        simulator = Simulator(args.model, count)
        daemon = peers = None
        try:
            daemon = Daemon(simulator)
            peers = None if args.no_peer else PeerClients(simulator)
            time.sleep(args.warmup)
            pids = [daemon.process.pid] + ([peers.process.pid] if peers else [])
            window = measure_window(pids, args.seconds)
            row = {"bench": "scale", "printers": count, "model": args.model, "daemon": window[daemon.process.pid]}
            if peers:
                row["bpm"] = window[peers.process.pid]
            print(json.dumps(row), flush=True)
            results.append(row)
        finally:
            if peers:
                peers.stop()
            if daemon:
                daemon.stop()
            simulator.stop()
    if len(results) >= 2:
        low, high = results[0], results[-1]
        span = high["printers"] - low["printers"]
        summary = {"bench": "scale-per-printer",
                   "daemon_mb_per_printer": round((high["daemon"]["rss_mb"] - low["daemon"]["rss_mb"]) / span, 3),
                   "daemon_anon_mb_per_printer":
                       round((high["daemon"]["rss_anon_mb"] - low["daemon"]["rss_anon_mb"]) / span, 3)}
        if "bpm" in high:
            summary["bpm_mb_per_printer"] = round((high["bpm"]["rss_mb"] - low["bpm"]["rss_mb"]) / span, 3)
            summary["ratio"] = round(summary["bpm_mb_per_printer"] / max(summary["daemon_mb_per_printer"], 1e-3), 1)
        print(json.dumps(summary), flush=True)
        results.append(summary)
    return results


def install_hms_table(simulator):
    """The HMS text table (as `hms-update` writes it) in the daemon's state directory: installs have one."""
    import gzip
    with open(simulator.config) as f:
        state_dir = re.search(r'state_dir = "([^"]*)"', f.read()).group(1)
    os.makedirs(state_dir, exist_ok=True)
    with gzip.open(os.path.join(SHARED, "fixtures/hms/query-en.json.gz")) as source:
        with open(os.path.join(state_dir, "hms-en.json"), "wb") as target:
            shutil.copyfileobj(source, target)


def bench_idle(args):
    """4. 10 printers connected, silent, no host: CPU, wake-ups, time to READY=1."""
    simulator = Simulator(args.model, args.printers, interval=args.interval)
    try:
        if not args.no_hms:
            install_hms_table(simulator)
        readies = []
        for _ in range(args.starts):
            daemon = Daemon(simulator, wait_for_links=False)
            readies.append(daemon.ready_after * 1000)
            daemon.stop()
        daemon = Daemon(simulator)
        try:
            time.sleep(5)
            window = measure_window([daemon.process.pid], args.seconds)[daemon.process.pid]
        finally:
            daemon.stop()
        row = {"bench": "idle", "printers": args.printers, "report_interval_s": args.interval, "daemon": window,
               "ready_ms_median": round(statistics.median(readies), 1), "ready_ms_max": round(max(readies), 1),
               "ready_ms_all": [round(r, 1) for r in readies]}
        print(json.dumps(row), flush=True)
        return row
    finally:
        simulator.stop()


def bench_soak(args):
    """6. N printers at 1 Hz for a while: RSS every 10 s, growth after the warm-up."""
    simulator = Simulator(args.model, args.printers)
    try:
        daemon = Daemon(simulator)
    except BaseException:
        simulator.stop()
        raise
    try:
        start = time.monotonic()
        samples = []
        while True:
            elapsed = time.monotonic() - start
            samples.append((round(elapsed), round(rss_mb(daemon.process.pid), 2), cpu_seconds(daemon.process.pid)))
            log(f"  t={elapsed:5.0f} s  RSS {samples[-1][1]:.2f} MB  CPU {samples[-1][2]:.1f} s")
            if elapsed >= args.duration:
                break
            time.sleep(min(10, args.duration - elapsed + 0.01))
        after_warmup = [s for s in samples if s[0] >= args.warmup]
        base = after_warmup[0]
        last = samples[-1]
        row = {"bench": "soak", "printers": args.printers, "duration_s": last[0], "warmup_s": args.warmup,
               "rss_after_warmup_mb": base[1], "rss_end_mb": last[1], "growth_mb": round(last[1] - base[1], 2),
               "max_rss_mb": max(s[1] for s in samples),
               "cpu_percent": round(100 * (last[2] - base[2]) / max(last[0] - base[0], 1), 2),
               "samples": [[s[0], s[1]] for s in samples]}
        print(json.dumps(row), flush=True)
        return row
    finally:
        daemon.stop()
        simulator.stop()


def machine():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"bench": "machine", "nproc": os.cpu_count(), "cpu": model, "kernel": os.uname().release,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "loadavg": open("/proc/loadavg").read().split()[:3]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="bench", required=True)
    p = sub.add_parser("roundtrip"); p.add_argument("--count", type=int, default=10_000)
    p.add_argument("--compare", metavar="BINARY", help="another bambu-serial build, measured in the same run")
    p = sub.add_parser("throughput"); p.add_argument("--count", type=int, default=10_000)
    p.add_argument("--compare", metavar="BINARY", help="another bambu-serial build, measured in the same run")
    p = sub.add_parser("ingest"); p.add_argument("--seconds", type=float, default=0.5)
    p = sub.add_parser("ingest-instructions"); p.add_argument("--passes", type=int, default=20)
    p.add_argument("--fixtures", type=lambda s: s.split(","), help="comma-separated fixture file names (default: all)")
    p = sub.add_parser("hostile"); p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--compare", metavar="BENCH_BINARY", help="another bambu-serial-bench build, measured in the same run")
    p = sub.add_parser("bpm-passes"); p.add_argument("dump"); p.add_argument("fixture"); p.add_argument("passes", type=int)
    p = sub.add_parser("scale")
    p.add_argument("--counts", type=lambda s: [int(x) for x in s.split(",")], default=[1, 10, 100])
    p.add_argument("--model", default="x1c"); p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--warmup", type=float, default=10); p.add_argument("--no-peer", action="store_true")
    p = sub.add_parser("idle")
    p.add_argument("--printers", type=int, default=10); p.add_argument("--model", default="x1c")
    p.add_argument("--seconds", type=float, default=60); p.add_argument("--starts", type=int, default=5)
    p.add_argument("--interval", type=float, default=100_000, help="seconds between simulator reports")
    p.add_argument("--no-hms", action="store_true", help="start without the HMS text table in the state directory")
    p = sub.add_parser("soak")
    p.add_argument("--printers", type=int, default=100); p.add_argument("--model", default="x1c")
    p.add_argument("--duration", type=float, default=600); p.add_argument("--warmup", type=float, default=60)
    sub.add_parser("all")
    args = parser.parse_args()
    if args.bench == "bpm-passes":
        return bpm_passes(args)
    for binary in (BINARY, BENCH):
        if not os.access(binary, os.X_OK):
            sys.exit(f"missing {binary}: run `make bench` (it builds both) or name them in BAMBU_SERIAL_BINARY / BAMBU_SERIAL_BENCH")
    print(json.dumps(machine()), flush=True)
    if args.bench == "all":
        defaults = {"roundtrip": ["roundtrip"], "ingest": ["ingest"], "throughput": ["throughput"],
                    "idle": ["idle"], "scale": ["scale"]}
        for name, argv in defaults.items():
            log(f"== {name}")
            globals()["bench_" + name](parser.parse_args(argv))
    else:
        globals()["bench_" + args.bench.replace("-", "_")](args)


if __name__ == "__main__":
    main()
