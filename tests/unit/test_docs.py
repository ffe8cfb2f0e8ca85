"""The runbooks and quick starts show only commands that exist, with arguments they accept,
and the Chinese quick start shows no command the English documents lack."""

from __future__ import annotations

import pathlib
import re
import shlex

import pytest

from city.cli import AUDIT_COMMANDS, build_parser

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCUMENTS = ("README.md", "README.zh-CN.md", "deploy/README.md")
PLACEHOLDERS = {
    "$CITY": "/srv/city",
    "$(date +%F)": "2026-11-29",
    "账户ID": "a" * 32,
    "编号": "1",
    '"原因"': '"a reason"',
    "KEYID": "0123456789abcdef",
    "CLEARINGHOUSE:7300": "127.0.0.1:7300",
}


def commands_in(document: str) -> list[str]:
    """Every `timebank ...` line of the document's sh blocks, continuations joined, comments dropped."""
    text = (ROOT / document).read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            command = line.split("  #")[0].split(" # ")[0].strip()
            if command.startswith("timebank "):
                found.append(command)
    return found


NUMBER_PLACEHOLDERS = {"N", "SEQUENCE", "T"}


def _sample(word: str) -> str:
    """A value of the right shape for an upper-case placeholder (N: a number; ids: 32 hex digits)."""
    if not re.fullmatch(r"[A-Z][A-Z_]*", word):
        return word
    return "1" if word in NUMBER_PLACEHOLDERS else "a" * 32


def _arguments(command: str) -> list[str]:
    for placeholder, value in PLACEHOLDERS.items():
        command = command.replace(placeholder, value)
    command = re.sub(r"\[[^\]]*\]", "", command)  # optional parts, as in [--replace]
    return [_sample(word) for word in shlex.split(command)[1:]]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_documented_command_parses(document: str) -> None:
    commands = commands_in(document)
    assert commands, f"{document}: no commands found"
    parser = build_parser()
    for command in commands:
        arguments = _arguments(command)
        if arguments[0] == "audit":
            assert arguments[1] in AUDIT_COMMANDS, command
            continue
        try:
            parser.parse_args(arguments)
        except SystemExit:
            pytest.fail(f"{document}: `{command}` is refused by the parser")


def _command_path(command: str) -> tuple[str, ...]:
    words = [word for word in _arguments(command) if not word.startswith("-")]
    return tuple(words[:2])


def test_the_chinese_quick_start_matches_the_english_documents() -> None:
    english = {_command_path(c) for d in ("README.md", "deploy/README.md") for c in commands_in(d)}
    english |= {path[:1] for path in english}
    chinese = {_command_path(c) for c in commands_in("README.zh-CN.md")}
    missing = sorted(path for path in chinese if path not in english and path[:1] not in {("account",), ("transfer",)})
    assert not missing, f"commands in README.zh-CN.md that the English documents do not show: {missing}"
