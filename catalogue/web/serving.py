"""`regcat serve`: gunicorn in production, Flask's server for development.

The listening socket is opened here, before gunicorn starts, and handed to it by file
descriptor: a port already in use or an address this machine does not have is then one
clear error (what, where, how to fix) instead of gunicorn's retries and traceback, and
there is no moment between our check and gunicorn's bind in which the port could be taken.

gunicorn keeps a control socket for `gunicornc`; by default every server of the same user
shares one path ($XDG_RUNTIME_DIR/gunicorn.ctl), so a second server would take over the
first's. Each server gets its own, HOME/run/gunicorn-PORT.ctl.
"""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Any

from catalogue.config import Config
from catalogue.domain.errors import RegcatError

# A Unix socket path longer than this does not fit sockaddr_un (108 bytes on Linux).
_MAX_UNIX_PATH = 100


def run_server(config: Config, host: str, port: int, workers: int, dev: bool) -> None:
    from catalogue.web import create_app

    listening = open_listening_socket(host, port)
    if dev:
        from werkzeug.serving import make_server

        app = create_app(config)
        make_server(host, port, app, threaded=True, fd=listening.detach()).serve_forever()
        return
    from gunicorn.app.base import BaseApplication

    fd = listening.detach()  # gunicorn owns (and closes) it from here
    control = control_socket_path(config, port)

    class _Gunicorn(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", [f"fd://{fd}"])
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            # The app refuses a too long URL itself, in the one error shape (414); gunicorn's
            # own limit would answer first, in HTML. Without it gunicorn still stops at 1 MB.
            self.cfg.set("limit_request_line", 0)
            if control is None:
                self.cfg.set("control_socket_disable", True)
            else:
                self.cfg.set("control_socket", str(control))

        def load(self) -> Any:
            return create_app(config)

    _Gunicorn().run()


def control_socket_path(config: Config, port: int) -> Path | None:
    """This server's gunicorn control socket, or None when HOME is too deep for one."""
    path = config.home / "run" / f"gunicorn-{port}.ctl"
    return path if len(str(path).encode()) <= _MAX_UNIX_PATH else None


def open_listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound and listening on host:port, or a RegcatError saying why not."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError) as e:
        raise _cannot_listen(host, port, str(e)) from None
    listening = socket.socket(family, kind, proto)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(address)
        listening.listen(2048)
    except OSError as e:
        listening.close()
        if e.errno == errno.EADDRINUSE:
            raise _port_busy(host, port) from None
        raise _cannot_listen(host, port, e.strerror or str(e)) from None
    listening.set_inheritable(True)
    return listening


def _port_busy(host: str, port: int) -> RegcatError:
    return RegcatError(
        "port-busy",
        f"Porten {port} på {host} er allerede i bruk (kjører regcat eller en annen tjeneste "
        f"der?). Velg en ledig port: `regcat serve --port {port + 1}` eller "
        f"`make demo PORT={port + 1}`.",
        f"Port {port} on {host} is already in use (is regcat or another service running "
        f"there?). Choose a free port: `regcat serve --port {port + 1}` or "
        f"`make demo PORT={port + 1}`.",
        {"host": host, "port": port},
        409,
    )


def _cannot_listen(host: str, port: int, reason: str) -> RegcatError:
    return RegcatError(
        "cannot-listen",
        f"Kan ikke lytte på {host}:{port} ({reason}). Bruk en adresse denne maskinen har, "
        "f.eks. --host 127.0.0.1 (bare denne maskinen) eller --host 0.0.0.0 (alle).",
        f"Cannot listen on {host}:{port} ({reason}). Use an address this machine has, "
        "e.g. --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (everyone).",
        {"host": host, "port": port},
        400,
    )
