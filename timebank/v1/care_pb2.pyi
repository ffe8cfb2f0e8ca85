from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Person(_message.Message):
    __slots__ = ("person_id", "role", "name", "identity_masked", "birth_date", "community", "home_node_id", "state", "review_reason", "hardship", "registered_at_micros", "reviewed_at_micros", "balance_minutes", "available_minutes", "group_locked_minutes", "age_years", "home_check", "reviewed_by")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_MASKED_FIELD_NUMBER: _ClassVar[int]
    BIRTH_DATE_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_FIELD_NUMBER: _ClassVar[int]
    HOME_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REVIEW_REASON_FIELD_NUMBER: _ClassVar[int]
    HARDSHIP_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    BALANCE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    GROUP_LOCKED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    AGE_YEARS_FIELD_NUMBER: _ClassVar[int]
    HOME_CHECK_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_BY_FIELD_NUMBER: _ClassVar[int]
    person_id: bytes
    role: str
    name: str
    identity_masked: str
    birth_date: str
    community: str
    home_node_id: str
    state: str
    review_reason: str
    hardship: bool
    registered_at_micros: int
    reviewed_at_micros: int
    balance_minutes: int
    available_minutes: int
    group_locked_minutes: int
    age_years: int
    home_check: str
    reviewed_by: str
    def __init__(self, person_id: _Optional[bytes] = ..., role: _Optional[str] = ..., name: _Optional[str] = ..., identity_masked: _Optional[str] = ..., birth_date: _Optional[str] = ..., community: _Optional[str] = ..., home_node_id: _Optional[str] = ..., state: _Optional[str] = ..., review_reason: _Optional[str] = ..., hardship: _Optional[bool] = ..., registered_at_micros: _Optional[int] = ..., reviewed_at_micros: _Optional[int] = ..., balance_minutes: _Optional[int] = ..., available_minutes: _Optional[int] = ..., group_locked_minutes: _Optional[int] = ..., age_years: _Optional[int] = ..., home_check: _Optional[str] = ..., reviewed_by: _Optional[str] = ...) -> None: ...

class RegisterPersonRequest(_message.Message):
    __slots__ = ("person_id", "role", "name", "identity_number", "birth_date", "community", "home_node_id")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_NUMBER_FIELD_NUMBER: _ClassVar[int]
    BIRTH_DATE_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_FIELD_NUMBER: _ClassVar[int]
    HOME_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    person_id: bytes
    role: str
    name: str
    identity_number: str
    birth_date: str
    community: str
    home_node_id: str
    def __init__(self, person_id: _Optional[bytes] = ..., role: _Optional[str] = ..., name: _Optional[str] = ..., identity_number: _Optional[str] = ..., birth_date: _Optional[str] = ..., community: _Optional[str] = ..., home_node_id: _Optional[str] = ...) -> None: ...

class ReviewPersonRequest(_message.Message):
    __slots__ = ("person_id", "approve", "reason", "hardship", "operator")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    HARDSHIP_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    person_id: bytes
    approve: bool
    reason: str
    hardship: bool
    operator: str
    def __init__(self, person_id: _Optional[bytes] = ..., approve: _Optional[bool] = ..., reason: _Optional[str] = ..., hardship: _Optional[bool] = ..., operator: _Optional[str] = ...) -> None: ...

class SetHardshipRequest(_message.Message):
    __slots__ = ("person_id", "hardship", "reason", "operator")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    HARDSHIP_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    person_id: bytes
    hardship: bool
    reason: str
    operator: str
    def __init__(self, person_id: _Optional[bytes] = ..., hardship: _Optional[bool] = ..., reason: _Optional[str] = ..., operator: _Optional[str] = ...) -> None: ...

class GetPersonRequest(_message.Message):
    __slots__ = ("person_id",)
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    person_id: bytes
    def __init__(self, person_id: _Optional[bytes] = ...) -> None: ...

class ListPeopleRequest(_message.Message):
    __slots__ = ("state", "role", "limit", "person_ids")
    STATE_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    state: str
    role: str
    limit: int
    person_ids: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, state: _Optional[str] = ..., role: _Optional[str] = ..., limit: _Optional[int] = ..., person_ids: _Optional[_Iterable[bytes]] = ...) -> None: ...

class ListPeopleResponse(_message.Message):
    __slots__ = ("people",)
    PEOPLE_FIELD_NUMBER: _ClassVar[int]
    people: _containers.RepeatedCompositeFieldContainer[Person]
    def __init__(self, people: _Optional[_Iterable[_Union[Person, _Mapping]]] = ...) -> None: ...

class Relationship(_message.Message):
    __slots__ = ("relationship_id", "kind", "person_id", "other_node_id", "other_person_id", "relation", "state", "review_reason", "created_at_micros")
    RELATIONSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REVIEW_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    relationship_id: bytes
    kind: str
    person_id: bytes
    other_node_id: str
    other_person_id: bytes
    relation: str
    state: str
    review_reason: str
    created_at_micros: int
    def __init__(self, relationship_id: _Optional[bytes] = ..., kind: _Optional[str] = ..., person_id: _Optional[bytes] = ..., other_node_id: _Optional[str] = ..., other_person_id: _Optional[bytes] = ..., relation: _Optional[str] = ..., state: _Optional[str] = ..., review_reason: _Optional[str] = ..., created_at_micros: _Optional[int] = ...) -> None: ...

