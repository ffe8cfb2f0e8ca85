"""The offline auditor: clean exports pass; each defect is named once, by kind and index.

The golden corpus (tests/audit_corpus) holds a clean export and one tampered export per
defect class; regenerating it gives the same bytes. Every byte of two small exports is
flipped in turn and every flip is found. Entries moved, dropped or added in other ways are
classified with the right index; replays catch cycle closes, statements, decisions and
postings that do not add up; signatures by the wrong key or none are named. The command
line exits 0, 1 or 2, and the auditor imports neither gRPC nor a database driver.
"""

from __future__ import annotations

import functools
import io
import json
import pathlib
import random
import subprocess
import sys
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.audit_corpus import make_corpus
from tests.support import audit as support
from timebank import envelope, keys, logformat, merkle, signing
from timebank.audit import verify
from timebank.audit.findings import KINDS
from timebank.errors import VerificationError
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.v1 import clearing_pb2 as cpb
from timebank.v1 import log_pb2 as lpb

CORPUS = pathlib.Path(make_corpus.__file__).resolve().parent
EXPECTED = json.loads((CORPUS / "expected.json").read_text())
CLEARINGHOUSE_KEY = support.private_key(support.SEEDS[CLEARINGHOUSE_ID])
NODE_A_KEY = support.private_key(support.SEEDS["node-a"])
ROOT = pathlib.Path(__file__).resolve().parents[2]


def framed(records: list[bytes]) -> bytes:
    stream = io.BytesIO()
    for record in records:
        logformat.write_record(stream, record)
    return stream.getvalue()


def audit(export: support.Export, **options: str) -> verify.AuditResult:
    return verify.verify_streams(io.BytesIO(framed(export.entries)), io.BytesIO(framed(export.checkpoints)), **options)


def found(result: verify.AuditResult) -> list[tuple[str, int | None, str]]:
    return [(finding.kind, finding.index, finding.subject) for finding in result.findings]


@functools.cache
def clearinghouse() -> support.Export:
    return support.clearinghouse_export(cycles=3, transfers_per_cycle=6, checkpoint_every=16)


def with_entries(export: support.Export, entries: list[bytes]) -> support.Export:
    return support.Export(entries, export.checkpoints, export.marks)


# -- the golden corpus --------------------------------------------------------------------------


def test_the_corpus_regenerates_byte_for_byte(tmp_path: pathlib.Path) -> None:
    make_corpus.write_corpus(tmp_path)
    fresh = sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*") if path.is_file())
    stored = sorted(
        path.relative_to(CORPUS)
        for path in CORPUS.rglob("*")
        if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts
    )
    assert fresh == stored
    for relative in fresh:
        assert (tmp_path / relative).read_bytes() == (CORPUS / relative).read_bytes(), f"{relative} differs"


def test_the_corpus_has_a_clean_export_and_every_defect_class() -> None:
    assert EXPECTED["clean"] == EXPECTED["node-clean"] == []
    assert set(EXPECTED) == {"clean", "node-clean", *make_corpus.TAMPERED}
    named = {finding["kind"] for findings in EXPECTED.values() for finding in findings}
    assert named == {
        "altered",
        "deleted",
        "inserted",
        "reordered",
        "duplicated",
        "bad-signature",
        "wrong-key",
        "forked-checkpoint",
        "rolled-back-checkpoint",
        "truncated",
    }
    assert named <= set(KINDS)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_corpus_export_gives_its_finding_once(case: str, capsys: pytest.CaptureFixture[str]) -> None:
    directory = CORPUS / case
    result = verify.verify_directory(directory)
    expected = [(finding["kind"], finding["index"], finding["subject"]) for finding in EXPECTED[case]]
    assert found(result) == expected, verify.render_text(result)
    assert verify.main([str(directory)]) == (1 if expected else 0)
    output = capsys.readouterr().out
    for kind, index, subject in expected:
        assert f"{subject} {index}: {kind}: " in output


def test_the_clean_corpus_export_summarises_the_log() -> None:
    result = verify.verify_directory(CORPUS / "clean")
    assert (result.log_id, result.owner_id) == (CLEARINGHOUSE_ID, CLEARINGHOUSE_ID)
    assert result.owner_key_ids == (support.key_id(support.SEEDS[CLEARINGHOUSE_ID]),)
    assert result.entry_count == result.latest_checkpoint_size == sum(result.entry_kind_counts.values())
    assert result.checkpoint_count == 11 and result.unsigned_entry_count == 0
    assert result.cycles_closed == 4 and result.open_transfer_count == 0
    assert sum(result.closing_minutes_by_node.values()) == 0
    assert result.clearing_balance_minutes is None
    node = verify.verify_directory(CORPUS / "node-clean")
    assert (node.owner_id, node.clearing_balance_minutes, node.account_count) == ("node-a", 150, 4)


