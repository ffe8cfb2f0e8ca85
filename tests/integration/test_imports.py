"""Importing hours recorded on other volunteer platforms, through `timebank care import` and
CareDesk on a real node: a 5,000-row file with 50 planted bad rows of ten kinds, each
reported with its reason and none applied; nothing deposited before another reviewer
approves; the good rows deposited exactly once, to the minute; the same file again
deposits nothing; a mapping file for another layout."""

from __future__ import annotations

import csv
import datetime
import json
import pathlib
import random

import grpc
import pytest

from tests.support.care import Desk, identity_number
from tests.support.commands import timebank
from timebank import volunteer_records
from timebank.clock import FakeClock
from timebank.v1 import care_pb2 as pb

VOLUNTEERS = 50
ROWS_EACH = 99  # 50 x 99 = 4,950 good rows, and 50 bad: 5,000
IMPORT_DEADLINE_SECONDS = 60.0  # approving 4,950 deposits in one transaction: seconds on a busy machine
ZONE = datetime.timezone(datetime.timedelta(hours=8))
# The ten kinds of bad row, five of each, and the words the report gives each.
BAD_KINDS = {
    "identity": "identity_number: the check character does not match",
    "unknown": "identity_number: no one with this number is registered",
    "name": "name: got '冒名'",
    "order": "sign_out: ",
    "hours": "stated_hours: got 9 h",
    "duplicate": "is row",
    "overlap": "sign_in: overlaps row",
    "served": "sign_in: overlaps order",
    "future": "service_date: got 2026-01-05, which is after today",
    "platform": "platform: got '别的平台'",
}


def _row(number: str, name: str, source: str, day: str, start: str, minutes: int, **changes: str) -> dict[str, str]:
    begin = datetime.datetime.fromisoformat(f"{day}T{start}")
    row = {
        "来源平台": "志愿中山",
        "来源记录编号": source,
        "姓名": name,
        "证件类型": "居民身份证",
        "证件号码": number,
        "志愿者编号": "",
        "服务组织": "石岐街道志愿服务队",
        "活动名称": "长者助餐",
        "服务日期": day,
        "签到时间": start,
        "签退时间": (begin + datetime.timedelta(minutes=minutes)).strftime("%H:%M"),
        "服务时长(小时)": f"{minutes / 60:.2f}".rstrip("0").rstrip("."),
        "记录方式": "签到签退",
    }
    row.update(changes)
    return row


def _volunteers(desk: Desk) -> list[tuple[bytes, str, str]]:
    made = []
    for index in range(VOLUNTEERS):
        born = f"19{60 + index % 30}-0{1 + index % 9}-1{index % 9}"
        number = identity_number(born)
        name = f"志愿者{index:02d}"
        person_id = desk.register("volunteer", name, born, identity=number)
        desk.approve(person_id)
        made.append((person_id, name, number))
    return made


def _file(volunteers: list[tuple[bytes, str, str]], served_day: str) -> tuple[list[dict[str, str]], dict[str, int]]:
    """4,950 good rows and 50 bad ones, shuffled (seeded); the good minutes by identity number."""
    good, minutes_of = [], {number: 0 for _, _, number in volunteers}
    for index, (_, name, number) in enumerate(volunteers):
        for k in range(ROWS_EACH):
            day = (datetime.date(2025, 12, 31) - datetime.timedelta(days=k)).isoformat()
            minutes = 30 + (index * 7 + k * 13) % 151
            good.append(_row(number, name, f"ZS-{index:02d}-{k:03d}", day, "09:00", minutes))
            minutes_of[number] += minutes
    _, name, number = volunteers[0]
    stranger = identity_number("1988-08-08")
    bad = []
    for i in range(5):
        source, day = f"BAD-{i}", f"2025-06-{10 + i}"
        bad += [
            ("identity", _row(number[:17] + ("0" if number[17] != "0" else "1"), name, source + "a", day, "14:00", 60)),
            ("unknown", _row(stranger, "陌生人", source + "b", day, "14:00", 60)),
            ("name", _row(number, "冒名", source + "c", day, "14:00", 60)),
            ("order", _row(number, name, source + "d", day, "14:00", 60, 签退时间="13:00")),
            ("hours", _row(number, name, source + "e", day, "14:00", 60, **{"服务时长(小时)": "9"})),
            ("overlap", _row(number, name, source + "g", "2025-12-31", "09:15", 30)),
            ("served", _row(number, name, source + "h", served_day, f"08:{10 * i + 2:02d}", 8)),
            ("future", _row(number, name, source + "i", "2026-01-05", "09:00", 60)),
            ("platform", _row(number, name, source + "j", day, "14:00", 60, 来源平台="别的平台")),
        ]
    bad += [("duplicate", dict(good[50])) for _ in range(5)]  # the same record again: whichever comes first counts
    rows = good + [row for _, row in bad]
    random.Random(20261204).shuffle(rows)
    return rows, minutes_of


def _write(path: pathlib.Path, rows: list[dict[str, str]]) -> pathlib.Path:
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(volunteer_records.TEMPLATE_HEADER))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _served_order(desk: Desk, clock: FakeClock, volunteer_id: bytes) -> str:
    """An order volunteer 0 served now (at the clock's start): a record over it is refused."""
    elder = desk.register("elder", "陈婆婆", "1950-05-05")
    desk.approve(elder)
    order_id = desk.publish(elder, "cleaning", clock.now_micros() + 3_600_000_000, minutes=60)
    desk.serve(order_id, volunteer_id, clock, 60)
    clock.advance(60 * 60_000_000)
    return datetime.datetime.fromtimestamp(clock.now_micros() / 1e6, ZONE).date().isoformat()


