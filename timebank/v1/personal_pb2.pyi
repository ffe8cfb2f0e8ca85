from timebank.v1 import care_pb2 as _care_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SetPinRequest(_message.Message):
    __slots__ = ("person_id", "pin")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    PIN_FIELD_NUMBER: _ClassVar[int]
    person_id: bytes
    pin: str
    def __init__(self, person_id: _Optional[bytes] = ..., pin: _Optional[str] = ...) -> None: ...

class SetPinResponse(_message.Message):
    __slots__ = ("set_at_micros",)
    SET_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    set_at_micros: int
    def __init__(self, set_at_micros: _Optional[int] = ...) -> None: ...

class SignInRequest(_message.Message):
    __slots__ = ("person_id", "pin")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    PIN_FIELD_NUMBER: _ClassVar[int]
    person_id: bytes
    pin: str
    def __init__(self, person_id: _Optional[bytes] = ..., pin: _Optional[str] = ...) -> None: ...

class SignInResponse(_message.Message):
    __slots__ = ("session_token", "person")
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    session_token: str
    person: _care_pb2.Person
    def __init__(self, session_token: _Optional[str] = ..., person: _Optional[_Union[_care_pb2.Person, _Mapping]] = ...) -> None: ...

class SignOutRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SignOutResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DescribeCodeRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class CodeDescription(_message.Message):
    __slots__ = ("order", "purpose", "expires_at_micros", "elder_name_masked", "volunteer_name_masked", "item_name", "used")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    ELDER_NAME_MASKED_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_NAME_MASKED_FIELD_NUMBER: _ClassVar[int]
    ITEM_NAME_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    order: _care_pb2.Order
    purpose: str
    expires_at_micros: int
    elder_name_masked: str
    volunteer_name_masked: str
    item_name: str
    used: bool
    def __init__(self, order: _Optional[_Union[_care_pb2.Order, _Mapping]] = ..., purpose: _Optional[str] = ..., expires_at_micros: _Optional[int] = ..., elder_name_masked: _Optional[str] = ..., volunteer_name_masked: _Optional[str] = ..., item_name: _Optional[str] = ..., used: _Optional[bool] = ...) -> None: ...

class ScanRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class PersonalOrderRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: bytes
    def __init__(self, order_id: _Optional[bytes] = ...) -> None: ...

class PersonalDisputeRequest(_message.Message):
    __slots__ = ("dispute_id", "order_id", "reason")
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    dispute_id: bytes
    order_id: bytes
    reason: str
    def __init__(self, dispute_id: _Optional[bytes] = ..., order_id: _Optional[bytes] = ..., reason: _Optional[str] = ...) -> None: ...

class PersonalRateRequest(_message.Message):
    __slots__ = ("order_id", "stars", "comment")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STARS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    order_id: bytes
    stars: int
    comment: str
    def __init__(self, order_id: _Optional[bytes] = ..., stars: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class MyAccountRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MyAccountResponse(_message.Message):
    __slots__ = ("person", "movements", "orders", "elders", "elders_orders", "item_names")
    class ItemNamesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PERSON_FIELD_NUMBER: _ClassVar[int]
    MOVEMENTS_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    ELDERS_FIELD_NUMBER: _ClassVar[int]
    ELDERS_ORDERS_FIELD_NUMBER: _ClassVar[int]
    ITEM_NAMES_FIELD_NUMBER: _ClassVar[int]
    person: _care_pb2.Person
    movements: _containers.RepeatedCompositeFieldContainer[_care_pb2.Movement]
    orders: _containers.RepeatedCompositeFieldContainer[_care_pb2.Order]
    elders: _containers.RepeatedCompositeFieldContainer[_care_pb2.Person]
    elders_orders: _containers.RepeatedCompositeFieldContainer[_care_pb2.Order]
    item_names: _containers.ScalarMap[str, str]
    def __init__(self, person: _Optional[_Union[_care_pb2.Person, _Mapping]] = ..., movements: _Optional[_Iterable[_Union[_care_pb2.Movement, _Mapping]]] = ..., orders: _Optional[_Iterable[_Union[_care_pb2.Order, _Mapping]]] = ..., elders: _Optional[_Iterable[_Union[_care_pb2.Person, _Mapping]]] = ..., elders_orders: _Optional[_Iterable[_Union[_care_pb2.Order, _Mapping]]] = ..., item_names: _Optional[_Mapping[str, str]] = ...) -> None: ...

class MyCertificateRequest(_message.Message):
    __slots__ = ("certificate_id", "period_from", "period_to")
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FROM_FIELD_NUMBER: _ClassVar[int]
    PERIOD_TO_FIELD_NUMBER: _ClassVar[int]
    certificate_id: bytes
    period_from: str
    period_to: str
    def __init__(self, certificate_id: _Optional[bytes] = ..., period_from: _Optional[str] = ..., period_to: _Optional[str] = ...) -> None: ...

class MyOrderResponse(_message.Message):
    __slots__ = ("order", "dispute", "elder_name", "volunteer_name", "item_name", "actions")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_FIELD_NUMBER: _ClassVar[int]
    ELDER_NAME_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_NAME_FIELD_NUMBER: _ClassVar[int]
    ITEM_NAME_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    order: _care_pb2.Order
    dispute: _care_pb2.Dispute
    elder_name: str
    volunteer_name: str
    item_name: str
    actions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, order: _Optional[_Union[_care_pb2.Order, _Mapping]] = ..., dispute: _Optional[_Union[_care_pb2.Dispute, _Mapping]] = ..., elder_name: _Optional[str] = ..., volunteer_name: _Optional[str] = ..., item_name: _Optional[str] = ..., actions: _Optional[_Iterable[str]] = ...) -> None: ...