# -- every byte counts ----------------------------------------------------------------------------


@pytest.fixture
def memoised_signatures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Signature checks remembered by (key, purpose, data, signature): a pure function, so the
    outcome of every check is unchanged, but the thousands of audits below stay fast."""
    real = signing.verify

    @functools.cache
    def outcome(public_key: bytes, purpose: str, data: bytes, signature: bytes) -> str:
        try:
            real(Ed25519PublicKey.from_public_bytes(public_key), purpose, data, signature)
        except VerificationError as error:
            return str(error)
        return ""

    def remembered(public_key: Ed25519PublicKey, purpose: str, data: bytes, signature: bytes) -> None:
        refusal = outcome(keys.public_bytes(public_key), purpose, bytes(data), bytes(signature))
        if refusal:
            raise VerificationError(refusal)

    monkeypatch.setattr(signing, "verify", remembered)


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: support.clearinghouse_export(cycles=1, transfers_per_cycle=3), id="clearinghouse"),
        pytest.param(support.node_export, id="node"),
    ],
)
@pytest.mark.usefixtures("memoised_signatures")
def test_every_flipped_byte_of_either_file_is_found(build: Callable[[], support.Export]) -> None:
    """One bit flipped per run, a different bit from byte to byte, at every position of both files."""
    export = build()
    entries, checkpoints = framed(export.entries), framed(export.checkpoints)
    assert verify.verify_streams(io.BytesIO(entries), io.BytesIO(checkpoints)).clean
    missed = []
    for name, data in (("entries.bin", entries), ("checkpoints.bin", checkpoints)):
        for position in range(len(data)):
            flipped = bytearray(data)
            flipped[position] ^= 1 << (position % 8)
            files = (bytes(flipped), checkpoints) if name == "entries.bin" else (entries, bytes(flipped))
            if verify.verify_streams(io.BytesIO(files[0]), io.BytesIO(files[1])).clean:
                missed.append((name, position))
    assert missed == []


MUTATIONS = 300


def mutated(data: bytes, generator: random.Random) -> tuple[str, bytes]:
    """One seeded mutation of a file: a span deleted, duplicated or overwritten, bytes inserted, or a cut."""
    start = generator.randrange(len(data))
    end = min(len(data), start + generator.randint(1, 64))
    kind = generator.choice(("deleted", "duplicated", "overwritten", "inserted", "cut"))
    if kind == "deleted":
        return kind, data[:start] + data[end:]
    if kind == "duplicated":
        return kind, data[:end] + data[start:end] + data[end:]
    if kind == "overwritten":
        return kind, data[:start] + generator.randbytes(end - start) + data[end:]
    if kind == "inserted":
        return kind, data[:start] + generator.randbytes(generator.randint(1, 64)) + data[start:]
    return kind, data[:start]


@pytest.mark.usefixtures("memoised_signatures")
def test_mutated_exports_give_findings_never_a_crash() -> None:
    """Seeded mutations of either file: each audit returns (no exception, within the test's
    timeout) and is not clean."""
    export = support.clearinghouse_export(cycles=1, transfers_per_cycle=3)
    entries, checkpoints = framed(export.entries), framed(export.checkpoints)
    generator = random.Random(20261129)
    missed = []
    for number in range(MUTATIONS):
        name = "entries.bin" if number % 3 else "checkpoints.bin"
        kind, data = mutated(entries if name == "entries.bin" else checkpoints, generator)
        files = (data, checkpoints) if name == "entries.bin" else (entries, data)
        if files == (entries, checkpoints):
            continue  # a mutation that changed nothing
        if verify.verify_streams(io.BytesIO(files[0]), io.BytesIO(files[1])).clean:
            missed.append((number, name, kind))
    assert missed == []


# -- order and contiguity -------------------------------------------------------------------------


def moved(entries: list[bytes], source: int, target: int) -> list[bytes]:
    result = list(entries)
    result.insert(target, result.pop(source))
    return result


def reindexed(data: bytes, index: int) -> bytes:
    entry = lpb.LogEntry.FromString(data)
    entry.index = index
    return entry.SerializeToString(deterministic=True)


CHAIN_CASES: dict[str, tuple[Callable[[list[bytes]], list[bytes]], list[tuple[str, int | None, str]]]] = {
    "a run of entries deleted": (lambda e: e[:70] + e[73:], [("deleted", 70, "entry")]),
    "an entry moved five later": (lambda e: moved(e, 70, 75), [("reordered", 70, "entry")]),
    "an entry moved five earlier": (lambda e: moved(e, 75, 70), [("reordered", 75, "entry")]),
    "an entry with a far-off index inserted": (
        lambda e: e[:70] + [reindexed(e[40], 999_999)] + e[70:],
        [("inserted", 70, "entry")],
    ),
    "an entry with a used index inserted": (
        lambda e: e[:70] + [reindexed(e[40], 12)] + e[70:],
        [("inserted", 70, "entry")],
    ),
    "an entry repeated at once": (lambda e: e[:71] + [e[70]] + e[71:], [("duplicated", 70, "entry")]),
    "the first entry repeated far later": (lambda e: e[:90] + [e[0]] + e[90:], [("duplicated", 0, "entry")]),
    "an entry's index field changed": (
        lambda e: e[:70] + [reindexed(e[70], 71)] + e[71:],
        [("altered", 70, "entry")],
    ),
}


@pytest.mark.parametrize("case", sorted(CHAIN_CASES))
def test_each_disorder_is_named_once_at_its_index(case: str) -> None:
    export = clearinghouse()
    tamper, expected = CHAIN_CASES[case]
    result = audit(with_entries(export, tamper(export.entries)))
    assert found(result) == expected, verify.render_text(result)


def test_a_deleted_last_entry_leaves_the_last_checkpoint_beyond_the_entries() -> None:
    export = clearinghouse()
    result = audit(with_entries(export, export.entries[:-1]))
    assert found(result) == [("truncated", len(export.entries) - 1, "entry")]
    assert f"entry {len(export.entries) - 1} is missing at the end" in result.findings[0].message


def test_an_altered_last_entry_is_named_by_the_checkpoint_that_covers_it() -> None:
    export = clearinghouse()
    last = lpb.LogEntry.FromString(export.entries[-1])
    last.logged_at_micros += 1
    result = audit(with_entries(export, export.entries[:-1] + [last.SerializeToString(deterministic=True)]))
    assert found(result) == [("altered", len(export.entries) - 1, "entry")]
    assert "only evidence" in result.findings[0].message


def test_a_deletion_deep_in_a_long_log_is_one_finding_not_a_cascade() -> None:
    export = support.clearinghouse_export(cycles=12, transfers_per_cycle=6, checkpoint_every=10)
    middle = len(export.entries) // 2
    result = audit(with_entries(export, export.entries[:middle] + export.entries[middle + 1 :]))
    assert found(result) == [("deleted", middle, "entry")]


def test_entries_after_the_last_checkpoint_are_counted_as_unsigned() -> None:
    export = clearinghouse()
    result = audit(support.Export(export.entries, export.checkpoints[:-1], export.marks))
    last_size = export.checkpoint(len(export.checkpoints) - 2).size
    assert result.clean
    assert result.unsigned_entry_count == len(export.entries) - last_size


def test_an_export_without_checkpoints_is_reported() -> None:
    export = clearinghouse()
    result = audit(support.Export(export.entries, [], export.marks))
    assert found(result) == [("truncated", None, "export")]
    assert "nothing signs" in result.findings[0].message


def test_a_checkpoint_with_a_zeroed_signature_is_a_bad_signature() -> None:
    export = clearinghouse()
    forged = lpb.SignedCheckpoint.FromString(export.checkpoints[-1])
    forged.signature = bytes(64)
    result = audit(support.Export(export.entries, export.checkpoints[:-1] + [forged.SerializeToString()]))
    assert found(result) == [("bad-signature", len(export.checkpoints) - 1, "checkpoint")]


def test_a_checkpoint_signed_by_a_node_key_is_a_wrong_key() -> None:
    export = clearinghouse()
    body = export.checkpoint(3)
    other = support.signed_checkpoint(CLEARINGHOUSE_ID, body.size, body.root_hash, body.timestamp_micros, NODE_A_KEY)
    checkpoints = list(export.checkpoints)
    checkpoints[3] = other
    result = audit(support.Export(export.entries, checkpoints))
    assert found(result) == [("wrong-key", 3, "checkpoint")]


# -- signatures from other parties ------------------------------------------------------------


def resealed(export: support.Export, batch_index: int, edit_item: Callable[[cpb.Item], None]) -> support.Export:
    """The batch's items edited and the batch signed again by its sender, then the log re-chained."""
    header = support.batch_header(export.entry(batch_index))
    count = header.item_count
    items = []
    for position in range(count):
        item = cpb.Item.FromString(export.entry(batch_index + 1 + position).received_item.item)
        edit_item(item)
        items.append(item.SerializeToString(deterministic=True))
    seed = support.ROTATED_SEED if header.sender_id == "node-c" and batch_index > export.marks["key_rotated"] else None
    key = support.private_key(seed or support.SEEDS[header.sender_id])
    signed = envelope.seal(
        header.sender_id,
        header.recipient_id,
        items,
        key,
        batch_id=header.batch_id,
        created_at_micros=header.created_at_micros,
    )

    def edit(index: int, entry: lpb.LogEntry) -> None:
        if index == batch_index:
            entry.received_batch.header, entry.received_batch.signature = signed.header, signed.signature
        elif batch_index < index <= batch_index + count:
            entry.received_item.item = items[index - batch_index - 1]

    return support.rechained(export, CLEARINGHOUSE_KEY, edit)