class AddRelationshipRequest(_message.Message):
    __slots__ = ("relationship_id", "kind", "person_id", "other_node_id", "other_person_id", "relation")
    RELATIONSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    relationship_id: bytes
    kind: str
    person_id: bytes
    other_node_id: str
    other_person_id: bytes
    relation: str
    def __init__(self, relationship_id: _Optional[bytes] = ..., kind: _Optional[str] = ..., person_id: _Optional[bytes] = ..., other_node_id: _Optional[str] = ..., other_person_id: _Optional[bytes] = ..., relation: _Optional[str] = ...) -> None: ...

class ListRelationshipsRequest(_message.Message):
    __slots__ = ("person_id", "state", "limit")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    person_id: bytes
    state: str
    limit: int
    def __init__(self, person_id: _Optional[bytes] = ..., state: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListRelationshipsResponse(_message.Message):
    __slots__ = ("relationships",)
    RELATIONSHIPS_FIELD_NUMBER: _ClassVar[int]
    relationships: _containers.RepeatedCompositeFieldContainer[Relationship]
    def __init__(self, relationships: _Optional[_Iterable[_Union[Relationship, _Mapping]]] = ...) -> None: ...

class ReviewRelationshipRequest(_message.Message):
    __slots__ = ("relationship_id", "approve", "reason", "operator")
    RELATIONSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    relationship_id: bytes
    approve: bool
    reason: str
    operator: str
    def __init__(self, relationship_id: _Optional[bytes] = ..., approve: _Optional[bool] = ..., reason: _Optional[str] = ..., operator: _Optional[str] = ...) -> None: ...

class CatalogueItem(_message.Message):
    __slots__ = ("code", "name_zh", "name_en", "category", "professional", "qualifications", "rate_percent", "group")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PROFESSIONAL_FIELD_NUMBER: _ClassVar[int]
    QUALIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    RATE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    code: str
    name_zh: str
    name_en: str
    category: str
    professional: bool
    qualifications: _containers.RepeatedScalarFieldContainer[str]
    rate_percent: int
    group: bool
    def __init__(self, code: _Optional[str] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., category: _Optional[str] = ..., professional: _Optional[bool] = ..., qualifications: _Optional[_Iterable[str]] = ..., rate_percent: _Optional[int] = ..., group: _Optional[bool] = ...) -> None: ...

class ListCatalogueRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListCatalogueResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[CatalogueItem]
    def __init__(self, items: _Optional[_Iterable[_Union[CatalogueItem, _Mapping]]] = ...) -> None: ...

class AddCatalogueItemRequest(_message.Message):
    __slots__ = ("item",)
    ITEM_FIELD_NUMBER: _ClassVar[int]
    item: CatalogueItem
    def __init__(self, item: _Optional[_Union[CatalogueItem, _Mapping]] = ...) -> None: ...

class Qualification(_message.Message):
    __slots__ = ("qualification_id", "person_id", "kind", "issuer", "number", "scope", "expires_on", "state", "review_reason", "created_at_micros")
    QUALIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_ON_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REVIEW_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    qualification_id: bytes
    person_id: bytes
    kind: str
    issuer: str
    number: str
    scope: str
    expires_on: str
    state: str
    review_reason: str
    created_at_micros: int
    def __init__(self, qualification_id: _Optional[bytes] = ..., person_id: _Optional[bytes] = ..., kind: _Optional[str] = ..., issuer: _Optional[str] = ..., number: _Optional[str] = ..., scope: _Optional[str] = ..., expires_on: _Optional[str] = ..., state: _Optional[str] = ..., review_reason: _Optional[str] = ..., created_at_micros: _Optional[int] = ...) -> None: ...

class AddQualificationRequest(_message.Message):
    __slots__ = ("qualification_id", "person_id", "kind", "issuer", "number", "scope", "expires_on")
    QUALIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_ON_FIELD_NUMBER: _ClassVar[int]
    qualification_id: bytes
    person_id: bytes
    kind: str
    issuer: str
    number: str
    scope: str
    expires_on: str
    def __init__(self, qualification_id: _Optional[bytes] = ..., person_id: _Optional[bytes] = ..., kind: _Optional[str] = ..., issuer: _Optional[str] = ..., number: _Optional[str] = ..., scope: _Optional[str] = ..., expires_on: _Optional[str] = ...) -> None: ...

class ListQualificationsRequest(_message.Message):
    __slots__ = ("person_id", "state", "limit")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    person_id: bytes
    state: str
    limit: int
    def __init__(self, person_id: _Optional[bytes] = ..., state: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListQualificationsResponse(_message.Message):
    __slots__ = ("qualifications",)
    QUALIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    qualifications: _containers.RepeatedCompositeFieldContainer[Qualification]
    def __init__(self, qualifications: _Optional[_Iterable[_Union[Qualification, _Mapping]]] = ...) -> None: ...

class ReviewQualificationRequest(_message.Message):
    __slots__ = ("qualification_id", "approve", "reason", "operator")
    QUALIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    qualification_id: bytes
    approve: bool
    reason: str
    operator: str
    def __init__(self, qualification_id: _Optional[bytes] = ..., approve: _Optional[bool] = ..., reason: _Optional[str] = ..., operator: _Optional[str] = ...) -> None: ...

class Order(_message.Message):
    __slots__ = ("order_id", "elder_id", "publisher_id", "item_code", "window_start_micros", "window_end_micros", "community", "place", "notes", "paid_by", "state", "volunteer_id", "volunteer_node_id", "checked_in_micros", "checked_out_micros", "served_minutes", "credited_minutes", "deposit_transfer_id", "confirmer_id", "published_at_micros", "steps")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ELDER_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_MICROS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_MICROS_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_FIELD_NUMBER: _ClassVar[int]
    PLACE_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    PAID_BY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKED_IN_MICROS_FIELD_NUMBER: _ClassVar[int]
    CHECKED_OUT_MICROS_FIELD_NUMBER: _ClassVar[int]
    SERVED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CREDITED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIRMER_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    order_id: bytes
    elder_id: bytes
    publisher_id: bytes
    item_code: str
    window_start_micros: int
    window_end_micros: int
    community: str
    place: str
    notes: str
    paid_by: str
    state: str
    volunteer_id: bytes
    volunteer_node_id: str
    checked_in_micros: int
    checked_out_micros: int
    served_minutes: int
    credited_minutes: int
    deposit_transfer_id: bytes
    confirmer_id: bytes
    published_at_micros: int
    steps: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, order_id: _Optional[bytes] = ..., elder_id: _Optional[bytes] = ..., publisher_id: _Optional[bytes] = ..., item_code: _Optional[str] = ..., window_start_micros: _Optional[int] = ..., window_end_micros: _Optional[int] = ..., community: _Optional[str] = ..., place: _Optional[str] = ..., notes: _Optional[str] = ..., paid_by: _Optional[str] = ..., state: _Optional[str] = ..., volunteer_id: _Optional[bytes] = ..., volunteer_node_id: _Optional[str] = ..., checked_in_micros: _Optional[int] = ..., checked_out_micros: _Optional[int] = ..., served_minutes: _Optional[int] = ..., credited_minutes: _Optional[int] = ..., deposit_transfer_id: _Optional[bytes] = ..., confirmer_id: _Optional[bytes] = ..., published_at_micros: _Optional[int] = ..., steps: _Optional[_Iterable[str]] = ...) -> None: ...

class PublishDemandRequest(_message.Message):
    __slots__ = ("order_id", "elder_id", "acting_person_id", "item_code", "window_start_micros", "window_end_micros", "community", "place", "notes", "paid_by")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ELDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTING_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_MICROS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_MICROS_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_FIELD_NUMBER: _ClassVar[int]
    PLACE_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    PAID_BY_FIELD_NUMBER: _ClassVar[int]
    order_id: bytes
    elder_id: bytes
    acting_person_id: bytes
    item_code: str
    window_start_micros: int
    window_end_micros: int
    community: str
    place: str
    notes: str
    paid_by: str
    def __init__(self, order_id: _Optional[bytes] = ..., elder_id: _Optional[bytes] = ..., acting_person_id: _Optional[bytes] = ..., item_code: _Optional[str] = ..., window_start_micros: _Optional[int] = ..., window_end_micros: _Optional[int] = ..., community: _Optional[str] = ..., place: _Optional[str] = ..., notes: _Optional[str] = ..., paid_by: _Optional[str] = ...) -> None: ...

class GetOrderRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: bytes
    def __init__(self, order_id: _Optional[bytes] = ...) -> None: ...

class ListOrdersRequest(_message.Message):
    __slots__ = ("state", "person_id", "limit")
    STATE_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    state: str
    person_id: bytes
    limit: int
    def __init__(self, state: _Optional[str] = ..., person_id: _Optional[bytes] = ..., limit: _Optional[int] = ...) -> None: ...

class ListOrdersResponse(_message.Message):
    __slots__ = ("orders",)
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[Order]
    def __init__(self, orders: _Optional[_Iterable[_Union[Order, _Mapping]]] = ...) -> None: ...

class Candidate(_message.Message):
    __slots__ = ("person_id", "name", "home_node_id", "same_community", "rating_average_percent", "recent_minutes", "rank")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    HOME_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    SAME_COMMUNITY_FIELD_NUMBER: _ClassVar[int]
    RATING_AVERAGE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    RECENT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    person_id: bytes
    name: str
    home_node_id: str
    same_community: bool
    rating_average_percent: int
    recent_minutes: int
    rank: int
    def __init__(self, person_id: _Optional[bytes] = ..., name: _Optional[str] = ..., home_node_id: _Optional[str] = ..., same_community: _Optional[bool] = ..., rating_average_percent: _Optional[int] = ..., recent_minutes: _Optional[int] = ..., rank: _Optional[int] = ...) -> None: ...

class MatchDemandRequest(_message.Message):
    __slots__ = ("order_id", "limit")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    order_id: bytes
    limit: int
    def __init__(self, order_id: _Optional[bytes] = ..., limit: _Optional[int] = ...) -> None: ...

class MatchDemandResponse(_message.Message):
    __slots__ = ("candidates",)
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    candidates: _containers.RepeatedCompositeFieldContainer[Candidate]
    def __init__(self, candidates: _Optional[_Iterable[_Union[Candidate, _Mapping]]] = ...) -> None: ...

class AcceptDemandRequest(_message.Message):
    __slots__ = ("order_id", "volunteer_id", "operator")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    order_id: bytes
    volunteer_id: bytes
    operator: str
    def __init__(self, order_id: _Optional[bytes] = ..., volunteer_id: _Optional[bytes] = ..., operator: _Optional[str] = ...) -> None: ...

class CancelOrderRequest(_message.Message):
    __slots__ = ("order_id", "acting_person_id", "operator", "reason")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTING_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    order_id: bytes
    acting_person_id: bytes
    operator: str
    reason: str
    def __init__(self, order_id: _Optional[bytes] = ..., acting_person_id: _Optional[bytes] = ..., operator: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ReleaseOrderRequest(_message.Message):
    __slots__ = ("order_id", "acting_person_id", "operator", "reason")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTING_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    order_id: bytes
    acting_person_id: bytes
    operator: str
    reason: str
    def __init__(self, order_id: _Optional[bytes] = ..., acting_person_id: _Optional[bytes] = ..., operator: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class IssueCodeRequest(_message.Message):
    __slots__ = ("order_id", "purpose")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    order_id: bytes
    purpose: str
    def __init__(self, order_id: _Optional[bytes] = ..., purpose: _Optional[str] = ...) -> None: ...

class IssueCodeResponse(_message.Message):
    __slots__ = ("code", "expires_at_micros")
    CODE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    code: str
    expires_at_micros: int
    def __init__(self, code: _Optional[str] = ..., expires_at_micros: _Optional[int] = ...) -> None: ...

class ScanCodeRequest(_message.Message):
    __slots__ = ("code", "volunteer_id")
    CODE_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    code: str
    volunteer_id: bytes
    def __init__(self, code: _Optional[str] = ..., volunteer_id: _Optional[bytes] = ...) -> None: ...

class ConfirmOrderRequest(_message.Message):
    __slots__ = ("order_id", "acting_person_id")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTING_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: bytes
    acting_person_id: bytes
    def __init__(self, order_id: _Optional[bytes] = ..., acting_person_id: _Optional[bytes] = ...) -> None: ...

class Rating(_message.Message):
    __slots__ = ("order_id", "rater_id", "stars", "comment", "rated_at_micros")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    RATER_ID_FIELD_NUMBER: _ClassVar[int]
    STARS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    RATED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    order_id: bytes
    rater_id: bytes
    stars: int
    comment: str
    rated_at_micros: int
    def __init__(self, order_id: _Optional[bytes] = ..., rater_id: _Optional[bytes] = ..., stars: _Optional[int] = ..., comment: _Optional[str] = ..., rated_at_micros: _Optional[int] = ...) -> None: ...

class RateOrderRequest(_message.Message):
    __slots__ = ("order_id", "rater_id", "stars", "comment")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    RATER_ID_FIELD_NUMBER: _ClassVar[int]
    STARS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    order_id: bytes
    rater_id: bytes
    stars: int
    comment: str
    def __init__(self, order_id: _Optional[bytes] = ..., rater_id: _Optional[bytes] = ..., stars: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class FollowUp(_message.Message):
    __slots__ = ("order_id", "operator", "note", "recorded_at_micros")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    order_id: bytes
    operator: str
    note: str
    recorded_at_micros: int
    def __init__(self, order_id: _Optional[bytes] = ..., operator: _Optional[str] = ..., note: _Optional[str] = ..., recorded_at_micros: _Optional[int] = ...) -> None: ...

class RecordFollowUpRequest(_message.Message):
    __slots__ = ("order_id", "operator", "note")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    order_id: bytes
    operator: str
    note: str
    def __init__(self, order_id: _Optional[bytes] = ..., operator: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class Dispute(_message.Message):
    __slots__ = ("dispute_id", "order_id", "opener_id", "reason", "state", "hold_transfer_id", "decision", "decided_minutes", "resolution_reason", "steps", "opened_at_micros")
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    OPENER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    HOLD_TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    DECIDED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_REASON_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    dispute_id: bytes
    order_id: bytes
    opener_id: bytes
    reason: str
    state: str
    hold_transfer_id: bytes
    decision: str
    decided_minutes: int
    resolution_reason: str
    steps: _containers.RepeatedScalarFieldContainer[str]
    opened_at_micros: int
    def __init__(self, dispute_id: _Optional[bytes] = ..., order_id: _Optional[bytes] = ..., opener_id: _Optional[bytes] = ..., reason: _Optional[str] = ..., state: _Optional[str] = ..., hold_transfer_id: _Optional[bytes] = ..., decision: _Optional[str] = ..., decided_minutes: _Optional[int] = ..., resolution_reason: _Optional[str] = ..., steps: _Optional[_Iterable[str]] = ..., opened_at_micros: _Optional[int] = ...) -> None: ...

class OpenDisputeRequest(_message.Message):
    __slots__ = ("dispute_id", "order_id", "acting_person_id", "reason")
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTING_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    dispute_id: bytes
    order_id: bytes
    acting_person_id: bytes
    reason: str
    def __init__(self, dispute_id: _Optional[bytes] = ..., order_id: _Optional[bytes] = ..., acting_person_id: _Optional[bytes] = ..., reason: _Optional[str] = ...) -> None: ...

class ResolveDisputeRequest(_message.Message):
    __slots__ = ("dispute_id", "decision", "decided_minutes", "reason", "operator")
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    DECIDED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    dispute_id: bytes
    decision: str
    decided_minutes: int
    reason: str
    operator: str
    def __init__(self, dispute_id: _Optional[bytes] = ..., decision: _Optional[str] = ..., decided_minutes: _Optional[int] = ..., reason: _Optional[str] = ..., operator: _Optional[str] = ...) -> None: ...

class GetDisputeRequest(_message.Message):
    __slots__ = ("dispute_id",)
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    dispute_id: bytes
    def __init__(self, dispute_id: _Optional[bytes] = ...) -> None: ...

class ListDisputesRequest(_message.Message):
    __slots__ = ("state", "order_id", "limit")
    STATE_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    state: str
    order_id: bytes
    limit: int
    def __init__(self, state: _Optional[str] = ..., order_id: _Optional[bytes] = ..., limit: _Optional[int] = ...) -> None: ...

class ListDisputesResponse(_message.Message):
    __slots__ = ("disputes",)
    DISPUTES_FIELD_NUMBER: _ClassVar[int]
    disputes: _containers.RepeatedCompositeFieldContainer[Dispute]
    def __init__(self, disputes: _Optional[_Iterable[_Union[Dispute, _Mapping]]] = ...) -> None: ...

class Movement(_message.Message):
    __slots__ = ("transfer_id", "kind", "person_id", "counterparty_node_id", "counterparty_id", "amount_minutes", "state", "memo", "at_micros", "order_id", "item_code", "month")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTERPARTY_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTERPARTY_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    transfer_id: bytes
    kind: str
    person_id: bytes
    counterparty_node_id: str
    counterparty_id: bytes
    amount_minutes: int
    state: str
    memo: str
    at_micros: int
    order_id: bytes
    item_code: str
    month: str
    def __init__(self, transfer_id: _Optional[bytes] = ..., kind: _Optional[str] = ..., person_id: _Optional[bytes] = ..., counterparty_node_id: _Optional[str] = ..., counterparty_id: _Optional[bytes] = ..., amount_minutes: _Optional[int] = ..., state: _Optional[str] = ..., memo: _Optional[str] = ..., at_micros: _Optional[int] = ..., order_id: _Optional[bytes] = ..., item_code: _Optional[str] = ..., month: _Optional[str] = ...) -> None: ...

class ListMovementsRequest(_message.Message):
    __slots__ = ("person_id", "limit")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    person_id: bytes
    limit: int
    def __init__(self, person_id: _Optional[bytes] = ..., limit: _Optional[int] = ...) -> None: ...

class ListMovementsResponse(_message.Message):
    __slots__ = ("movements",)
    MOVEMENTS_FIELD_NUMBER: _ClassVar[int]
    movements: _containers.RepeatedCompositeFieldContainer[Movement]
    def __init__(self, movements: _Optional[_Iterable[_Union[Movement, _Mapping]]] = ...) -> None: ...

class GiveHoursRequest(_message.Message):
    __slots__ = ("transfer_id", "from_person_id", "to_node_id", "to_person_id", "amount_minutes")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    TO_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    TO_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    transfer_id: bytes
    from_person_id: bytes
    to_node_id: str
    to_person_id: bytes
    amount_minutes: int
    def __init__(self, transfer_id: _Optional[bytes] = ..., from_person_id: _Optional[bytes] = ..., to_node_id: _Optional[str] = ..., to_person_id: _Optional[bytes] = ..., amount_minutes: _Optional[int] = ...) -> None: ...

class DonateRequest(_message.Message):
    __slots__ = ("transfer_id", "person_id", "amount_minutes")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    transfer_id: bytes
    person_id: bytes
    amount_minutes: int
    def __init__(self, transfer_id: _Optional[bytes] = ..., person_id: _Optional[bytes] = ..., amount_minutes: _Optional[int] = ...) -> None: ...

class GrantFromPoolRequest(_message.Message):
    __slots__ = ("transfer_id", "elder_id", "amount_minutes", "reason", "operator")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    ELDER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    transfer_id: bytes
    elder_id: bytes
    amount_minutes: int
    reason: str
    operator: str
    def __init__(self, transfer_id: _Optional[bytes] = ..., elder_id: _Optional[bytes] = ..., amount_minutes: _Optional[int] = ..., reason: _Optional[str] = ..., operator: _Optional[str] = ...) -> None: ...

class MallItem(_message.Message):
    __slots__ = ("item_code", "name", "price_minutes", "stock", "reserved")
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRICE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    STOCK_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FIELD_NUMBER: _ClassVar[int]
    item_code: str
    name: str
    price_minutes: int
    stock: int
    reserved: int
    def __init__(self, item_code: _Optional[str] = ..., name: _Optional[str] = ..., price_minutes: _Optional[int] = ..., stock: _Optional[int] = ..., reserved: _Optional[int] = ...) -> None: ...

class AddMallItemRequest(_message.Message):
    __slots__ = ("item_code", "name", "price_minutes", "stock_added")
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRICE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    STOCK_ADDED_FIELD_NUMBER: _ClassVar[int]
    item_code: str
    name: str
    price_minutes: int
    stock_added: int
    def __init__(self, item_code: _Optional[str] = ..., name: _Optional[str] = ..., price_minutes: _Optional[int] = ..., stock_added: _Optional[int] = ...) -> None: ...

class ListMallItemsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListMallItemsResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[MallItem]
    def __init__(self, items: _Optional[_Iterable[_Union[MallItem, _Mapping]]] = ...) -> None: ...

class MallRedemption(_message.Message):
    __slots__ = ("redemption_id", "person_id", "item_code", "quantity", "amount_minutes", "state", "transfer_id", "created_at_micros")
    REDEMPTION_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    redemption_id: bytes
    person_id: bytes
    item_code: str
    quantity: int
    amount_minutes: int
    state: str
    transfer_id: bytes
    created_at_micros: int
    def __init__(self, redemption_id: _Optional[bytes] = ..., person_id: _Optional[bytes] = ..., item_code: _Optional[str] = ..., quantity: _Optional[int] = ..., amount_minutes: _Optional[int] = ..., state: _Optional[str] = ..., transfer_id: _Optional[bytes] = ..., created_at_micros: _Optional[int] = ...) -> None: ...

class RedeemMallItemRequest(_message.Message):
    __slots__ = ("redemption_id", "person_id", "item_code", "quantity")
    REDEMPTION_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    redemption_id: bytes
    person_id: bytes
    item_code: str
    quantity: int
    def __init__(self, redemption_id: _Optional[bytes] = ..., person_id: _Optional[bytes] = ..., item_code: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class ListRedemptionsRequest(_message.Message):
    __slots__ = ("state", "person_id", "limit")
    STATE_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    state: str
    person_id: bytes
    limit: int
    def __init__(self, state: _Optional[str] = ..., person_id: _Optional[bytes] = ..., limit: _Optional[int] = ...) -> None: ...

class ListRedemptionsResponse(_message.Message):
    __slots__ = ("redemptions",)
    REDEMPTIONS_FIELD_NUMBER: _ClassVar[int]
    redemptions: _containers.RepeatedCompositeFieldContainer[MallRedemption]
    def __init__(self, redemptions: _Optional[_Iterable[_Union[MallRedemption, _Mapping]]] = ...) -> None: ...

class SettleRedemptionRequest(_message.Message):
    __slots__ = ("redemption_id", "cancel")
    REDEMPTION_ID_FIELD_NUMBER: _ClassVar[int]
    CANCEL_FIELD_NUMBER: _ClassVar[int]
    redemption_id: bytes
    cancel: bool
    def __init__(self, redemption_id: _Optional[bytes] = ..., cancel: _Optional[bool] = ...) -> None: ...

class Team(_message.Message):
    __slots__ = ("team_code", "name", "kind", "member_count", "created_at_micros")
    TEAM_CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MEMBER_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    team_code: str
    name: str
    kind: str
    member_count: int
    created_at_micros: int
    def __init__(self, team_code: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., member_count: _Optional[int] = ..., created_at_micros: _Optional[int] = ...) -> None: ...

class TeamMember(_message.Message):
    __slots__ = ("team_code", "person_id", "joined_at_micros")
    TEAM_CODE_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    JOINED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    team_code: str
    person_id: bytes
    joined_at_micros: int
    def __init__(self, team_code: _Optional[str] = ..., person_id: _Optional[bytes] = ..., joined_at_micros: _Optional[int] = ...) -> None: ...

class CreateTeamRequest(_message.Message):
    __slots__ = ("team_code", "name", "kind")
    TEAM_CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    team_code: str
    name: str
    kind: str
    def __init__(self, team_code: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ...) -> None: ...

class JoinTeamRequest(_message.Message):
    __slots__ = ("team_code", "person_id")
    TEAM_CODE_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    team_code: str
    person_id: bytes
    def __init__(self, team_code: _Optional[str] = ..., person_id: _Optional[bytes] = ...) -> None: ...

class ListTeamsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListTeamsResponse(_message.Message):
    __slots__ = ("teams",)
    TEAMS_FIELD_NUMBER: _ClassVar[int]
    teams: _containers.RepeatedCompositeFieldContainer[Team]
    def __init__(self, teams: _Optional[_Iterable[_Union[Team, _Mapping]]] = ...) -> None: ...

class StatisticsRow(_message.Message):
    __slots__ = ("dimension", "key", "deposited_minutes", "redeemed_minutes", "order_count", "donated_minutes", "family_minutes", "granted_minutes")
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    DEPOSITED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    REDEEMED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    ORDER_COUNT_FIELD_NUMBER: _ClassVar[int]
    DONATED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    FAMILY_MINUTES_FIELD_NUMBER: _ClassVar[int]
    GRANTED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    dimension: str
    key: str
    deposited_minutes: int
    redeemed_minutes: int
    order_count: int
    donated_minutes: int
    family_minutes: int
    granted_minutes: int
    def __init__(self, dimension: _Optional[str] = ..., key: _Optional[str] = ..., deposited_minutes: _Optional[int] = ..., redeemed_minutes: _Optional[int] = ..., order_count: _Optional[int] = ..., donated_minutes: _Optional[int] = ..., family_minutes: _Optional[int] = ..., granted_minutes: _Optional[int] = ...) -> None: ...

class MonthOutstanding(_message.Message):
    __slots__ = ("month", "outstanding_minutes")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_MINUTES_FIELD_NUMBER: _ClassVar[int]
    month: str
    outstanding_minutes: int
    def __init__(self, month: _Optional[str] = ..., outstanding_minutes: _Optional[int] = ...) -> None: ...

class GetStatisticsRequest(_message.Message):
    __slots__ = ("from_month", "to_month")
    FROM_MONTH_FIELD_NUMBER: _ClassVar[int]
    TO_MONTH_FIELD_NUMBER: _ClassVar[int]
    from_month: str
    to_month: str
    def __init__(self, from_month: _Optional[str] = ..., to_month: _Optional[str] = ...) -> None: ...

class Statistics(_message.Message):
    __slots__ = ("node_id", "rows", "active_volunteers", "outstanding_minutes", "trend", "open_alerts", "deposited_today_minutes")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_VOLUNTEERS_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_MINUTES_FIELD_NUMBER: _ClassVar[int]
    TREND_FIELD_NUMBER: _ClassVar[int]
    OPEN_ALERTS_FIELD_NUMBER: _ClassVar[int]
    DEPOSITED_TODAY_MINUTES_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    rows: _containers.RepeatedCompositeFieldContainer[StatisticsRow]
    active_volunteers: int
    outstanding_minutes: int
    trend: _containers.RepeatedCompositeFieldContainer[MonthOutstanding]
    open_alerts: int
    deposited_today_minutes: int
    def __init__(self, node_id: _Optional[str] = ..., rows: _Optional[_Iterable[_Union[StatisticsRow, _Mapping]]] = ..., active_volunteers: _Optional[int] = ..., outstanding_minutes: _Optional[int] = ..., trend: _Optional[_Iterable[_Union[MonthOutstanding, _Mapping]]] = ..., open_alerts: _Optional[int] = ..., deposited_today_minutes: _Optional[int] = ...) -> None: ...

class Alert(_message.Message):
    __slots__ = ("alert_id", "rule", "subject_id", "evidence", "raised_at_micros", "acknowledged_by", "acknowledged_note", "acknowledged_at_micros", "fingerprint")
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    RAISED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_BY_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_NOTE_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    alert_id: int
    rule: str
    subject_id: bytes
    evidence: str
    raised_at_micros: int
    acknowledged_by: str
    acknowledged_note: str
    acknowledged_at_micros: int
    fingerprint: str
    def __init__(self, alert_id: _Optional[int] = ..., rule: _Optional[str] = ..., subject_id: _Optional[bytes] = ..., evidence: _Optional[str] = ..., raised_at_micros: _Optional[int] = ..., acknowledged_by: _Optional[str] = ..., acknowledged_note: _Optional[str] = ..., acknowledged_at_micros: _Optional[int] = ..., fingerprint: _Optional[str] = ...) -> None: ...

class ListAlertsRequest(_message.Message):
    __slots__ = ("include_acknowledged",)
    INCLUDE_ACKNOWLEDGED_FIELD_NUMBER: _ClassVar[int]
    include_acknowledged: bool
    def __init__(self, include_acknowledged: _Optional[bool] = ...) -> None: ...

class ListAlertsResponse(_message.Message):
    __slots__ = ("alerts",)
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    alerts: _containers.RepeatedCompositeFieldContainer[Alert]
    def __init__(self, alerts: _Optional[_Iterable[_Union[Alert, _Mapping]]] = ...) -> None: ...

class AcknowledgeAlertRequest(_message.Message):
    __slots__ = ("alert_id", "operator", "note")
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    alert_id: int
    operator: str
    note: str
    def __init__(self, alert_id: _Optional[int] = ..., operator: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class IssueCertificateRequest(_message.Message):
    __slots__ = ("certificate_id", "person_id", "period_from", "period_to")
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FROM_FIELD_NUMBER: _ClassVar[int]
    PERIOD_TO_FIELD_NUMBER: _ClassVar[int]
    certificate_id: bytes
    person_id: bytes
    period_from: str
    period_to: str
    def __init__(self, certificate_id: _Optional[bytes] = ..., person_id: _Optional[bytes] = ..., period_from: _Optional[str] = ..., period_to: _Optional[str] = ...) -> None: ...

class Certificate(_message.Message):
    __slots__ = ("certificate_file", "html", "total_minutes")
    CERTIFICATE_FILE_FIELD_NUMBER: _ClassVar[int]
    HTML_FIELD_NUMBER: _ClassVar[int]
    TOTAL_MINUTES_FIELD_NUMBER: _ClassVar[int]
    certificate_file: bytes
    html: str
    total_minutes: int
    def __init__(self, certificate_file: _Optional[bytes] = ..., html: _Optional[str] = ..., total_minutes: _Optional[int] = ...) -> None: ...

class Policy(_message.Message):
    __slots__ = ("storage_cap_minutes", "redeem_age_min_years", "redeem_age_min_hardship_years", "group_hours_donate_only", "give_after_days", "daily_service_minutes_max", "code_valid_seconds", "proxy_elders_max", "pool_grant_balance_max_minutes", "implausible_minutes_min", "implausible_minutes_max", "back_and_forth_days", "utc_offset_hours")
    STORAGE_CAP_MINUTES_FIELD_NUMBER: _ClassVar[int]
    REDEEM_AGE_MIN_YEARS_FIELD_NUMBER: _ClassVar[int]
    REDEEM_AGE_MIN_HARDSHIP_YEARS_FIELD_NUMBER: _ClassVar[int]
    GROUP_HOURS_DONATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    GIVE_AFTER_DAYS_FIELD_NUMBER: _ClassVar[int]
    DAILY_SERVICE_MINUTES_MAX_FIELD_NUMBER: _ClassVar[int]
    CODE_VALID_SECONDS_FIELD_NUMBER: _ClassVar[int]
    PROXY_ELDERS_MAX_FIELD_NUMBER: _ClassVar[int]
    POOL_GRANT_BALANCE_MAX_MINUTES_FIELD_NUMBER: _ClassVar[int]
    IMPLAUSIBLE_MINUTES_MIN_FIELD_NUMBER: _ClassVar[int]
    IMPLAUSIBLE_MINUTES_MAX_FIELD_NUMBER: _ClassVar[int]
    BACK_AND_FORTH_DAYS_FIELD_NUMBER: _ClassVar[int]
    UTC_OFFSET_HOURS_FIELD_NUMBER: _ClassVar[int]
    storage_cap_minutes: int
    redeem_age_min_years: int
    redeem_age_min_hardship_years: int
    group_hours_donate_only: bool
    give_after_days: int
    daily_service_minutes_max: int
    code_valid_seconds: int
    proxy_elders_max: int
    pool_grant_balance_max_minutes: int
    implausible_minutes_min: int
    implausible_minutes_max: int
    back_and_forth_days: int
    utc_offset_hours: int
    def __init__(self, storage_cap_minutes: _Optional[int] = ..., redeem_age_min_years: _Optional[int] = ..., redeem_age_min_hardship_years: _Optional[int] = ..., group_hours_donate_only: _Optional[bool] = ..., give_after_days: _Optional[int] = ..., daily_service_minutes_max: _Optional[int] = ..., code_valid_seconds: _Optional[int] = ..., proxy_elders_max: _Optional[int] = ..., pool_grant_balance_max_minutes: _Optional[int] = ..., implausible_minutes_min: _Optional[int] = ..., implausible_minutes_max: _Optional[int] = ..., back_and_forth_days: _Optional[int] = ..., utc_offset_hours: _Optional[int] = ...) -> None: ...

class GetPolicyRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ImportRow(_message.Message):
    __slots__ = ("row_number", "platform", "source_record_id", "name", "identity_type", "identity_number", "volunteer_number", "organisation", "activity", "service_date", "sign_in", "sign_out", "stated_hours", "origin")
    ROW_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    SOURCE_RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_TYPE_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_NUMBER_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    SERVICE_DATE_FIELD_NUMBER: _ClassVar[int]
    SIGN_IN_FIELD_NUMBER: _ClassVar[int]
    SIGN_OUT_FIELD_NUMBER: _ClassVar[int]
    STATED_HOURS_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    row_number: int
    platform: str
    source_record_id: str
    name: str
    identity_type: str
    identity_number: str
    volunteer_number: str
    organisation: str
    activity: str
    service_date: str
    sign_in: str
    sign_out: str
    stated_hours: str
    origin: str
    def __init__(self, row_number: _Optional[int] = ..., platform: _Optional[str] = ..., source_record_id: _Optional[str] = ..., name: _Optional[str] = ..., identity_type: _Optional[str] = ..., identity_number: _Optional[str] = ..., volunteer_number: _Optional[str] = ..., organisation: _Optional[str] = ..., activity: _Optional[str] = ..., service_date: _Optional[str] = ..., sign_in: _Optional[str] = ..., sign_out: _Optional[str] = ..., stated_hours: _Optional[str] = ..., origin: _Optional[str] = ...) -> None: ...

class SubmitImportRequest(_message.Message):
    __slots__ = ("batch_id", "file_name", "file_sha256", "rows", "dry_run", "operator")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    batch_id: bytes
    file_name: str
    file_sha256: bytes
    rows: _containers.RepeatedCompositeFieldContainer[ImportRow]
    dry_run: bool
    operator: str
    def __init__(self, batch_id: _Optional[bytes] = ..., file_name: _Optional[str] = ..., file_sha256: _Optional[bytes] = ..., rows: _Optional[_Iterable[_Union[ImportRow, _Mapping]]] = ..., dry_run: _Optional[bool] = ..., operator: _Optional[str] = ...) -> None: ...

class ImportOutcome(_message.Message):
    __slots__ = ("row_number", "accepted", "reason", "person_id", "minutes", "platform", "source_record_id", "name", "service_date", "activity")
    ROW_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    MINUTES_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    SOURCE_RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SERVICE_DATE_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    row_number: int
    accepted: bool
    reason: str
    person_id: bytes
    minutes: int
    platform: str
    source_record_id: str
    name: str
    service_date: str
    activity: str
    def __init__(self, row_number: _Optional[int] = ..., accepted: _Optional[bool] = ..., reason: _Optional[str] = ..., person_id: _Optional[bytes] = ..., minutes: _Optional[int] = ..., platform: _Optional[str] = ..., source_record_id: _Optional[str] = ..., name: _Optional[str] = ..., service_date: _Optional[str] = ..., activity: _Optional[str] = ...) -> None: ...

class ImportBatch(_message.Message):
    __slots__ = ("batch_id", "file_name", "file_sha256", "state", "submitted_by", "submitted_at_micros", "reviewed_by", "reviewed_at_micros", "review_note", "row_count", "accepted_count", "accepted_minutes", "applied_count", "applied_minutes", "outcomes")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_BY_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_BY_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    REVIEW_NOTE_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    APPLIED_COUNT_FIELD_NUMBER: _ClassVar[int]
    APPLIED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    batch_id: bytes
    file_name: str
    file_sha256: str
    state: str
    submitted_by: str
    submitted_at_micros: int
    reviewed_by: str
    reviewed_at_micros: int
    review_note: str
    row_count: int
    accepted_count: int
    accepted_minutes: int
    applied_count: int
    applied_minutes: int
    outcomes: _containers.RepeatedCompositeFieldContainer[ImportOutcome]
    def __init__(self, batch_id: _Optional[bytes] = ..., file_name: _Optional[str] = ..., file_sha256: _Optional[str] = ..., state: _Optional[str] = ..., submitted_by: _Optional[str] = ..., submitted_at_micros: _Optional[int] = ..., reviewed_by: _Optional[str] = ..., reviewed_at_micros: _Optional[int] = ..., review_note: _Optional[str] = ..., row_count: _Optional[int] = ..., accepted_count: _Optional[int] = ..., accepted_minutes: _Optional[int] = ..., applied_count: _Optional[int] = ..., applied_minutes: _Optional[int] = ..., outcomes: _Optional[_Iterable[_Union[ImportOutcome, _Mapping]]] = ...) -> None: ...

class ReviewImportRequest(_message.Message):
    __slots__ = ("batch_id", "approve", "note", "operator")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    batch_id: bytes
    approve: bool
    note: str
    operator: str
    def __init__(self, batch_id: _Optional[bytes] = ..., approve: _Optional[bool] = ..., note: _Optional[str] = ..., operator: _Optional[str] = ...) -> None: ...

class GetImportRequest(_message.Message):
    __slots__ = ("batch_id",)
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    batch_id: bytes
    def __init__(self, batch_id: _Optional[bytes] = ...) -> None: ...

class ListImportsRequest(_message.Message):
    __slots__ = ("state", "limit")
    STATE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    state: str
    limit: int
    def __init__(self, state: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListImportsResponse(_message.Message):
    __slots__ = ("batches",)
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    batches: _containers.RepeatedCompositeFieldContainer[ImportBatch]
    def __init__(self, batches: _Optional[_Iterable[_Union[ImportBatch, _Mapping]]] = ...) -> None: ...