def test_a_file_of_5000_records_with_50_bad_rows(
    desk: Desk, node_target: tuple[str, ...], clock: FakeClock, tmp_path: pathlib.Path
) -> None:
    volunteers = _volunteers(desk)
    served_day = _served_order(desk, clock, volunteers[0][0])
    before = desk.balance(volunteers[0][0])
    rows, minutes_of = _file(volunteers, served_day)
    path = _write(tmp_path / "志愿中山-2025.csv", rows)
    node = list(node_target)

    checked = json.loads(timebank("care", "import", str(path), "--dry-run", "--json", *node).stdout)
    assert (checked["state"], checked["row_count"], checked["accepted_count"]) == ("checked", 5000, 4950)
    refused = [outcome for outcome in checked["outcomes"] if not outcome["accepted"]]
    assert len(refused) == 50 and all(outcome["reason"] for outcome in refused)
    for kind, words in BAD_KINDS.items():
        assert sum(words in outcome["reason"] for outcome in refused) >= 5, (kind, [o["reason"] for o in refused])
    listed = desk.call("ListImports", pb.ListImportsRequest())
    assert not listed.batches  # a dry run keeps nothing

    submitted = timebank("care", "import", str(path), "--operator", "李经办", *node)
    assert "4950 accepted" in submitted.stdout and "50 refused" in submitted.stdout
    assert "nothing is deposited until another reviewer approves" in submitted.stdout
    batch_id = bytes.fromhex(submitted.stdout.split()[1])
    assert desk.balance(volunteers[0][0]) == before  # pending: nothing deposited

    own = pb.ReviewImportRequest(batch_id=batch_id, approve=True, operator="李经办")
    with pytest.raises(grpc.RpcError) as refused_own:
        desk.call("ReviewImport", own)
    assert refused_own.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "another reviewer decides it" in (refused_own.value.details() or "")
    approve = pb.ReviewImportRequest(batch_id=batch_id, approve=True, operator="王审核")
    approved = desk.call("ReviewImport", approve, timeout_seconds=IMPORT_DEADLINE_SECONDS)
    assert (approved.state, approved.applied_count, approved.applied_minutes) == (
        "approved",
        4950,
        sum(minutes_of.values()),
    )
    for person_id, _, number in volunteers:
        expected = minutes_of[number] + (before if person_id == volunteers[0][0] else 0)
        assert desk.balance(person_id) == expected
    statement = desk.call("ListMovements", pb.ListMovementsRequest(person_id=volunteers[1][0], limit=1000))
    imported = [m for m in statement.movements if m.kind == "import"]
    assert len(imported) == ROWS_EACH and all(m.memo.startswith("导入 志愿中山 ZS-01-") for m in imported)
    again = pb.ReviewImportRequest(batch_id=batch_id, approve=False, note="x", operator="赵审核")
    with pytest.raises(grpc.RpcError) as decided:
        desk.call("ReviewImport", again)
    assert "the batch is approved already, by 王审核" in (decided.value.details() or "")

    second = json.loads(timebank("care", "import", str(path), "--operator", "李经办", "--json", *node).stdout)
    assert second["accepted_count"] == 0
    assert sum("was imported already" in o["reason"] for o in second["outcomes"]) == 4950
    redo = pb.ReviewImportRequest(batch_id=bytes.fromhex(second["batch_id"]), approve=True, operator="王审核")
    assert desk.call("ReviewImport", redo).applied_count == 0
    assert desk.balance(volunteers[1][0]) == minutes_of[volunteers[1][2]]  # nothing twice
    figures = desk.call("GetStatistics", pb.GetStatisticsRequest(from_month="2025-01"))
    by_category = {row.key: row.deposited_minutes for row in figures.rows if row.dimension == "category"}
    assert by_category["imported"] == sum(minutes_of.values())


def test_another_layout_through_a_mapping_file_and_the_files_refused(
    desk: Desk, node_target: tuple[str, ...], tmp_path: pathlib.Path
) -> None:
    born = "1990-02-02"
    number = identity_number(born)
    person_id = desk.register("volunteer", "林志愿", born, identity=number)
    desk.approve(person_id)
    other = tmp_path / "i志愿导出.csv"
    other.write_text(
        "记录ID,志愿者姓名,身份证,项目,日期,开始,结束,时长\n"
        f"IZY-1,林志愿,{number},社区探访,2025-12-01,09:00,10:45,1.75\n",
        encoding="gb18030",
    )
    mapping = tmp_path / "i志愿.toml"
    mapping.write_text(
        '[columns]\nsource_record_id = "记录ID"\nname = "志愿者姓名"\nidentity_number = "身份证"\n'
        'activity = "项目"\nservice_date = "日期"\nsign_in = "开始"\nsign_out = "结束"\nstated_hours = "时长"\n'
        '[fixed]\nplatform = "i志愿"\norigin = "签到签退"\n',
        encoding="utf-8",
    )
    node = list(node_target)
    checked = json.loads(
        timebank("care", "import", str(other), "--mapping", str(mapping), "--dry-run", "--json", *node).stdout
    )
    assert checked["accepted_count"] == 1 and checked["accepted_minutes"] == 105
    without = timebank("care", "import", str(other), "--dry-run", *node, expect=2)
    assert "lacks the columns 来源平台, 来源记录编号, 姓名" in without.stderr and "--mapping" in without.stderr
    template = timebank("care", "import", "--template").stdout
    assert template.splitlines()[0] == ",".join(volunteer_records.TEMPLATE_HEADER)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert "is empty" in timebank("care", "import", str(empty), *node, expect=2).stderr
