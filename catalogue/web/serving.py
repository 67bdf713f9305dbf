"""`regcat serve`: gunicorn in production, Flask's server for development."""

from __future__ import annotations

from typing import Any

from catalogue.config import Config


def run_server(config: Config, host: str, port: int, workers: int, dev: bool) -> None:
    from catalogue.web import create_app

    if dev:
        create_app(config).run(host=host, port=port)
        return
    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            # The app refuses a too long URL itself, in the one error shape (414); gunicorn's
            # own limit would answer first, in HTML. Without it gunicorn still stops at 1 MB.
            self.cfg.set("limit_request_line", 0)

        def load(self) -> Any:
            return create_app(config)

    _Gunicorn().run()
