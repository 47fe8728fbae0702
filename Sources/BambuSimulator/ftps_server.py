#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# Implicit-FTPS test server that behaves like Bambu printers' vsFTPd (bambu-lan.md §6), many printers per process.
"""Serves one implicit-FTPS endpoint per simulated printer from a single IOLoop.

Like the printers (bambu-lan.md §6.1): TLS before the 220 banner, user ``bblp``, TLS 1.2 at
most, PBSZ/PROT P required, passive mode, and the data connection must resume the control
connection's TLS session (vsFTPd's ``require_ssl_reuse``); a data connection that did a full
handshake is refused with ``522 SSL connection failed; session reuse required``.

Usage:
    ftps_server.py --config servers.json [--seed] [--verbose] [--exit-with-parent]

``servers.json``::

    {"servers": [{"port": 9990, "password": "12345678", "root": "/abs/dir",
                  "cert": "/abs/leaf.pem", "key": "/abs/leaf.key", "rate": 0}]}

``rate`` (optional, bytes per second, 0 = unlimited) throttles data transfers like a printer on
Wi-Fi. Prints ``ready`` on stdout once every server listens; exits 0 on SIGTERM.
"""

import argparse
import hashlib
import json
import logging
import os
import signal
import sys
import zipfile

from OpenSSL import SSL
from OpenSSL._util import lib as _openssl

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import TLS_FTPHandler
from pyftpdlib.handlers.ftp.control import FTPHandler
from pyftpdlib.handlers.ftp.data import ThrottledDTPHandler
from pyftpdlib.handlers.ftps.data import TLS_DTPHandler
from pyftpdlib.ioloop import IOLoop
from pyftpdlib.servers import FTPServer

USER = "bblp"
REUSE_REFUSAL = "522 SSL connection failed; session reuse required"
log = logging.getLogger("ftps_server")


class ReuseEnforcingDTPHandler(TLS_DTPHandler, ThrottledDTPHandler):
    """Data channel that accepts only a TLS session resumed from the control connection."""

    read_limit = 0
    write_limit = 0

    def handle_ssl_established(self):
        control = self.cmd_channel.socket
        resumed = _openssl.SSL_session_reused(self.socket._ssl) == 1
        same = resumed and isinstance(control, SSL.Connection) and self.socket.master_key() == control.master_key()
        if same:
            return
        log.warning(
            "refused a data connection without TLS session reuse (port %s, resumed=%s)",
            self.cmd_channel.server.address[1],
            resumed,
        )
        self._resp = (REUSE_REFUSAL, log.info)
        # Skip the TLS close_notify exchange: this connection is refused, not finished.
        self._error = True
        self.close()


class ImplicitTLSHandler(TLS_FTPHandler):
    """Control channel with TLS from the first byte (implicit FTPS, port 990 on a printer)."""

    tls_control_required = True
    tls_data_required = True
    banner = "(vsFTPd 3.0.3)"
    dtp_handler = ReuseEnforcingDTPHandler
    permit_foreign_addresses = False
    # vsFTPd waits a second after a bad password; shorter here so tests stay quick.
    auth_failed_timeout = 0.5

    def handle(self):
        # The banner waits for the handshake: see handle_ssl_established.
        self.secure_connection(self.ssl_context)

    def handle_ssl_established(self):
        FTPHandler.handle(self)

    def ftp_AUTH(self, line):
        self.respond("534 Already using implicit TLS.")


def make_context(cert, key):
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.set_min_proto_version(SSL.TLS1_2_VERSION)
    context.set_max_proto_version(SSL.TLS1_2_VERSION)
    context.set_options(SSL.OP_NO_COMPRESSION)
    context.use_certificate_chain_file(cert)
    context.use_privatekey_file(key)
    context.check_privatekey()
    # Resumption needs a session id context and the server-side cache (on by default).
    context.set_session_id(b"bambu-ftps")
    context.set_session_cache_mode(SSL.SESS_CACHE_SERVER)
    return context


def make_handler(index, entry):
    """A handler class per printer: pyftpdlib keeps the authorizer and TLS context on the class."""
    authorizer = DummyAuthorizer()
    root = os.path.abspath(entry["root"])
    os.makedirs(root, exist_ok=True)
    authorizer.add_user(USER, str(entry["password"]), root, perm="elradfmwMT")
    rate = int(entry.get("rate", 0) or 0)
    dtp = type(
        f"PrinterDTPHandler{index}",
        (ReuseEnforcingDTPHandler,),
        {"read_limit": rate, "write_limit": rate},
    )
    return type(
        f"PrinterHandler{index}",
        (ImplicitTLSHandler,),
        {
            "authorizer": authorizer,
            "ssl_context": make_context(entry["cert"], entry["key"]),
            "dtp_handler": dtp,
            "passive_ports": None,
        },
    )


# --- seed content: small but real sliced-3MF-shaped archives -------------------------------------

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
 <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
 <Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>
 <Default Extension="gcode" ContentType="text/x.gcode"/>