def test_a_statement_signed_by_a_stranger_is_a_bad_signature() -> None:
    export = clearinghouse()
    index = export.marks["statement_node-b_2"]

    def forge(item: cpb.Item) -> None:
        item.statement.signature = signing.sign(
            support.private_key(support.STRANGER_SEED), logformat.STATEMENT_PURPOSE, item.statement.statement
        )

    result = audit(resealed(export, index - 1, forge))
    assert found(result) == [("bad-signature", index, "entry")]


def test_a_batch_signed_with_a_revoked_key_is_a_wrong_key() -> None:
    export = clearinghouse()
    revoked_at = support.batch_header(export.entry(export.marks["prepare_batch_2_node-b"])).created_at_micros

    def revoke(index: int, entry: lpb.LogEntry) -> None:
        if entry.WhichOneof("body") == "registry_event" and entry.registry_event.key.party_id == "node-b":
            entry.registry_event.key.revoked_at_micros = revoked_at

    result = audit(support.rechained(export, CLEARINGHOUSE_KEY, revoke))
    kinds = {finding.kind for finding in result.findings}
    assert kinds == {"wrong-key"}
    assert result.findings[0].index == export.marks["prepare_batch_2_node-b"]
    assert "revoked" in result.findings[0].message


def test_a_batch_with_an_item_left_out_is_altered_at_the_batch() -> None:
    export = clearinghouse()
    batch = export.marks["prepare_batch_2_node-a"]
    last_item = batch + support.batch_header(export.entry(batch)).item_count

    def drop(index: int, entry: lpb.LogEntry) -> None:
        if index == last_item:
            entry.sent_item.CopyFrom(lpb.SentItem(recipient_id="node-a", item=entry.received_item.item))

    result = audit(support.rechained(export, CLEARINGHOUSE_KEY, drop))
    assert ("altered", batch, "entry") in found(result)


