"""`timebank console serve --config FILE`: the office's web console, and `timebank console
bureau --config FILE`: the bureau's at the clearinghouse, each until SIGTERM or Ctrl-C.

Owns starting the web server (uvicorn) on the configured listen address with the pages of
console.app (calling the node named by console.node) or console.bureau.app (calling the
clearinghouse with the bureau's certificate); and serving pages from a thread on a free
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

from console.bureau.config import load_bureau_console_config
from console.config import Served, load_console_config
from timebank.config import parse_listen_address, resolve_path
from timebank.errors import ConfigError

__all__ = [
    "SHUTDOWN_MARGIN_SECONDS",
    "START_SECONDS_MAX",
    "cmd_bureau",
    "cmd_serve",
    "register",
    "serving_in_thread",
]

START_SECONDS_MAX = 10.0
# On SIGTERM, requests in flight get the node's deadline and this much more, then end.
SHUTDOWN_MARGIN_SECONDS = 5


def _serve(app: Any, settings: Served, base_directory: pathlib.Path, table: str, what: str) -> int:
    """Serves app on settings.listen (HTTPS with its own certificate, if it has one) until a signal."""
    import uvicorn

    host, port = parse_listen_address(settings.listen)
    tls: dict[str, str] = {}
    if settings.tls_certificate_file:
        certificate = resolve_path(base_directory, settings.tls_certificate_file)
        key = resolve_path(base_directory, settings.tls_key_file)
        for name, path in (("tls_certificate_file", certificate), ("tls_key_file", key)):
            if not path.is_file():
                raise ConfigError(f"{table}.{name}: {path} is not a readable file")
        tls = {"ssl_certfile": str(certificate), "ssl_keyfile": str(key)}
    scheme = "https" if tls else "http"
    # "serving on HOST:PORT" is what city.processes reads to learn a started console's address.
    print(f"{what}: serving on {settings.listen} ({scheme})", flush=True)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=settings.secure_cookies and not tls,
        timeout_graceful_shutdown=int(settings.deadline_seconds) + SHUTDOWN_MARGIN_SECONDS,
        **tls,  # type: ignore[arg-type]
    )
    return 0


def cmd_serve(arguments: argparse.Namespace) -> int:
    from console.app import make_app

    loaded = load_console_config(arguments.config)
    settings = loaded.console
    return _serve(
        make_app(settings, credential=loaded.node_credential()),
        settings,
        loaded.base_directory,
        "console",
        f"console of the node at {settings.node}",
    )


def cmd_bureau(arguments: argparse.Namespace) -> int:
    from console.bureau.app import make_bureau_app

    loaded = load_bureau_console_config(arguments.config)
    settings = loaded.bureau_console
    what = f"the bureau's console of the clearinghouse at {settings.clearinghouse}"
    return _serve(make_bureau_app(loaded), settings, loaded.base_directory, "bureau_console", what)


def register(subparsers: Any) -> None:
    console = subparsers.add_parser("console", help="the web consoles: a node's office, the bureau's").add_subparsers(
        dest="console_command", required=True
    )
    serve = console.add_parser("serve", help="serve the console's pages until SIGTERM")
    serve.add_argument("--config", type=pathlib.Path, required=True, help="the console's console.toml")
    serve.set_defaults(handler=cmd_serve)
    bureau = console.add_parser("bureau", help="serve the bureau's console at the clearinghouse until SIGTERM")
    bureau.add_argument("--config", type=pathlib.Path, required=True, help="the bureau's bureau-console.toml")
    bureau.set_defaults(handler=cmd_bureau)


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
