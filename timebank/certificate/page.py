"""The certificate's printable page: one self-contained HTML document of a verified file.

Owns render_html: the person, the masked identity number, the period and the total, a
table of the service lines, the issuer with the signing key's id, and how a reader checks
the issuer (`timebank certificate verify FILE --keys KEYS`); every value from the file is
HTML-escaped, and the A4 print style is inline. Only a file that verifies is rendered.
"""

from __future__ import annotations

import html

from timebank.certificate.model import CertificateBody, CertificateLine, display_instant
from timebank.certificate.signed import verify
from timebank.ledger.model import format_hours

__all__ = ["render_html"]


def render_html(certificate_file: bytes) -> str:
    """The certificate as one self-contained printable page; ValueError when the file does not verify.

    Only the key inside the file is checked here; a reader checks the issuer with
    `timebank certificate verify FILE --keys KEYS`, as the page says.
    """
    checked = verify(certificate_file, None)
    if not checked.valid or checked.body is None:
        raise ValueError("certificate: " + "; ".join(checked.findings))
    body = checked.body
    title = "志愿服务时长证明 Certificate of volunteer service hours"
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_escaped(title)} — {_escaped(body.person_name)}</title>\n<style>{_STYLE}</style>\n"
        "</head>\n<body>\n<main>\n"
        '<h1>志愿服务时长证明<span class="en">Certificate of volunteer service hours</span></h1>\n'
        f"{_facts_html(body)}{_lines_html(body)}{_issuer_html(body, checked.key_id)}"
        "</main>\n</body>\n</html>\n"
    )


def _facts_html(body: CertificateBody) -> str:
    facts = (
        ("姓名 Name", body.person_name),
        ("证件号码 Identity number", body.identity_masked),
        ("服务期间 Period", f"{body.period_from} — {body.period_to}"),
        ("服务时长合计 Total", f"{format_hours(body.total_minutes)} 小时 hours ({body.total_minutes:,} 分钟 minutes)"),
    )
    rows = "".join(f"<dt>{_escaped(name)}</dt><dd>{_escaped(value)}</dd>\n" for name, value in facts)
    return f'<dl class="facts">\n{rows}</dl>\n'


def _lines_html(body: CertificateBody) -> str:
    headings = ("日期 Date", "服务项目 Service", "时长 Hours", "工单 Order", "入账 Transfer")
    head = "".join(f"<th>{_escaped(heading)}</th>" for heading in headings)
    rows = "".join(_line_row_html(line) for line in body.lines)
    total = (
        f'<tr class="total"><th colspan="2">合计 Total</th>'
        f'<td class="hours">{_escaped(format_hours(body.total_minutes))}</td><td colspan="2"></td></tr>\n'
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}</tbody>\n<tfoot>\n{total}</tfoot>\n</table>\n"


def _line_row_html(line: CertificateLine) -> str:
    item = f'{_escaped(line.item_name_zh)}<br><span class="en">{_escaped(line.item_name_en)}</span>'
    cells = (
        f"<td>{_escaped(line.served_on)}</td>",
        f"<td>{item}</td>",
        f'<td class="hours">{_escaped(format_hours(line.minutes))}</td>',
        f'<td class="id">{_escaped(line.order_id)}</td>',
        f'<td class="id">{_escaped(line.transfer_id)}</td>',
    )
    return f"<tr>{''.join(cells)}</tr>\n"


def _issuer_html(body: CertificateBody, key_id: str) -> str:
    facts = (
        ("出具单位 Issued by", f"{body.node_name} ({body.node_id})"),
        ("出具时间 Issued at", display_instant(body.issued_at_micros)),
        ("证书编号 Certificate id", body.certificate_id),
        ("签名密钥 Signing key", key_id),
    )
    rows = "".join(f"<dt>{_escaped(name)}</dt><dd>{_escaped(value)}</dd>\n" for name, value in facts)
    verify_line = (
        "核验方法 To verify: <code>timebank certificate verify FILE --keys node-keys.toml</code> — "
        "FILE is this certificate's signed file, node-keys.toml the list of the nodes' keys the city's "
        "civil-affairs bureau publishes (市民政局公布的节点密钥列表)."
    )
    return f'<dl class="facts issuer">\n{rows}</dl>\n<p class="verify">{verify_line}</p>\n'


def _escaped(value: str) -> str:
    return html.escape(value, quote=True)


_STYLE = """
@page { size: A4; margin: 18mm; }
body { font-family: "Noto Serif CJK SC", "Songti SC", serif; color: #111; margin: 0; }
main { max-width: 180mm; margin: 0 auto; padding: 8mm 0; }
h1 { text-align: center; font-size: 22pt; margin: 0 0 8mm; }
h1 .en { display: block; font-size: 12pt; font-weight: normal; margin-top: 2mm; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 1.5mm 6mm; margin: 0 0 6mm; }
dt { font-weight: bold; }
dd { margin: 0; }
table { width: 100%; border-collapse: collapse; font-size: 10pt; margin: 0 0 6mm; }
th, td { border: 1px solid #555; padding: 1.5mm 2mm; text-align: left; vertical-align: top; }
td.hours { text-align: right; font-variant-numeric: tabular-nums; }
td.id { font-family: monospace; font-size: 8pt; word-break: break-all; }
tr.total th, tr.total td { font-weight: bold; }
.en { color: #444; }
p.verify { font-size: 9pt; border-top: 1px solid #999; padding-top: 3mm; }
"""
