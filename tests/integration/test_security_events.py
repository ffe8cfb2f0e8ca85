"""Each kind of attack on the clearinghouse leaves a security event: in the table that
`timebank clearinghouse events` prints, once per kind, peer and minute however often it is
repeated, and in `timebank_security_events_total{kind,peer}` on the metrics endpoint. A
split-view claim keeps the claiming node's signed header as evidence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from clearinghouse import registry
from clearinghouse.records import NodeStatus
from tests.integration.test_attacks import (
    CLOCK,
    clearinghouse_stub,
    registry_write,
    sealed,
    signing_key,
    stub_as,
)
from tests.support.city import RunningTestCity
from timebank import keys, metrics
from timebank.envelope import seal
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.v1 import clearing_pb2 as cpb

CALL_SECONDS = 10
REPEATS = 3  # each attack made this many times: one line, with the count


def refused(city: RunningTestCity, node_id: str, batch: cpb.SignedBatch) -> grpc.StatusCode:
    with stub_as(city, node_id) as stub:
        with pytest.raises(grpc.RpcError) as caught:
            stub.Exchange(batch, timeout=CALL_SECONDS)
    return caught.value.code()


def attack(city: RunningTestCity) -> None:
    shiqi, dongqu, canlian = (signing_key(city, n) for n in ("shiqi", "dongqu", "canlian"))
    for _ in range(REPEATS):
        flipped = sealed("shiqi", [], shiqi)
        flipped.signature = bytes([flipped.signature[0] ^ 1]) + flipped.signature[1:]
        assert refused(city, "shiqi", flipped) == grpc.StatusCode.UNAUTHENTICATED
    once = sealed("shiqi", [], shiqi)
    with stub_as(city, "shiqi") as stub:
        stub.Exchange(once, timeout=CALL_SECONDS)
    assert refused(city, "shiqi", once) == grpc.StatusCode.UNAUTHENTICATED  # replayed
    forged = (1, os.urandom(32))  # a checkpoint this log never signed
    claim = seal(
        "dongqu", CLEARINGHOUSE_ID, [], dongqu, batch_id=os.urandom(16), created_at_micros=CLOCK.now_micros(),
        seen_checkpoint=forged,
    )  # fmt: skip
    assert refused(city, "dongqu", claim) == grpc.StatusCode.UNAUTHENTICATED
    tls = city.directory / "bureau" / "tls"
    with clearinghouse_stub(city, tls / "tls.pem", tls / "tls-key.pem") as stub, pytest.raises(grpc.RpcError):
        stub.Exchange(cpb.SignedBatch(), timeout=CALL_SECONDS)
    registry_write(city, lambda c: registry.set_status(c, "dongqu", NodeStatus.SUSPENDED, "drill", CLOCK.now_micros()))
    assert refused(city, "dongqu", sealed("dongqu", [], dongqu)) == grpc.StatusCode.PERMISSION_DENIED
    key_id = keys.key_id(shiqi.public_key())
    registry_write(city, lambda c: registry.revoke_key(c, key_id, "laptop stolen", CLOCK.now_micros()))
    assert refused(city, "shiqi", sealed("shiqi", [], shiqi)) == grpc.StatusCode.UNAUTHENTICATED
    new_public = keys.public_bytes(Ed25519PrivateKey.generate().public_key())
    registry_write(city, lambda c: registry.rotate_key(c, "canlian", new_public, 0, CLOCK.now_micros()))
    assert refused(city, "canlian", sealed("canlian", [], canlian)) == grpc.StatusCode.UNAUTHENTICATED


EXPECTED = {
    ("wrong_party", "bureau"),
    ("refused_batch", "shiqi"),
    ("replay", "shiqi"),
    ("split_view_claim", "dongqu"),
    ("suspended_node", "dongqu"),
    ("revoked_key", "shiqi"),
    ("expired_key", "canlian"),
}


def test_every_kind_of_attack_is_an_event_listed_and_counted(city: RunningTestCity) -> None:
    assert city.clearinghouse is not None
    attack(city)
    city.clearinghouse.service.events.flush(city.clearinghouse.coordinator.books.engine)
    config = city.directory / "clearinghouse" / "clearinghouse.toml"
    command = [sys.executable, "-m", "city.cli", "clearinghouse", "events", "--config", str(config)]
    listed = json.loads(subprocess.run([*command, "--json"], capture_output=True, text=True, check=True).stdout)
    # The nodes' own links are refused too once their keys are revoked or rotated out (and
    # the suspended node's): those are events of the same kinds and peers.
    by_kind = {(e["kind"], e["peer"]): e for e in listed}
    assert EXPECTED <= set(by_kind), sorted(by_kind)
    assert by_kind[("refused_batch", "shiqi")]["occurrences"] >= REPEATS
    assert "signature" in by_kind[("refused_batch", "shiqi")]["detail"]
    assert "accepted before" in by_kind[("replay", "shiqi")]["detail"]
    evidence = cpb.SignedBatch.FromString(bytes.fromhex(by_kind[("split_view_claim", "dongqu")]["evidence"]))
    assert cpb.BatchHeader.FromString(evidence.header).sender_id == "dongqu" and len(evidence.signature) == 64
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert "split_view_claim   dongqu" in text and "[evidence: the signed header" in text, text
    assert city.clearinghouse.metrics is not None
    url = metrics.url(city.clearinghouse_config.metrics.listen, city.clearinghouse.metrics.port)
    with urllib.request.urlopen(url, timeout=CALL_SECONDS) as response:
        scraped = response.read().decode()
    for kind, peer in EXPECTED:
        assert f'timebank_security_events_total{{kind="{kind}",peer="{peer}"}}' in scraped, (kind, peer)


def test_the_bureau_sees_them_in_its_console_and_filters_them_by_kind(city: RunningTestCity) -> None:
    from tests.integration.test_bureau_console import _console, sign_in
    from tests.support.browser import browser_page, screenshot

    attack(city)
    with _console(city) as url, browser_page() as page:
        sign_in(page, url, "qian.audit")  # an auditor reads them too
        page.goto(f"{url}/security")
        rows = page.locator("table.security-events tbody tr")
        seen = {
            (rows.nth(i).get_attribute("data-kind"), rows.nth(i).get_attribute("data-peer"))
            for i in range(rows.count())
        }
        assert EXPECTED <= seen, sorted(seen)
        claim = page.inner_text("tr[data-kind=split_view_claim][data-peer=dongqu]")
        assert "分叉视图声明" in claim and "已保存该节点签名的批次头" in claim
        screenshot(page, "bureau-11-security-events")
        page.select_option("select[name=kind]", "replay")
        page.click("form.search button.primary")
        kinds = {rows.nth(i).get_attribute("data-kind") for i in range(rows.count())}
        assert kinds == {"replay"} and "accepted before" in page.inner_text("table.security-events")
        page.goto(f"{url}/security?kind=%0Anope")
        assert "kind: got '\\nnope', want one of refused_batch" in page.inner_text("p.refusal")


def test_the_consoles_kinds_are_the_clearinghouses() -> None:
    from clearinghouse.security import KINDS
    from console.bureau.security import KINDS as SHOWN

    assert SHOWN == KINDS
