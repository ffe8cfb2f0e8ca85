"""The console's web edge, shared by the office's pages and the phone's: the templates and
their filters, the language chosen, rendering, cookies (HttpOnly, SameSite=Strict, Secure
when configured), CSRF tokens (an HMAC under a secret of this process) and checking a
form's token, and the address phones reach the console at.

Owns these and no page: console.app holds the office's pages, console.phone the phone's.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import pathlib
from collections.abc import Callable, Mapping
from html import escape
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from console import exports
from console.calls import Calls
from console.labels import LABELS, LANGUAGES, change_minutes, duration, text

__all__ = [
    "BODY_BYTES_MAX",
    "BodyLimit",
    "EXPORTS_MARK",
    "HERE",
    "LANGUAGE_COOKIE",
    "SESSION_COOKIE",
    "Edge",
    "EdgeSettings",
]

HERE = pathlib.Path(__file__).resolve().parent
EXPORTS_MARK = "<!--exports-->"  # where a layout puts the links to a page's exports
SESSION_COOKIE = "tb_session"  # the office's session
LANGUAGE_COOKIE = "tb_lang"
# The largest request body a console reads: an import file at its largest (20 MiB), with
# room for the form around it. Larger is refused (413) before it is read.
BODY_BYTES_MAX = 21 * 1024 * 1024


C = TypeVar("C", bound=Calls)


class BodyLimit:
    """ASGI middleware: a request whose body is larger than bytes_max is refused with 413
    (an HTTPException raised where the page reads the body, so the console's error page
    names the limit): at once when its Content-Length says so, or as soon as more arrived."""

    def __init__(self, app: Any, bytes_max: int = BODY_BYTES_MAX) -> None:
        self.app = app
        self.bytes_max = bytes_max

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length", b"0")
        received = int(declared) if declared.isdigit() else 0

        async def limited() -> Any:
            nonlocal received
            if received > self.bytes_max:
                raise HTTPException(413, f"body: got {received} bytes, want at most {self.bytes_max}")
            message = await receive()
            if message["type"] == "http.request" and not declared.isdigit():
                received += len(message.get("body", b""))
                if received > self.bytes_max:
                    raise HTTPException(413, f"body: got more than {self.bytes_max} bytes, want at most that")
            return message

        await self.app(scope, limited, send)


class EdgeSettings(Protocol):
    """What the edge reads of a console's settings (the office's and the bureau's have these)."""

    @property
    def office_name(self) -> str: ...
    @property
    def utc_offset_hours(self) -> int: ...
    @property
    def public_url(self) -> str: ...
    @property
    def cookies_secure(self) -> bool: ...


class Edge(Generic[C]):
    """The web edge of a console whose calls (to its party) are calls."""

    layout = "base.html"  # the page every shared template (login, error, trail, users) extends
    labels: Mapping[str, tuple[str, str]] = LABELS  # the words of its pages

    def __init__(self, settings: EdgeSettings, calls: C, secret: bytes) -> None:
        self.settings = settings
        self.calls = calls
        self.secret = secret
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"])
        )
        self.zone = datetime.timezone(datetime.timedelta(hours=settings.utc_offset_hours))
        self.templates.filters["when"] = self.local_time
        self.templates.globals["duration"] = duration
        self.templates.globals["change_of"] = change_minutes

    def language(self, request: Request) -> str:
        chosen = request.cookies.get(LANGUAGE_COOKIE, "zh")
        return chosen if chosen in LANGUAGES else "zh"

    def csrf_of(self, token: str) -> str:
        return hmac.new(self.secret, token.encode(), hashlib.sha256).hexdigest()

    def render(self, request: Request, template: str, status_code: int = 200, **values: Any) -> Response:
        """The page; with ?format=csv or xlsx (and status 200), its tables as a file to save
        instead. A page with tables gets the links to its exports where its layout marks them."""
        language = self.language(request)
        label = text(language, self.labels)
        if "csrf" not in values:
            token = request.cookies.get(SESSION_COOKIE, "")
            values["csrf"] = self.csrf_of(token) if token else ""
        page = self.templates.get_template(template).render(
            t=label,
            language=language,
            office=self.settings.office_name,
            path=request.url.path,
            layout=self.layout,
            **values,
        )
        wanted = request.query_params.get("format", "")
        if status_code == 200 and exports.exporting(wanted):
            stem = request.url.path.strip("/").replace("/", "-") or "export"
            return exports.download(page, wanted, stem, request.query_params.get("table", ""))
        if EXPORTS_MARK in page and "<table" in page:
            page = page.replace(EXPORTS_MARK, _export_links(request, page, label), 1)
        return HTMLResponse(page, status_code=status_code)

    def cookie(self, response: Response, name: str, value: str, max_age: int | None = None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            httponly=True,
            samesite="strict",
            secure=self.settings.cookies_secure,
            path="/",
        )

    def phone_url(self, request: Request) -> str:
        """Where a phone reaches the console: public_url, or the address this page was opened at."""
        return (self.settings.public_url or str(request.base_url)).rstrip("/")

    def local_time(self, micros: int) -> str:
        """A time as the office reads it: YYYY-MM-DD HH:MM:SS in its offset from UTC."""
        return _local_time(int(micros), self.zone)

    async def form_checked(self, request: Request, expected: str, whose: str) -> dict[str, str]:
        """A POST's form, after its csrf field is checked against expected (403 if wrong)."""
        form = {key: str(value) for key, value in (await request.form()).items()}
        if not expected or not hmac.compare_digest(form.get("csrf", ""), expected):
            raise HTTPException(403, f"csrf: the form's token does not match {whose}; reload the page")
        return form


def _export_links(request: Request, page: str, label: Callable[[str], str]) -> str:
    """The links to a page's exports: one workbook of every table, and a CSV of each."""
    tables = exports.tables_of(page)
    if not tables:
        return ""

    def address(**extra: str) -> str:
        query = {key: value for key, value in request.query_params.items() if key not in ("format", "table", "page")}
        return escape(f"{request.url.path}?{urlencode({**query, **extra})}")

    links = [f'<a class="button" href="{address(format="xlsx")}">Excel</a>']
    for number, table in enumerate(tables, start=1):
        named = f" ({escape(table.name)})" if len(tables) > 1 else ""
        links.append(f'<a class="button" href="{address(format="csv", table=str(number))}">CSV{named}</a>')
    return f'<p class="exports">{escape(label("export"))}: ' + " ".join(links) + "</p>"


def _local_time(micros: int, zone: datetime.tzinfo) -> str:
    """A time as the office reads it: YYYY-MM-DD HH:MM:SS in its offset from UTC."""
    moment = datetime.datetime.fromtimestamp(micros / 1_000_000, tz=datetime.UTC).astimezone(zone)
    return moment.strftime("%Y-%m-%d %H:%M:%S")
