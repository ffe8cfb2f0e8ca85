"""A console's users and roles (用户与角色), the office's at a node and the bureau's at the
clearinghouse alike: the accounts, the manager (a director, an administrator) making one,
changing one's roles, disabling or enabling it and setting a new password for it; and
anyone's own password change.

Owns these pages; the party decides (user management is its manager's) and records who did
what in the trail. Passwords are never shown again or kept in a refused form.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.desk import Desk
from timebank.v1 import operators_pb2

__all__ = ["NODE_ROLES", "UserPages"]

NODE_ROLES = ("reviewer", "operator", "director", "viewer")
ENABLED = {
    "enable": operators_pb2.UpdateAccountRequest.ENABLED_ENABLE,
    "disable": operators_pb2.UpdateAccountRequest.ENABLED_DISABLE,
}
SECRET_FIELDS = ("password", "new_password", "old_password")


def _typed(form: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in form.items() if key not in SECRET_FIELDS}


class UserPages:
    """The pages of the accounts of a console's party, whose roles are roles (in their order)."""

    def __init__(self, office: Desk[Any], roles: tuple[str, ...] = NODE_ROLES, manager: str = "director") -> None:
        self.office = office
        self.calls = office.calls
        self.roles = roles
        self.manager = manager  # the role that keeps the accounts

    def routes(self) -> list[Route]:
        signed_in = self.office.signed_in
        return [
            Route("/users", signed_in(self.users), methods=["GET"]),
            Route("/users", signed_in(self.create), methods=["POST"]),
            Route("/users/{username}", signed_in(self.user), methods=["GET"]),
            Route("/users/{username}", signed_in(self.update), methods=["POST"]),
            Route("/password", signed_in(self.password_page), methods=["GET"]),
            Route("/password", signed_in(self.change_password), methods=["POST"]),
        ]

    def _accounts(self, token: str) -> list[operators_pb2.OperatorAccount]:
        wanted = operators_pb2.ListAccountsRequest()
        return list(self.calls.call(self.calls.operators.ListAccounts, wanted, token).accounts)

    async def users(
        self, request: Request, token: str, message: str = "", typed: dict[str, str] | None = None
    ) -> Response:
        return self.office.render(
            request,
            "users.html",
            400 if message else 200,
            me=self.office.account(token),
            accounts=self._accounts(token),
            roles=self.roles,
            manager=self.manager,
            message=message,
            typed=typed or {},
            crumbs=["users"],
        )

    async def create(self, request: Request, token: str) -> Response:
        form = await self.office.checked_form(request)
        chosen = [str(value) for key, value in (await request.form()).multi_items() if key == "roles"]
        created = operators_pb2.CreateAccountRequest(
            username=form.get("username", ""),
            display_name=form.get("display_name", ""),
            password=form.get("password", ""),
            roles=chosen,
        )

        async def again(message: str) -> Response:
            return await self.users(request, token, message, _typed(form))

        return await self.office.change(token, self.calls.operators.CreateAccount, created, again, "/users")

    async def user(self, request: Request, token: str, message: str = "") -> Response:
        username = request.path_params["username"]
        found = [account for account in self._accounts(token) if account.username == username]
        if not found:
            raise HTTPException(404, f"username: no account {username!r}")
        done = request.query_params.get("done", "")
        return self.office.render(
            request,
            "user.html",
            400 if message else 200,
            me=self.office.account(token),
            account=found[0],
            roles=self.roles,
            manager=self.manager,
            done="user" if done == "user" else "",
            message=message,
            crumbs=["users", "user"],
        )

    async def update(self, request: Request, token: str) -> Response:
        form = await self.office.checked_form(request)
        username = request.path_params["username"]
        chosen = [str(value) for key, value in (await request.form()).multi_items() if key == "roles"]
        action = form.get("action", "")
        updated = operators_pb2.UpdateAccountRequest(
            username=username,
            roles=chosen if action == "roles" else [],
            enabled=ENABLED.get(action, operators_pb2.UpdateAccountRequest.ENABLED_UNCHANGED),
            new_password=form.get("new_password", "") if action == "password" else "",
        )

        async def again(message: str) -> Response:
            return await self.user(request, token, message)

        if action == "roles" and not chosen:
            return await again("roles: choose at least one role; to stop an account, disable it")
        done = f"/users/{username}?done=user"
        return await self.office.change(token, self.calls.operators.UpdateAccount, updated, again, done)

    async def password_page(self, request: Request, token: str, message: str = "") -> Response:
        done = request.query_params.get("done") == "1"
        return self.office.render(
            request,
            "password.html",
            400 if message else 200,
            me=self.office.account(token),
            done=done,
            message=message,
            crumbs=["change_password"],
        )

    async def change_password(self, request: Request, token: str) -> Response:
        form = await self.office.checked_form(request)
        changed = operators_pb2.ChangePasswordRequest(
            old_password=form.get("old_password", ""), new_password=form.get("new_password", "")
        )

        async def again(message: str) -> Response:
            return await self.password_page(request, token, message)

        if form.get("new_password", "") != form.get("repeated_password", ""):
            return await again("new_password: the two new passwords differ; type the same twice")
        return await self.office.change(token, self.calls.operators.ChangePassword, changed, again, "/password?done=1")
