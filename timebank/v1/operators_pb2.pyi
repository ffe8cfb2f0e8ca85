from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OperatorAccount(_message.Message):
    __slots__ = ("username", "display_name", "roles", "disabled", "locked_until_micros", "created_at_micros", "password_changed_at_micros")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    DISABLED_FIELD_NUMBER: _ClassVar[int]
    LOCKED_UNTIL_MICROS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_CHANGED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    username: str
    display_name: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    disabled: bool
    locked_until_micros: int
    created_at_micros: int
    password_changed_at_micros: int
    def __init__(self, username: _Optional[str] = ..., display_name: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., disabled: _Optional[bool] = ..., locked_until_micros: _Optional[int] = ..., created_at_micros: _Optional[int] = ..., password_changed_at_micros: _Optional[int] = ...) -> None: ...

class LoginRequest(_message.Message):
    __slots__ = ("username", "password")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    username: str
    password: str
    def __init__(self, username: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class LoginResponse(_message.Message):
    __slots__ = ("session_token", "account")
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    session_token: str
    account: OperatorAccount
    def __init__(self, session_token: _Optional[str] = ..., account: _Optional[_Union[OperatorAccount, _Mapping]] = ...) -> None: ...

class LogoutRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LogoutResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WhoAmIRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChangePasswordRequest(_message.Message):
    __slots__ = ("old_password", "new_password")
    OLD_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    NEW_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    old_password: str
    new_password: str
    def __init__(self, old_password: _Optional[str] = ..., new_password: _Optional[str] = ...) -> None: ...

class ChangePasswordResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreateAccountRequest(_message.Message):
    __slots__ = ("username", "display_name", "password", "roles")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    username: str
    display_name: str
    password: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, username: _Optional[str] = ..., display_name: _Optional[str] = ..., password: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateAccountRequest(_message.Message):
    __slots__ = ("username", "roles", "enabled", "new_password")
    class Enabled(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        ENABLED_UNCHANGED: _ClassVar[UpdateAccountRequest.Enabled]
        ENABLED_ENABLE: _ClassVar[UpdateAccountRequest.Enabled]
        ENABLED_DISABLE: _ClassVar[UpdateAccountRequest.Enabled]
    ENABLED_UNCHANGED: UpdateAccountRequest.Enabled
    ENABLED_ENABLE: UpdateAccountRequest.Enabled
    ENABLED_DISABLE: UpdateAccountRequest.Enabled
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    NEW_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    username: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    enabled: UpdateAccountRequest.Enabled
    new_password: str
    def __init__(self, username: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., enabled: _Optional[_Union[UpdateAccountRequest.Enabled, str]] = ..., new_password: _Optional[str] = ...) -> None: ...

class ListAccountsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAccountsResponse(_message.Message):
    __slots__ = ("accounts",)
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[OperatorAccount]
    def __init__(self, accounts: _Optional[_Iterable[_Union[OperatorAccount, _Mapping]]] = ...) -> None: ...

class ListTrailRequest(_message.Message):
    __slots__ = ("after_sequence", "limit")
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    after_sequence: int
    limit: int
    def __init__(self, after_sequence: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class TrailEntry(_message.Message):
    __slots__ = ("sequence", "at_micros", "username", "kind", "operation", "detail")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    at_micros: int
    username: str
    kind: str
    operation: str
    detail: str
    def __init__(self, sequence: _Optional[int] = ..., at_micros: _Optional[int] = ..., username: _Optional[str] = ..., kind: _Optional[str] = ..., operation: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class ListTrailResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[TrailEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[TrailEntry, _Mapping]]] = ...) -> None: ...