# -- replays ------------------------------------------------------------------------------------


def test_a_cycle_close_with_a_wrong_position_is_a_replay_mismatch() -> None:
    export = support.clearinghouse_export(cycles=3, options=support.Options(close_closing_delta={2: 30}))
    result = audit(export)
    assert found(result) == [("replay-mismatch", export.marks["cycle_close_2"], "entry")]
    assert "closing_minutes" in result.findings[0].message and "cycle 2" in result.findings[0].message


def test_a_statement_with_a_wrong_closing_is_a_replay_mismatch() -> None:
    options = support.Options(statement_closing_delta={("node-b", 2): -15})
    export = support.clearinghouse_export(cycles=3, options=options)
    result = audit(export)
    assert found(result) == [("replay-mismatch", export.marks["statement_node-b_2"], "entry")]
    message = result.findings[0].message
    assert "node-b" in message and "cycle 2" in message and "closing_minutes" in message


def test_two_different_decisions_for_one_transfer_are_a_replay_mismatch() -> None:
    export = clearinghouse()
    second_copy = export.marks["decision_2"] + 1

    def overturn(index: int, entry: lpb.LogEntry) -> None:
        if index == second_copy:
            item = cpb.Item.FromString(entry.sent_item.item)
            item.decision.verdict, item.decision.cycle_id = cpb.VERDICT_ABORT, 0
            entry.sent_item.item = item.SerializeToString(deterministic=True)

    result = audit(support.rechained(export, CLEARINGHOUSE_KEY, overturn))
    assert found(result) == [("replay-mismatch", second_copy, "entry")]


