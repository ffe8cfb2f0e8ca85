"""The door of a node's operator API: credential files, the client side that presents one,
and the server side that admits a call only with one.

A node's operator API (ledger writes, the care desk, personal PINs, the log) listens on
loopback in plaintext, so any process on the node's host can connect. What it may do is
decided here, before any servicer runs and before the request body is parsed:

- a call carries the metadata `timebank-credential: SECRET`, the secret of a credential file
  (apart from `authorization`, which carries a staff or personal session);
- the node knows two credentials, each a file made by `timebank node init` (or
  `timebank node credentials`), mode 0600 and owned by the node's service account:
  `administrator` may call every method; `console` (the office console's, which holds a copy
  of its own file) may call what a console needs: the services that check their own staff
  or personal sign-in, the log, and the ledger's reads, never a ledger write;
- a call without a credential, or with one the node does not know, is refused
  UNAUTHENTICATED; a console credential on an administrator's method PERMISSION_DENIED,
  naming the method, and without a session where one is needed UNAUTHENTICATED; health
  checks pass untouched (probes carry no secrets).

Which credential matched is decided by the secret alone (compared in constant time over
its SHA-256); the principal named in the file is for people reading it. Another user of the
host cannot read the files, so cannot call: that is the whole door, and it is as strong as
the files' permissions (see the deploy runbooks for systemd, compose and Kubernetes).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import pathlib
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import grpc

from timebank.errors import ConfigError, NotPermitted, VerificationError
from timebank.grpc_status import status_of
from timebank.quoting import named

__all__ = [
    "ADMINISTRATOR",
    "CONSOLE",
    "CREDENTIAL_KEY",
    "Credential",
    "CredentialInterceptor",
    "DoorInterceptor",
    "HEADER",
    "PRINCIPALS",
    "SECRET_BYTES",
    "SESSION_KEY",
    "authorized_channel",
    "read_credential",
    "write_credential",
]

ADMINISTRATOR = "administrator"
CONSOLE = "console"
PRINCIPALS = (ADMINISTRATOR, CONSOLE)
HEADER = "timebank-credential"  # the first word of a credential file's line
CREDENTIAL_KEY = "timebank-credential"  # the metadata key a call presents its credential under
SESSION_KEY = "authorization"  # where a staff or personal session travels
SECRET_BYTES = 32
_ENCODED_LENGTH = 43  # 32 bytes in unpadded base64url


@dataclass(frozen=True)
class Credential:
    principal: str
    secret: str  # base64url, unpadded

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return ((CREDENTIAL_KEY, self.secret),)


# -- files ------------------------------------------------------------------------------------


def write_credential(
    path: pathlib.Path, principal: str, random_bytes: Callable[[int], bytes] = os.urandom, replace: bool = False
) -> Credential:
    """Writes a new credential file, owner-only (0600); refuses to overwrite one unless replace."""
    if principal not in PRINCIPALS:
        raise ConfigError(f"credential: got principal {principal!r}, want one of {PRINCIPALS}")
    secret = base64.urlsafe_b64encode(random_bytes(SECRET_BYTES)).rstrip(b"=").decode("ascii")
    text = (
        f"# The {principal} credential of a time-bank node's operator API. Whoever can read this file\n"
        f"# can call the node as its {principal}: keep it owner-only (chmod 600).\n"
        f"{HEADER} {principal} {secret}\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL)
    try:
        descriptor = os.open(path, flags, 0o600)
    except FileExistsError:
        raise ConfigError(f"{path}: exists already") from None
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(text)
    return Credential(principal, secret)


def read_credential(path: pathlib.Path, private: bool = True) -> Credential:
    """The credential in a file. private: refuse a file other users of the host may read."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such credential file") from None
    except PermissionError:
        raise ConfigError(
            f"{path}: permission denied; the credential is readable by the node's service account only"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: unreadable credential file ({error.__class__.__name__})") from None
    if private and mode & (stat.S_IROTH | stat.S_IWOTH):
        raise ConfigError(
            f"{path}: mode {stat.S_IMODE(mode):04o} lets every user of this host read it; want 0600 (or 0640)"
        )
    lines = [line.split() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if len(lines) != 1 or len(lines[0]) != 3 or lines[0][0] != HEADER:
        raise ConfigError(f"{path}: want one line `{HEADER} PRINCIPAL SECRET`")
    _, principal, secret = lines[0]
    if principal not in PRINCIPALS:
        raise ConfigError(f"{path}: principal {named(principal)}, want one of {PRINCIPALS}")
    if len(secret) != _ENCODED_LENGTH:
        raise ConfigError(f"{path}: the secret has {len(secret)} characters, want {_ENCODED_LENGTH}")
    return Credential(principal, secret)


# -- client side ------------------------------------------------------------------------------


class CredentialInterceptor(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds the credential's authorization metadata to every call of a channel."""

    def __init__(self, credential: Credential) -> None:
        self._metadata = credential.metadata()

    def _with_metadata(self, details: Any) -> Any:
        return _CallDetails(
            details.method,
            details.timeout,
            tuple(details.metadata or ()) + self._metadata,
            details.credentials,
            details.wait_for_ready,
            details.compression,
        )

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._with_metadata(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._with_metadata(details), request)

    def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._with_metadata(details), requests)

    def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._with_metadata(details), requests)


@dataclass(frozen=True)
class _CallDetails(grpc.ClientCallDetails):
    method: str
    timeout: float | None
    metadata: tuple[tuple[str, str], ...]
    credentials: Any
    wait_for_ready: bool | None
    compression: Any


def authorized_channel(channel: grpc.Channel, credential: Credential | None) -> grpc.Channel:
    """The channel, presenting the credential on every call (as it is, without one)."""
    if credential is None:
        return channel
    return grpc.intercept_channel(channel, CredentialInterceptor(credential))


# -- server side ------------------------------------------------------------------------------


class DoorInterceptor(grpc.ServerInterceptor):
    """Admits a call only with a credential the server knows, and a console's only to its methods.

    credentials: the credentials admitted; console_methods: the full method names a console
    credential may call (everything else is the administrator's); session_methods: those of
    them a console may call only with a session; exempt: full method names that pass
    without a credential (health checks).
    """

    def __init__(
        self,
        credentials: Iterable[Credential],
        console_methods: frozenset[str],
        session_methods: frozenset[str],
        exempt: frozenset[str],
    ) -> None:
        self._known = [(hashlib.sha256(item.secret.encode()).digest(), item.principal) for item in credentials]
        self._console_methods = console_methods
        self._session_methods = session_methods
        self._exempt = exempt

    def principal_of(self, metadata: Iterable[tuple[str, Any]] | None, method: str) -> str:
        """The principal the call's credential names; raises VerificationError or NotPermitted."""
        pairs = list(metadata or ())
        values = [value for key, value in pairs if key == CREDENTIAL_KEY]
        if not values:
            raise VerificationError(
                f"{CREDENTIAL_KEY}: the call has no credential; this node's operator API admits its "
                "administrator's credential (keys/administrator.credential beside node.toml) or its console's"
            )
        value = values[0] if isinstance(values[0], str) else ""
        presented = hashlib.sha256(value.encode("utf-8", "replace")).digest()
        matched = [principal for digest, principal in self._known if hmac.compare_digest(digest, presented)]
        if len(values) != 1 or not matched:
            raise VerificationError(f"{CREDENTIAL_KEY}: not a credential of this node; the call is refused")
        principal = matched[0]
        if principal == CONSOLE and method not in self._console_methods:
            raise NotPermitted(
                f"{CREDENTIAL_KEY}: a console's credential may not call {method}; it is the administrator's"
            )
        if principal == CONSOLE and method in self._session_methods and not any(key == SESSION_KEY for key, _ in pairs):
            raise VerificationError(f"{SESSION_KEY}: a console's call of {method} needs a staff session from Login")
        return principal

    def intercept_service(self, continuation: Callable[[Any], Any], handler_call_details: Any) -> Any:
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method in self._exempt:
            return handler
        try:
            self.principal_of(handler_call_details.invocation_metadata, method)
        except (VerificationError, NotPermitted) as error:
            return _refusing(handler, status_of(error), str(error))
        return handler


def _refusing(
    handler: grpc.RpcMethodHandler[Any, Any], code: grpc.StatusCode, message: str
) -> grpc.RpcMethodHandler[Any, Any]:
    """A handler of the same kind that refuses the call without parsing its request."""

    def refuse(_request: Any, context: grpc.ServicerContext) -> Any:
        context.abort(code, message)

    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(refuse)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(refuse)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(refuse)
    return grpc.unary_unary_rpc_method_handler(refuse)
