"""`timebank console serve --config FILE`: the office's web console, until SIGTERM or Ctrl-C.

Owns starting the web server (uvicorn) on console.listen with the pages of console.app,
calling the node named by console.node.
"""

from __future__ import annotations

import argparse
import pathlib
from typing import Any

from console.config import load_console_config
from timebank.config import parse_listen_address

__all__ = ["cmd_serve", "register"]


def cmd_serve(arguments: argparse.Namespace) -> int:
    import uvicorn

    from console.app import make_app

    settings = load_console_config(arguments.config).console
    host, port = parse_listen_address(settings.listen)
    print(f"console of the node at {settings.node}: serving on {settings.listen}", flush=True)
    uvicorn.run(make_app(settings), host=host, port=port, log_level="warning", proxy_headers=settings.secure_cookies)
    return 0


def register(subparsers: Any) -> None:
    console = subparsers.add_parser("console", help="the office's web console for a node").add_subparsers(
        dest="console_command", required=True
    )
    serve = console.add_parser("serve", help="serve the console's pages until SIGTERM")
    serve.add_argument("--config", type=pathlib.Path, required=True, help="the console's console.toml")
    serve.set_defaults(handler=cmd_serve)