def test_a_commit_stamped_with_a_closed_cycle_is_a_replay_mismatch() -> None:
    export = clearinghouse()
    first, second = export.marks["decision_2"], export.marks["decision_2"] + 1

    def restamp(index: int, entry: lpb.LogEntry) -> None:
        if index in (first, second):
            item = cpb.Item.FromString(entry.sent_item.item)
            item.decision.cycle_id = 1
            entry.sent_item.item = item.SerializeToString(deterministic=True)

    result = audit(support.rechained(export, CLEARINGHOUSE_KEY, restamp))
    assert found(result)[0] == ("replay-mismatch", first, "entry")
    assert "closed already" in result.findings[0].message


def test_a_node_statement_record_with_a_wrong_clearing_balance_is_a_replay_mismatch() -> None:
    export = support.node_export(clearing_balance_delta=10)
    result = audit(export)
    assert found(result) == [("replay-mismatch", export.marks["statement_record"], "entry")]
    assert "clearing_balance_minutes 160 in the log, 150 by replay" in result.findings[0].message


def test_a_post_of_a_hold_never_made_is_a_replay_mismatch() -> None:
    export = support.node_export()
    post = export.marks["post"]

    def misname(index: int, entry: lpb.LogEntry) -> None:
        if index == post:
            entry.posting.pending_id = bytes([0x55]) * 16

    result = audit(support.rechained(export, NODE_A_KEY, misname))
    assert found(result) == [("replay-mismatch", post, "entry")]


def test_a_post_above_the_held_amount_is_a_replay_mismatch() -> None:
    export = support.node_export()
    post = export.marks["post"]

    def inflate(index: int, entry: lpb.LogEntry) -> None:
        if index == post:
            entry.posting.amount_minutes += 5
        if entry.WhichOneof("body") == "statement":
            entry.statement.clearing_balance_minutes += 5

    result = audit(support.rechained(export, NODE_A_KEY, inflate))
    assert found(result) == [("replay-mismatch", post, "entry")]
    assert "more than the 90 held" in result.findings[0].message


# -- trusting the owner's key -----------------------------------------------------------------------


def test_the_owner_key_is_checked_against_the_trusted_key_id() -> None:
    export = clearinghouse()
    owner_key_id = support.key_id(support.SEEDS[CLEARINGHOUSE_ID])
    assert audit(export, expected_log_key_id=owner_key_id).clean
    result = audit(export, expected_log_key_id=support.key_id(support.STRANGER_SEED))
    assert found(result) == [("untrusted-key", 1, "entry")]
    assert owner_key_id in result.findings[0].message


def test_a_log_rebuilt_under_another_key_is_consistent_but_untrusted() -> None:
    """A whole log forged with the forger's own key verifies, except against the published key id."""
    export = support.node_export()
    forger = support.private_key(support.STRANGER_SEED)

    def swap_key(index: int, entry: lpb.LogEntry) -> None:
        if entry.WhichOneof("body") == "registry_event" and entry.registry_event.key.party_id == "node-a":
            record = support.key_record("node-a", support.STRANGER_SEED, support.START_MICROS)
            entry.registry_event.key.CopyFrom(logformat.key_state(record))

    forged = support.rechained(export, forger, swap_key)
    statement_record = export.marks["statement_record"]
    # Only the statements, signed before by the real key, give the forgery away.
    assert found(audit(forged)) == [
        ("wrong-key", statement_record - 1, "entry"),
        ("wrong-key", statement_record, "entry"),
    ]
    trusted = support.key_id(support.SEEDS["node-a"])
    assert ("untrusted-key", 1, "entry") in found(audit(forged, expected_log_key_id=trusted))


# -- the command line --------------------------------------------------------------------------


def test_json_output_is_stable_and_complete(capsys: pytest.CaptureFixture[str]) -> None:
    assert verify.main([str(CORPUS / "deleted"), "--json"]) == 1
    output = capsys.readouterr().out
    document = json.loads(output)
    assert output == json.dumps(document, sort_keys=True, indent=2) + "\n"
    assert document["clean"] is False and document["owner_id"] == CLEARINGHOUSE_ID
    assert document["findings"] == [
        {
            "index": EXPECTED["deleted"][0]["index"],
            "kind": "deleted",
            "message": document["findings"][0]["message"],
            "subject": "entry",
        }
    ]
    assert document["owner_key_ids"] == [support.key_id(support.SEEDS[CLEARINGHOUSE_ID])]
    assert set(document) >= {"entry_count", "checkpoint_count", "latest_checkpoint_root", "closing_minutes_by_node"}


