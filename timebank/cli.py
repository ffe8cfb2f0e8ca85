"""The `timebank` command: one entry point for every role.

    timebank city init      a whole city on this machine: CA, certificates, keys, configs
    timebank clearinghouse  run the clearinghouse; admit, suspend, reinstate nodes; keys
    timebank node ...       create, migrate, serve and inspect a ledger node
    timebank account ...    member accounts: create, show, statement, close
    timebank transfer ...   move hours: create, post, void, reverse, show, batch
    timebank demo           the main job: a node on loopback with real traffic
    timebank bench          throughput beside this machine's own baselines

Run `timebank COMMAND --help` for each. This module only parses and dispatches; it is
the one place (with the service entry points) that binds the real clock and randomness.
"""

from __future__ import annotations

import argparse
import logging
import sys

from timebank import __version__


def build_parser() -> argparse.ArgumentParser:
    from clearinghouse import cli as clearinghouse_cli
    from nodes import cli as node_cli
    from timebank import bench, city, demo

    parser = argparse.ArgumentParser(prog="timebank", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"timebank {__version__}")
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="default WARNING",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    node_cli.register(subparsers)
    clearinghouse_cli.register(subparsers)
    city.register(subparsers)
    demo.register(subparsers)
    bench.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    from nodes.cli import run

    parser = build_parser()
    arguments = parser.parse_args(argv)
    logging.basicConfig(
        level=arguments.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return run(arguments.handler, arguments)


if __name__ == "__main__":
    sys.exit(main())
