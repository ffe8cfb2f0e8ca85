"""`timebank console serve --config FILE`: the office's web console, until SIGTERM or Ctrl-C.

Owns starting the web server (uvicorn) on console.listen with the pages of console.app,
calling the node named by console.node; and serving the pages from a thread on a free
loopback port, for the benchmark and the browser tests.
"""

from __future__ import annotations

import argparse
import pathlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from console.config import load_console_config
from timebank.config import parse_listen_address, resolve_path
from timebank.errors import ConfigError

__all__ = ["SHUTDOWN_MARGIN_SECONDS", "START_SECONDS_MAX", "cmd_serve", "register", "serving_in_thread"]

START_SECONDS_MAX = 10.0
# On SIGTERM, requests in flight get the node's deadline and this much more, then end.
SHUTDOWN_MARGIN_SECONDS = 5


def cmd_serve(arguments: argparse.Namespace) -> int:
    import uvicorn

    from console.app import make_app

    loaded = load_console_config(arguments.config)
    settings = loaded.console
    host, port = parse_listen_address(settings.listen)
    tls: dict[str, str] = {}
    if settings.serves_https:
        certificate = resolve_path(loaded.base_directory, settings.tls_certificate_file)
        key = resolve_path(loaded.base_directory, settings.tls_key_file)
        for name, path in (("tls_certificate_file", certificate), ("tls_key_file", key)):
            if not path.is_file():
                raise ConfigError(f"console.{name}: {path} is not a readable file")
        tls = {"ssl_certfile": str(certificate), "ssl_keyfile": str(key)}
    scheme = "https" if tls else "http"
    # "serving on HOST:PORT" is what city.processes reads to learn a started console's address.
    print(f"console of the node at {settings.node}: serving on {settings.listen} ({scheme})", flush=True)
    uvicorn.run(
        make_app(settings),
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=settings.secure_cookies and not tls,
        timeout_graceful_shutdown=int(settings.deadline_seconds) + SHUTDOWN_MARGIN_SECONDS,
        **tls,  # type: ignore[arg-type]
    )
    return 0


def register(subparsers: Any) -> None:
    console = subparsers.add_parser("console", help="the office's web console for a node").add_subparsers(
        dest="console_command", required=True
    )
    serve = console.add_parser("serve", help="serve the console's pages until SIGTERM")
    serve.add_argument("--config", type=pathlib.Path, required=True, help="the console's console.toml")
    serve.set_defaults(handler=cmd_serve)


@contextmanager
def serving_in_thread(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """The app served by uvicorn on a free port of host, in a thread, until the block ends;
    yields its base URL. TimeoutError if it has not started in START_SECONDS_MAX."""
    import uvicorn

    listener = socket.socket()
    listener.bind((host, 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS_MAX
    while not server.started:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the console did not start in {START_SECONDS_MAX} s")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(START_SECONDS_MAX)
        listener.close()