def test_exit_codes_and_usage_errors(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    owner_key_id = support.key_id(support.SEEDS[CLEARINGHOUSE_ID])
    assert verify.main([str(CORPUS / "clean")]) == 0
    assert verify.main([str(CORPUS / "clean"), "--log-key", owner_key_id]) == 0
    assert verify.main([str(CORPUS / "clean"), "--log-key", support.key_id(support.STRANGER_SEED)]) == 1
    capsys.readouterr()
    assert verify.main([str(tmp_path / "absent")]) == 2
    assert "no such directory" in capsys.readouterr().err
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "entries.bin").write_bytes(b"")
    assert verify.main([str(tmp_path / "half")]) == 2
    assert "has no checkpoints.bin" in capsys.readouterr().err
    assert verify.main([str(CORPUS / "clean"), "--log-key", "XYZ"]) == 2
    assert "--log-key" in capsys.readouterr().err
    assert verify.main([]) == 2
    assert verify.main(["--help"]) == 0


def test_an_empty_export_is_clean(tmp_path: pathlib.Path) -> None:
    for name in (logformat.ENTRIES_FILE, logformat.CHECKPOINTS_FILE):
        (tmp_path / name).write_bytes(b"")
    result = verify.verify_directory(tmp_path)
    assert result.clean and result.entry_count == 0 and result.latest_checkpoint_size is None


def test_the_auditor_needs_neither_grpc_nor_a_database() -> None:
    program = (
        "import sys\n"
        "from timebank.audit import verify\n"
        f"code = verify.main([{str(CORPUS / 'clean')!r}])\n"
        "loaded = sorted(name for name in ('grpc', 'sqlalchemy') if name in sys.modules)\n"
        "print('loaded:', loaded, file=sys.stderr)\n"
        "sys.exit(3 if loaded else code)\n"
    )
    run = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "loaded: []" in run.stderr


def test_the_merkle_root_of_the_clean_export_matches_its_last_checkpoint() -> None:
    entries = [
        bytes(record)
        for record in logformat.read_records(io.BytesIO((CORPUS / "clean" / "entries.bin").read_bytes()), "entries.bin")
    ]
    result = verify.verify_directory(CORPUS / "clean")
    assert result.latest_checkpoint_root == merkle.root_hash(entries).hex()


def test_a_report_with_a_wrong_position_is_a_replay_mismatch() -> None:
    export = clearinghouse()
    report = export.marks["report"]

    def misreport(index: int, entry: lpb.LogEntry) -> None:
        if index == report:
            entry.report.positions[0].credits_minutes += 15

    result = audit(support.rechained(export, CLEARINGHOUSE_KEY, misreport))
    assert found(result) == [("replay-mismatch", report, "entry")]
    assert "report of cycle 1" in result.findings[0].message and "credits_minutes" in result.findings[0].message


def test_a_cycle_close_out_of_order_is_a_replay_mismatch() -> None:
    export = clearinghouse()
    close = export.marks["cycle_close_2"]

    def renumber(index: int, entry: lpb.LogEntry) -> None:
        if index == close:
            entry.cycle_close.cycle_id = 5

    result = audit(support.rechained(export, CLEARINGHOUSE_KEY, renumber))
    assert found(result) == [("replay-mismatch", close, "entry")]
    assert "cycle_id: got 5, want 2" in result.findings[0].message


def test_a_history_rewritten_under_old_checkpoints_is_one_fork() -> None:
    """The owner re-chained an edited log but kept the checkpoints it had published."""
    export = clearinghouse()
    edited_index = export.marks["decision_2"]

    def edit(index: int, entry: lpb.LogEntry) -> None:
        if index == edited_index:
            entry.logged_at_micros += 1

    rewritten = support.rechained(export, CLEARINGHOUSE_KEY, edit)
    result = audit(support.Export(rewritten.entries, export.checkpoints))
    first_after = next(n for n in range(len(export.checkpoints)) if export.checkpoint(n).size > edited_index)
    assert found(result) == [("forked-checkpoint", first_after, "checkpoint")]
