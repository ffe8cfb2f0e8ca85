"""The `timebank certificate` command: verify exits 0, 1 or 2 and prints JSON on request,
show writes the page, and the command loads neither gRPC nor a database driver."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

from tests.support.certificates import BODY, FILE, NODE_KEY, RING, ROOT, key_id_of, tampered
from tests.support.commands import timebank
from timebank import certificate, certificate_cli, keys


@pytest.fixture
def files(tmp_path: pathlib.Path) -> dict[str, pathlib.Path]:
    paths = {
        "valid": tmp_path / "certificate.json",
        "invalid": tmp_path / "tampered.json",
        "keys": tmp_path / "keys.toml",
        "bad keys": tmp_path / "bad-keys.toml",
    }
    paths["valid"].write_bytes(FILE)
    paths["invalid"].write_bytes(tampered(lambda document: document["body"].update(total_minutes=1350)))
    keys.write_key_ring_file(paths["keys"], RING.records())
    paths["bad keys"].write_text("[[keys]]\nparty_id = 3\n", encoding="utf-8")
    return paths


def test_the_command_says_valid_and_exits_0(files: dict[str, pathlib.Path]) -> None:
    run = timebank("certificate", "verify", str(files["valid"]), "--keys", str(files["keys"]), expect=None)
    assert run.returncode == 0, run.stderr
    assert run.stdout == (
        f"certificate {BODY.certificate_id}: valid — 李志强 (4420**********1234), 2.25 hours from 2026-01-01 "
        f"to 2026-01-31, issued by shiqi with key {key_id_of(NODE_KEY)}\n"
    )


def test_the_command_says_invalid_with_each_finding_and_exits_1(files: dict[str, pathlib.Path]) -> None:
    run = timebank("certificate", "verify", str(files["invalid"]), expect=None)
    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"certificate {BODY.certificate_id}: INVALID"
    assert "  body.total_minutes: got 1350, the lines add up to 135" in lines
    assert f"note: {certificate.NO_KEY_RING_NOTE}" in lines


def test_the_command_prints_json(files: dict[str, pathlib.Path]) -> None:
    run = timebank("certificate", "verify", str(files["valid"]), "--json", expect=None)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "valid": True,
        "certificate_id": BODY.certificate_id,
        "person_id": BODY.person_id,
        "total_minutes": 135,
        "node_id": "shiqi",
        "key_id": key_id_of(NODE_KEY),
        "findings": [],
        "notes": [certificate.NO_KEY_RING_NOTE],
    }


def test_usage_errors_exit_2(files: dict[str, pathlib.Path]) -> None:
    cases = {
        "no such file": ["verify", str(files["valid"].with_name("missing.json"))],
        "a folder": ["verify", str(files["valid"].parent)],
        "bad keys file": ["verify", str(files["valid"]), "--keys", str(files["bad keys"])],
        "no such keys file": ["verify", str(files["valid"]), "--keys", str(files["valid"].with_name("none.toml"))],
        "no command": [],
        "show without --html": ["show", str(files["valid"])],
    }
    for name, argv in cases.items():
        assert certificate_cli.main(argv) == 2, name


def test_usage_error_from_the_command_exits_2(files: dict[str, pathlib.Path]) -> None:
    run = timebank("certificate", "verify", str(files["valid"]), "--keys", str(files["bad keys"]), expect=None)
    assert run.returncode == 2 and "certificate: --keys:" in run.stderr


def test_json_of_an_unreadable_certificate(files: dict[str, pathlib.Path], capsys: pytest.CaptureFixture[str]) -> None:
    files["invalid"].write_bytes(b"\xff")
    assert certificate_cli.main(["verify", str(files["invalid"]), "--json", "--keys", str(files["keys"])]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["valid"] is False and document["certificate_id"] is None and document["key_id"] is None
    assert document["findings"] == ["certificate file: not UTF-8 text (byte 0)"] and document["notes"] == []


def test_show_writes_the_page(files: dict[str, pathlib.Path], tmp_path: pathlib.Path) -> None:
    page = tmp_path / "certificate.html"
    assert certificate_cli.main(["show", str(files["valid"]), "--html", str(page)]) == 0
    assert page.read_text(encoding="utf-8") == certificate.render_html(FILE)
    assert certificate_cli.main(["show", str(files["invalid"]), "--html", str(tmp_path / "no.html")]) == 1
    assert not (tmp_path / "no.html").exists()


def test_the_main_command_lists_certificate() -> None:
    from city.cli import build_parser

    assert "certificate" in build_parser().format_help()


def test_the_certificate_command_needs_neither_grpc_nor_a_database(files: dict[str, pathlib.Path]) -> None:
    program = (
        "import sys\n"
        "from city import cli\n"
        f"code = cli.main(['certificate', 'verify', {str(files['valid'])!r}, '--keys', {str(files['keys'])!r}])\n"
        "loaded = sorted(name for name in ('grpc', 'sqlalchemy') if name in sys.modules)\n"
        "print('loaded:', loaded, file=sys.stderr)\n"
        "sys.exit(3 if loaded else code)\n"
    )
    run = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "loaded: []" in run.stderr