</Types>
"""

RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
 <Relationship Target="/3D/3dmodel.model" Id="rel-1"
  Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/>
</Relationships>
"""

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<model unit="millimeter" xml:lang="en-US" xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02">
 <resources/>
 <build/>
</model>
"""


def gcode(title, layers):
    lines = [
        "; HEADER_BLOCK_START",
        "; BambuStudio 02.00.00.00",
        f"; model printing time: {layers}m 0s; total estimated time: {layers + 5}m 0s",
        f"; total layer number: {layers}",
        "; HEADER_BLOCK_END",
        "; CONFIG_BLOCK_START",
        "; layer_height = 0.2",
        "; CONFIG_BLOCK_END",
        f"; {title}",
        "M140 S60",
        "M104 S220",
        "G28",
        "M190 S60",
        "M109 S220",
        "G1 Z0.2 F1200",
    ]
    for layer in range(1, layers + 1):
        lines += [f"M73 L{layer}", f"G1 X{100 + layer} Y100 E{layer * 0.5:.2f} F3000", f"G1 Z{0.2 * (layer + 1):.1f}"]
    lines += ["M104 S0", "M140 S0", "M84"]
    return "\n".join(lines) + "\n"


def slice_info(objects, filament):
    entries = "\n".join(
        f'    <object identify_id="{identify}" name="{name}" skipped="false" />' for identify, name in objects
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<config>
  <header>
    <header_item key="X-BBL-Client-Type" value="slicer"/>
    <header_item key="X-BBL-Client-Version" value="02.00.00.00"/>
  </header>
  <plate>
    <metadata key="index" value="1"/>
    <metadata key="printer_model_id" value="C12"/>
    <metadata key="prediction" value="1500"/>
    <metadata key="weight" value="3.10"/>
{entries}
    <filament id="1" tray_info_idx="GFA00" type="{filament}" color="#FFFFFF" used_m="1.04" used_g="3.10" />
  </plate>
</config>
"""


def write_3mf(path, title, objects, filament, layers):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    code = gcode(title, layers)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("3D/3dmodel.model", MODEL)
        archive.writestr("Metadata/plate_1.gcode", code)
        archive.writestr("Metadata/plate_1.gcode.md5", hashlib.md5(code.encode()).hexdigest().upper())
        archive.writestr("Metadata/slice_info.config", slice_info(objects, filament))


def seed(root):
    """Fills an empty printer root with the files a printer typically holds."""
    if os.listdir(root):
        return
    write_3mf(os.path.join(root, "Benchy.gcode.3mf"), "Benchy", [(101, "3DBenchy"), (202, "Brim ear")], "PLA", 12)
    write_3mf(os.path.join(root, "Calibration Cube.gcode.3mf"), "Calibration Cube", [(55, "Cube 20mm")], "PETG", 8)
    write_3mf(
        os.path.join(root, "cache", "Phone stand.gcode.3mf"),
        "Phone stand",
        [(7, "Phone stand"), (8, "Cable clip")],
        "PLA",
        10,
    )
    os.makedirs(os.path.join(root, "timelapse"), exist_ok=True)
    with open(os.path.join(root, "timelapse", "video_2025-01-01_10-00-00.mp4"), "wb") as video:
        video.write(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
    os.makedirs(os.path.join(root, "logger"), exist_ok=True)
    with open(os.path.join(root, "logger", "x.log"), "w") as logfile:
        logfile.write("[2025-01-01 10:00:00] boot\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="JSON file: {\"servers\": [...]}")
    parser.add_argument("--seed", action="store_true", help="put sample files into empty roots")
    parser.add_argument("--verbose", action="store_true", help="log every FTP command")
    parser.add_argument(
        "--exit-with-parent", action="store_true", help="exit when the process that started us is gone (tests)"
    )
    arguments = parser.parse_args()

    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO if arguments.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    if not arguments.verbose:
        logging.getLogger("pyftpdlib").setLevel(logging.WARNING)
    log.setLevel(logging.INFO)

    with open(arguments.config) as file:
        entries = json.load(file)["servers"]

    ioloop = IOLoop()
    servers = []
    for index, entry in enumerate(entries):
        handler = make_handler(index, entry)
        if arguments.seed:
            seed(os.path.abspath(entry["root"]))
        server = FTPServer(("127.0.0.1", int(entry["port"])), handler, ioloop=ioloop)
        # pyftpdlib counts every socket of the shared IOLoop (all printers), so no global cap.
        server.max_cons = 0
        server.max_cons_per_ip = 0
        servers.append(server)

    def stop(_signum, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # Foundation's Process starts children with most signals blocked (the mask is inherited):
    # without this, SIGTERM would never arrive.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    if arguments.exit_with_parent:
        parent = os.getppid()

        def check_parent():
            if os.getppid() != parent:
                log.warning("parent process %s is gone; exiting", parent)
                raise SystemExit(0)

        ioloop.call_every(1.0, check_parent)
    print("ready", flush=True)
    try:
        ioloop.loop(timeout=1.0)
    except SystemExit:
        pass
    ioloop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
