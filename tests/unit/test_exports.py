"""Reading a page's tables back for its exports: headings name them, forms and buttons are
not cells, a column of actions is left out, the row of an empty list is not a row; the
workbook's sheets and the CSV hold the same cells."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from starlette.exceptions import HTTPException

from console import exports

PAGE = """<main><h1>人员管理 <a class="button" href="?x">新增</a></h1>
<table><thead><tr><th>姓名</th><th>身份证号</th><th>时长</th><th class="actions">操作</th></tr></thead>
<tbody><tr><td>陈 婆婆</td><td class="mono">4420**********0354</td><td>90</td>
<td><form><input name="reason" value="secret"><button>通过</button></form></td></tr>
<tr><td>林志愿<script>ignored()</script></td><td>4420**********0342</td><td>-5</td><td></td></tr></tbody></table>
<h2>空表</h2><table><tr><th>a</th><th>b</th></tr><tr><td colspan="2">暂无数据</td></tr></table>
<h2>Actions: [all]</h2><table><tr><th>x</th><th>y</th></tr>
<tr><td>1</td><td><form><button>go</button></form></td></tr></table>
</main>"""


def test_tables_are_read_as_the_page_shows_them() -> None:
    people, empty, actions = exports.tables_of(PAGE)
    assert people.name == "人员管理"  # the button in the heading is not its name
    assert people.header == ["姓名", "身份证号", "时长"]
    assert people.rows == [["陈 婆婆", "4420**********0354", "90"], ["林志愿", "4420**********0342", "-5"]]
    assert (empty.name, empty.header, empty.rows) == ("空表", ["a", "b"], [])
    assert (actions.header, actions.rows) == (["x"], [["1"]])  # a column of forms alone is left out


def test_the_workbook_holds_every_table_and_numbers_as_numbers() -> None:
    answer = exports.download(PAGE, "xlsx", "people")
    assert answer.headers["content-disposition"] == 'attachment; filename="people.xlsx"'
    book = load_workbook(io.BytesIO(answer.body))
    assert book.sheetnames == ["人员管理", "空表", "Actions   all"]  # no [ ] : in a sheet's name
    rows = [list(row) for row in book["人员管理"].iter_rows(values_only=True)]
    assert rows == [
        ["姓名", "身份证号", "时长"],
        ["陈 婆婆", "4420**********0354", 90],
        ["林志愿", "4420**********0342", -5],
    ]


def test_a_csv_is_one_table_with_a_byte_order_mark() -> None:
    answer = exports.download(PAGE, "csv", "people", "2")
    assert bytes(answer.body).decode("utf-8") == "\ufeffa,b\r\n"
    with pytest.raises(HTTPException, match="table: got '9', want 1 to 3") as refused:
        exports.download(PAGE, "csv", "people", "9")
    assert refused.value.status_code == 404
