#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# The simulated printers' cameras (bambu-lan.md §7): RTSPS on "port 322" and the JPEG stream on "port 6000".
"""Serves one camera per simulated printer from a single process.

* ``rtsps`` (X1, P2S, H2 and X2 models, bambu-lan.md §7.1): gst-rtsp-server with TLS, Digest
  authentication as user ``bblp`` with the printer's access code, mounted at
  ``/streaming/live/1``; a moving H.264 test pattern (x264, baseline), TCP-interleaved.
* ``jpeg`` (P1 and A1 models, §7.2): TLS listener that reads the 80-byte auth packet, closes the
  connection without a byte when the access code is wrong (as printers do), else sends each frame
  as a 16-byte little-endian header (size, 0, 1, 0) followed by the JPEG.

Needs Debian's ``/usr/bin/python3`` (``gi`` is not importable from a venv) with python3-gi,
gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-{base,good,ugly} and glib-networking.

Usage:
    camera_server.py --config cameras.json [--exit-with-parent]

``cameras.json``::

    {"cameras": [{"kind": "rtsps", "name": "x1c", "port": 8322, "password": "12345678",
                  "cert": "/abs/leaf.pem", "key": "/abs/leaf.key",
                  "width": 1280, "height": 720, "fps": 15}]}

Prints ``ready`` on stdout once every camera listens, and ``client-connected <name>`` each time an
RTSP client connects to the camera named ``name`` (so tests can count sessions at the source: many
viewers of one bridge must be one RTSP client); exits 0 on SIGTERM.
"""

import argparse
import json
import os
import signal
import socket
import ssl
import struct
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gio, Gst, GstRtsp, GstRtspServer  # noqa: E402

USER = "bblp"
MOUNT = "/streaming/live/1"


def rtsps_camera(camera):
    """An RTSPS server like an X1's port 322 (TLS, Digest, TCP-interleaved H.264)."""
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(camera["port"]))
    auth = GstRtspServer.RTSPAuth()
    auth.set_tls_certificate(Gio.TlsCertificate.new_from_files(camera["cert"], camera["key"]))
    auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, USER)
    auth.add_digest(USER, camera["password"], token)
    server.set_auth(auth)
    width, height, fps = camera.get("width", 1280), camera.get("height", 720), camera.get("fps", 15)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f"( videotestsrc is-live=true pattern=ball ! video/x-raw,width={width},height={height},framerate={fps}/1 "
        f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} ! video/x-h264,profile=baseline "
        "! rtph264pay name=pay0 pt=96 config-interval=1 )"
    )
    factory.set_shared(True)
    factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
    factory.set_profiles(GstRtsp.RTSPProfile.AVP)
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_permission_for_role(USER, GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS, True)
    permissions.add_permission_for_role(USER, GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, True)
    factory.set_permissions(permissions)
    server.get_mount_points().add_factory(MOUNT, factory)
    name = camera.get("name", str(camera["port"]))
    server.connect("client-connected", lambda _server, _client: print(f"client-connected {name}", flush=True))
    if server.attach(None) == 0:
        raise SystemExit(f"cannot listen on RTSPS port {camera['port']}")
    return server


class JPEGCamera:
    """A P1-style port-6000 camera: the newest JPEG of a moving test pattern, sent to every client."""

    def __init__(self, camera):
        self.camera = camera
        self.condition = threading.Condition()
        self.frame = None
        self.number = 0
        width, height, fps = camera.get("width", 1280), camera.get("height", 720), camera.get("fps", 2)
        self.pipeline = Gst.parse_launch(
            f"videotestsrc is-live=true pattern=ball ! video/x-raw,width={width},height={height},framerate={fps}/1 "
            "! jpegenc quality=80 ! appsink name=sink emit-signals=true max-buffers=1 drop=true sync=false"
        )
        self.pipeline.get_by_name("sink").connect("new-sample", self.on_sample)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(camera["cert"], camera["key"])
        self.listener = socket.create_server(("127.0.0.1", camera["port"]), backlog=8)

    def on_sample(self, sink):
        sample = sink.emit("pull-sample")
        buffer = sample.get_buffer()
        data = buffer.extract_dup(0, buffer.get_size())
        with self.condition:
            self.frame = data
            self.number += 1
            self.condition.notify_all()
        return Gst.FlowReturn.OK

    def start(self):
        self.pipeline.set_state(Gst.State.PLAYING)
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            connection, _ = self.listener.accept()
            threading.Thread(target=self.serve, args=(connection,), daemon=True).start()

    def serve(self, connection):
        try:
            connection.settimeout(10)
            stream = self.context.wrap_socket(connection, server_side=True)
            auth = b""
            while len(auth) < 80:
                chunk = stream.recv(80 - len(auth))
                if not chunk:
                    return
                auth += chunk
            expected = struct.pack("<IIII", 0x40, 0x3000, 0, 0) + USER.encode().ljust(32, b"\0")
            expected += self.camera["password"].encode().ljust(32, b"\0")
            if auth != expected:
                return  # a printer sends nothing and closes (bambu-lan.md §7.2 item 5)
            stream.settimeout(None)
            seen = 0
            while True:
                with self.condition:
                    self.condition.wait_for(lambda: self.number != seen)
                    frame, seen = self.frame, self.number
                stream.sendall(struct.pack("<IIII", len(frame), 0, 1, 0))
                stream.sendall(frame)
        except (OSError, ssl.SSLError):
            pass
        finally:
            try:
                connection.close()
            except OSError:
                pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--exit-with-parent", action="store_true")
    arguments = parser.parse_args()
    with open(arguments.config, encoding="utf-8") as file:
        cameras = json.load(file)["cameras"]
    Gst.init(None)
    loop = GLib.MainLoop()
    keep = []
    for camera in cameras:
        if camera["kind"] == "rtsps":
            keep.append(rtsps_camera(camera))
        else:
            jpeg = JPEGCamera(camera)
            jpeg.start()
            keep.append(jpeg)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    if arguments.exit_with_parent:
        parent = os.getppid()

        def check_parent():
            if os.getppid() != parent:
                loop.quit()
                return False
            return True

        GLib.timeout_add_seconds(1, check_parent)
    print("ready", flush=True)
    loop.run()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
