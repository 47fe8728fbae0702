#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# The simulated X1/P2/H2/X2 printers' cameras (bambu-lan.md §7.1): RTSPS on "port 322".
"""Serves one RTSPS camera per simulated X1, P2S, H2 or X2 printer from a single process.

gst-rtsp-server with TLS, Digest authentication as user ``bblp`` with the printer's access code,
mounted at ``/streaming/live/1``; a moving H.264 test pattern (x264, baseline), TCP-interleaved.
(The P1/A1 port-6000 JPEG stream is served by the simulator itself: ``JPEGStreamServer`` in Swift.)

Needs Debian's ``/usr/bin/python3`` (``gi`` is not importable from a venv) with python3-gi,
gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-{base,good,ugly} and glib-networking.

Usage:
    camera_server.py --config cameras.json [--exit-with-parent]

``cameras.json``::

    {"cameras": [{"kind": "rtsps", "name": "x1c", "port": 8322, "password": "12345678",
                  "cert": "/abs/leaf.pem", "key": "/abs/leaf.key",
                  "width": 1280, "height": 720, "fps": 15}]}

Prints ``ready`` on stdout once every camera listens, ``session-started <name>`` each time an
RTSP client sets up a session with the camera named ``name`` and ``session-ended <name>`` for each
such session when its client's connection closes (so tests can count sessions at the source: many
viewers of one bridge must be one RTSP session, and it must close after the idle timeout); exits 0
on SIGTERM.
"""

import argparse
import json
import os
import signal
import sys

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


    def client_connected(_server, client):
        # A session is a SETUP that succeeded (authenticated): stray TCP connections to the port are not counted.
        sessions = []

        def new_session(_client, _session):
            sessions.append(True)
            print(f"session-started {name}", flush=True)

        def closed(_client):
            # The connection is gone (TEARDOWN or not): each session it set up has ended.
            for _ in sessions:
                print(f"session-ended {name}", flush=True)
            sessions.clear()

        client.connect("new-session", new_session)
        client.connect("closed", closed)

    server.connect("client-connected", client_connected)
    if server.attach(None) == 0:
        raise SystemExit(f"cannot listen on RTSPS port {camera['port']}")
    return server


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
        keep.append(rtsps_camera(camera))
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
