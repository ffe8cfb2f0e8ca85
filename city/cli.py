"""The `timebank` command: one entry point for every role.

    timebank city init      a whole city on this machine: CA, certificates, keys, configs
    timebank clearinghouse  run the clearinghouse; admit, suspend, reinstate nodes; keys
    timebank node ...       create, migrate, serve and inspect a ledger node
    timebank account ...    member accounts: create, show, statement, close
    timebank transfer ...   move hours: create, post, void, reverse, show, batch
    timebank care ...       the time-bank services: people, orders, hours, mall, statistics, alerts
    timebank recon report   the bureau's reconciliation report of a closed cycle
    timebank audit ...      export, verify, prove, verify-proof: the auditor's offline checks
    timebank certificate    verify a certificate of service hours offline; print it as a page
    timebank status         is a node (or the clearinghouse) well? OK, WARN or FAIL, in plain words
    timebank key ...        new signing keys and key ring files (key rotation)
    timebank check-config   check a party's config, keys, certificates and database before serving
    timebank demo           the main job: a node on loopback with real traffic
    timebank bench          throughput beside this machine's own baselines
    timebank simulate       the deterministic fault simulation over many seeds

Run `timebank COMMAND --help` for each. This module only parses and dispatches; it is
the one place (with the service entry points) that binds the real clock and randomness.
Logging is text at --log-level; `serve` commands then follow their config's [logging].
"""

from __future__ import annotations

import argparse
import os
import sys

from timebank import __version__

__all__ = ["AUDIT_COMMANDS", "audit_main", "build_parser", "certificate_main", "main"]


def build_parser() -> argparse.ArgumentParser:
    from city import checkconfig, key_commands, status
    from city import init as city_init
    from city.bench import runner as bench
    from city.demo import day as demo
    from city.sim import cli as simulate_cli
    from clearinghouse import cli as clearinghouse_cli
    from console import cli as console_cli
    from nodes import cli as node_cli
    from nodes.care import cli as care_cli

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
    care_cli.register(subparsers)
    clearinghouse_cli.register(subparsers)
    console_cli.register(subparsers)
    city_init.register(subparsers)
    demo.register(subparsers)
    bench.register(subparsers)
    checkconfig.register(subparsers)
    key_commands.register(subparsers)
    status.register(subparsers)
    simulate_cli.register(subparsers)
    audit = subparsers.add_parser("audit", help="the auditor's commands: export, verify, prove, verify-proof")
    audit.add_argument("args", nargs=argparse.REMAINDER, help="see `timebank audit --help`")
    audit.set_defaults(handler=lambda arguments: audit_main(arguments.args))
    certificate = subparsers.add_parser(
        "certificate", help="verify a certificate of service hours offline (verify), print it as a page (show)"
    )
    certificate.add_argument("args", nargs=argparse.REMAINDER, help="see `timebank certificate --help`")
    certificate.set_defaults(handler=lambda arguments: certificate_main(arguments.args))
    return parser


AUDIT_COMMANDS = {
    "export": ("timebank.audit.export", "export_main", "fetch a log (entries, checkpoints) into a folder"),
    "verify": ("timebank.audit.verify", "main", "check an exported log offline: hashes, signatures, replay"),
    "prove": ("timebank.audit.export", "prove_main", "fetch the proof of one transfer into a file"),
    "verify-proof": ("timebank.audit.proof", "main", "check a transfer's proof offline"),
}


def audit_main(argv: list[str]) -> int:
    """`timebank audit COMMAND ...`: dispatched before anything imports gRPC or a database,
    so the offline checks run on a machine with neither."""
    import importlib

    if not argv or argv[0] not in AUDIT_COMMANDS:
        lines = [f"  {name:<13} {text}" for name, (_m, _f, text) in AUDIT_COMMANDS.items()]
        print("usage: timebank audit COMMAND ...\n\ncommands:\n" + "\n".join(lines), file=sys.stderr)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    module_name, function_name, _text = AUDIT_COMMANDS[argv[0]]
    function = getattr(importlib.import_module(module_name), function_name)
    return int(function(argv[1:]))


def certificate_main(argv: list[str]) -> int:
    """`timebank certificate verify|show ...`: dispatched before anything imports gRPC or a
    database, like the auditor's commands."""
    from timebank import certificate_cli

    return certificate_cli.main(argv)


def main(argv: list[str] | None = None) -> int:
    """Runs a command; a reader that stops early (`| head`) ends it quietly, as for any Unix tool."""
    try:
        try:
            code = _main(sys.argv[1:] if argv is None else argv)
        except SystemExit as exit_:  # --help, or argparse's refusal (its message is on stderr already)
            code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's own flush at exit must not fail again
        return 0
    return code


def _main(argv: list[str]) -> int:
    if argv[:1] == ["audit"]:
        return audit_main(argv[1:])
    if argv[:1] == ["certificate"]:
        return certificate_main(argv[1:])
    from timebank import logs
    from timebank.command_line import run
    from timebank.config import LoggingTable

    parser = build_parser()
    arguments = parser.parse_args(argv)
    logs.configure(LoggingTable("text", arguments.log_level))
    return run(arguments.handler, arguments)


if __name__ == "__main__":
    sys.exit(main())
