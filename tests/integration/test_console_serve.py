"""`timebank console serve` as an office runs it, in a process of its own: HTTPS with a
certificate from the city's CA (cookies Secure), and a config that would serve plain HTTP
beyond loopback refused with the key named."""

from __future__ import annotations

import datetime
import pathlib
import socket
import ssl
import subprocess
import sys
import time
import urllib.request

from tests.support.commands import timebank
from timebank import pki
from timebank.credentials import CONSOLE, write_credential

START_SECONDS_MAX = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_console_serves_https_with_a_certificate_from_the_city_ca(tmp_path: pathlib.Path) -> None:
    now = datetime.datetime.now(datetime.UTC)
    authority = pki.create_city_authority(tmp_path / "ca", city_name="中山市", now=now)
    (tmp_path / "tls").mkdir()
    issued = pki.issue_party_certificate(authority, "shiqi-console", tmp_path / "tls", now=now)
    (tmp_path / "keys").mkdir()
    write_credential(tmp_path / "keys" / "console.credential", CONSOLE)
    port = free_port()
    config = tmp_path / "console.toml"
    config.write_text(
        "[console]\n"
        f'listen = "127.0.0.1:{port}"\n'
        'node = "127.0.0.1:9"\n'
        f'tls_certificate_file = "{issued.certificate_path.relative_to(tmp_path)}"\n'
        f'tls_key_file = "{issued.key_path.relative_to(tmp_path)}"\n',
        encoding="utf-8",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "city.cli", "console", "serve", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        trusted = ssl.create_default_context(cafile=str(authority.certificate_path))
        deadline = time.monotonic() + START_SECONDS_MAX
        while True:
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/login", context=trusted, timeout=5) as page:
                    body, cookie = page.read().decode("utf-8"), page.headers.get("set-cookie", "")
                break
            except OSError:
                assert server.poll() is None, server.communicate()[0]
                assert time.monotonic() < deadline, "the console did not answer over HTTPS in time"
                time.sleep(0.2)
        assert "登录" in body and "Secure" in cookie and "HttpOnly" in cookie
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert f"serving on 127.0.0.1:{port} (https)" in output


def test_plain_http_beyond_loopback_is_refused_naming_the_key(tmp_path: pathlib.Path) -> None:
    config = tmp_path / "console.toml"
    config.write_text('[console]\nlisten = "0.0.0.0:7480"\n', encoding="utf-8")
    run = timebank("console", "serve", "--config", str(config), expect=2)
    assert "listen" in run.stderr and "tls_certificate_file" in run.stderr
    config.write_text('[console]\ntls_certificate_file = "tls/tls.pem"\n', encoding="utf-8")
    run = timebank("console", "serve", "--config", str(config), expect=2)
    assert "tls_key_file: want both tls_certificate_file and tls_key_file, or neither" in run.stderr
