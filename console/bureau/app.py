"""The bureau console's application: its routes, the static files, and the pages for an
unknown address.

Owns the assembly: console.desk's sign-in, language and trail, the sections
console.bureau.city, console.bureau.settlement and console.bureau.security, and console.users with the bureau's
roles, on their common ground console.bureau.base. Every read and write is a call to the
clearinghouse as the signed-in person; it decides and refuses, and a form shows its
refusal in place with what was typed.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from console.bureau.base import BureauPages
from console.bureau.calls import BureauCalls
from console.bureau.city import CityPages
from console.bureau.config import BureauConsoleConfig
from console.bureau.security import SecurityPages
from console.bureau.settlement import SettlementPages
from console.desk import Section
from console.users import UserPages
from console.web import HERE, BodyLimit

__all__ = ["BUREAU_ROLES", "make_bureau_app"]

BUREAU_ROLES = ("administrator", "supervisor", "auditor")


def make_bureau_app(config: BureauConsoleConfig, secret: bytes | None = None) -> Starlette:
    """The bureau's console, calling the clearinghouse at config's address with the bureau's certificate."""
    table = config.bureau_console
    calls = BureauCalls(table.clearinghouse, config.tls_path, table.deadline_seconds)
    pages = BureauPages(table, calls, secret or os.urandom(32))
    sections: list[Section] = [
        CityPages(pages),
        SettlementPages(pages),
        SecurityPages(pages),
        UserPages(pages, BUREAU_ROLES, manager="administrator"),
    ]

    async def not_found(request: Request, error: Exception) -> Response:
        status = getattr(error, "status_code", 404)
        title = "not_found" if status == 404 else "refused"
        return pages.render(request, "error.html", status, title=title, message=getattr(error, "detail", ""))

    routes = [
        *pages.common_routes(),
        *(route for section in sections for route in section.routes()),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found}, middleware=[Middleware(BodyLimit)])
    app.state.node = calls  # closed by whoever made the app (the tests, the command)
    return app
