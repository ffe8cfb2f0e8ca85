from timebank.v1 import care_pb2 as _care_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LogEntry(_message.Message):
    __slots__ = ("index", "previous_hash", "logged_at_micros", "genesis", "registry_event", "received_batch", "received_item", "sent_item", "cycle_close", "posting", "report", "statement", "care_event")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_HASH_FIELD_NUMBER: _ClassVar[int]
    LOGGED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    GENESIS_FIELD_NUMBER: _ClassVar[int]
    REGISTRY_EVENT_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_BATCH_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_ITEM_FIELD_NUMBER: _ClassVar[int]
    SENT_ITEM_FIELD_NUMBER: _ClassVar[int]
    CYCLE_CLOSE_FIELD_NUMBER: _ClassVar[int]
    POSTING_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    CARE_EVENT_FIELD_NUMBER: _ClassVar[int]
    index: int
    previous_hash: bytes
    logged_at_micros: int
    genesis: LogGenesis
    registry_event: RegistryEvent
    received_batch: ReceivedBatch
    received_item: ReceivedItem
    sent_item: SentItem
    cycle_close: CycleClose
    posting: Posting
    report: ReportRecord
    statement: StatementRecord
    care_event: CareEvent
    def __init__(self, index: _Optional[int] = ..., previous_hash: _Optional[bytes] = ..., logged_at_micros: _Optional[int] = ..., genesis: _Optional[_Union[LogGenesis, _Mapping]] = ..., registry_event: _Optional[_Union[RegistryEvent, _Mapping]] = ..., received_batch: _Optional[_Union[ReceivedBatch, _Mapping]] = ..., received_item: _Optional[_Union[ReceivedItem, _Mapping]] = ..., sent_item: _Optional[_Union[SentItem, _Mapping]] = ..., cycle_close: _Optional[_Union[CycleClose, _Mapping]] = ..., posting: _Optional[_Union[Posting, _Mapping]] = ..., report: _Optional[_Union[ReportRecord, _Mapping]] = ..., statement: _Optional[_Union[StatementRecord, _Mapping]] = ..., care_event: _Optional[_Union[CareEvent, _Mapping]] = ...) -> None: ...

class LogGenesis(_message.Message):
    __slots__ = ("log_id", "owner_id")
    LOG_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    log_id: str
    owner_id: str
    def __init__(self, log_id: _Optional[str] = ..., owner_id: _Optional[str] = ...) -> None: ...

class KeyState(_message.Message):
    __slots__ = ("key_id", "party_id", "public_key", "valid_from_micros", "valid_until_micros", "revoked_at_micros")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PARTY_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_MICROS_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_MICROS_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    party_id: str
    public_key: bytes
    valid_from_micros: int
    valid_until_micros: int
    revoked_at_micros: int
    def __init__(self, key_id: _Optional[str] = ..., party_id: _Optional[str] = ..., public_key: _Optional[bytes] = ..., valid_from_micros: _Optional[int] = ..., valid_until_micros: _Optional[int] = ..., revoked_at_micros: _Optional[int] = ...) -> None: ...

class RegistryEvent(_message.Message):
    __slots__ = ("action", "party_id", "detail", "key")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    PARTY_ID_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    action: str
    party_id: str
    detail: str
    key: KeyState
    def __init__(self, action: _Optional[str] = ..., party_id: _Optional[str] = ..., detail: _Optional[str] = ..., key: _Optional[_Union[KeyState, _Mapping]] = ...) -> None: ...

class ReceivedBatch(_message.Message):
    __slots__ = ("header", "key_id", "signature")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    header: bytes
    key_id: str
    signature: bytes
    def __init__(self, header: _Optional[bytes] = ..., key_id: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class ReceivedItem(_message.Message):
    __slots__ = ("position", "item")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    position: int
    item: bytes
    def __init__(self, position: _Optional[int] = ..., item: _Optional[bytes] = ...) -> None: ...

class SentItem(_message.Message):
    __slots__ = ("recipient_id", "item")
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    recipient_id: str
    item: bytes
    def __init__(self, recipient_id: _Optional[str] = ..., item: _Optional[bytes] = ...) -> None: ...

class NodePosition(_message.Message):
    __slots__ = ("node_id", "debits_minutes", "debit_count", "credits_minutes", "credit_count", "net_minutes", "closing_minutes")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    DEBITS_MINUTES_FIELD_NUMBER: _ClassVar[int]
    DEBIT_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREDITS_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CREDIT_COUNT_FIELD_NUMBER: _ClassVar[int]
    NET_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CLOSING_MINUTES_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    debits_minutes: int
    debit_count: int
    credits_minutes: int
    credit_count: int
    net_minutes: int
    closing_minutes: int
    def __init__(self, node_id: _Optional[str] = ..., debits_minutes: _Optional[int] = ..., debit_count: _Optional[int] = ..., credits_minutes: _Optional[int] = ..., credit_count: _Optional[int] = ..., net_minutes: _Optional[int] = ..., closing_minutes: _Optional[int] = ...) -> None: ...

class CycleClose(_message.Message):
    __slots__ = ("cycle_id", "opened_at_micros", "closed_at_micros", "scheduled", "committed_count", "committed_minutes", "positions")
    CYCLE_ID_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    POSITIONS_FIELD_NUMBER: _ClassVar[int]
    cycle_id: int
    opened_at_micros: int
    closed_at_micros: int
    scheduled: bool
    committed_count: int
    committed_minutes: int
    positions: _containers.RepeatedCompositeFieldContainer[NodePosition]
    def __init__(self, cycle_id: _Optional[int] = ..., opened_at_micros: _Optional[int] = ..., closed_at_micros: _Optional[int] = ..., scheduled: _Optional[bool] = ..., committed_count: _Optional[int] = ..., committed_minutes: _Optional[int] = ..., positions: _Optional[_Iterable[_Union[NodePosition, _Mapping]]] = ...) -> None: ...

class Posting(_message.Message):
    __slots__ = ("transfer_id", "kind", "debit_account_id", "credit_account_id", "amount_minutes", "pending_id", "reverses_id")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DEBIT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PENDING_ID_FIELD_NUMBER: _ClassVar[int]
    REVERSES_ID_FIELD_NUMBER: _ClassVar[int]
    transfer_id: bytes
    kind: int
    debit_account_id: bytes
    credit_account_id: bytes
    amount_minutes: int
    pending_id: bytes
    reverses_id: bytes
    def __init__(self, transfer_id: _Optional[bytes] = ..., kind: _Optional[int] = ..., debit_account_id: _Optional[bytes] = ..., credit_account_id: _Optional[bytes] = ..., amount_minutes: _Optional[int] = ..., pending_id: _Optional[bytes] = ..., reverses_id: _Optional[bytes] = ...) -> None: ...

class CareEvent(_message.Message):
    __slots__ = ("operation", "subject", "record_json", "person", "relationship", "qualification", "order", "dispute", "rating", "follow_up", "movement", "mall_item", "mall_redemption", "team", "team_member", "alert", "catalogue_item", "import_batch", "by")
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    RECORD_JSON_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    QUALIFICATION_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_FIELD_NUMBER: _ClassVar[int]
    MOVEMENT_FIELD_NUMBER: _ClassVar[int]
    MALL_ITEM_FIELD_NUMBER: _ClassVar[int]
    MALL_REDEMPTION_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    TEAM_MEMBER_FIELD_NUMBER: _ClassVar[int]
    ALERT_FIELD_NUMBER: _ClassVar[int]
    CATALOGUE_ITEM_FIELD_NUMBER: _ClassVar[int]
    IMPORT_BATCH_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    operation: str
    subject: str
    record_json: str
    person: _care_pb2.Person
    relationship: _care_pb2.Relationship
    qualification: _care_pb2.Qualification
    order: _care_pb2.Order
    dispute: _care_pb2.Dispute
    rating: _care_pb2.Rating
    follow_up: _care_pb2.FollowUp
    movement: _care_pb2.Movement
    mall_item: _care_pb2.MallItem
    mall_redemption: _care_pb2.MallRedemption
    team: _care_pb2.Team
    team_member: _care_pb2.TeamMember
    alert: _care_pb2.Alert
    catalogue_item: _care_pb2.CatalogueItem
    import_batch: _care_pb2.ImportBatch
    by: str
    def __init__(self, operation: _Optional[str] = ..., subject: _Optional[str] = ..., record_json: _Optional[str] = ..., person: _Optional[_Union[_care_pb2.Person, _Mapping]] = ..., relationship: _Optional[_Union[_care_pb2.Relationship, _Mapping]] = ..., qualification: _Optional[_Union[_care_pb2.Qualification, _Mapping]] = ..., order: _Optional[_Union[_care_pb2.Order, _Mapping]] = ..., dispute: _Optional[_Union[_care_pb2.Dispute, _Mapping]] = ..., rating: _Optional[_Union[_care_pb2.Rating, _Mapping]] = ..., follow_up: _Optional[_Union[_care_pb2.FollowUp, _Mapping]] = ..., movement: _Optional[_Union[_care_pb2.Movement, _Mapping]] = ..., mall_item: _Optional[_Union[_care_pb2.MallItem, _Mapping]] = ..., mall_redemption: _Optional[_Union[_care_pb2.MallRedemption, _Mapping]] = ..., team: _Optional[_Union[_care_pb2.Team, _Mapping]] = ..., team_member: _Optional[_Union[_care_pb2.TeamMember, _Mapping]] = ..., alert: _Optional[_Union[_care_pb2.Alert, _Mapping]] = ..., catalogue_item: _Optional[_Union[_care_pb2.CatalogueItem, _Mapping]] = ..., import_batch: _Optional[_Union[_care_pb2.ImportBatch, _Mapping]] = ..., by: _Optional[str] = ...) -> None: ...

class ReportRecord(_message.Message):
    __slots__ = ("cycle_id", "report_sha256", "break_count", "positions")
    CYCLE_ID_FIELD_NUMBER: _ClassVar[int]
    REPORT_SHA256_FIELD_NUMBER: _ClassVar[int]
    BREAK_COUNT_FIELD_NUMBER: _ClassVar[int]
    POSITIONS_FIELD_NUMBER: _ClassVar[int]
    cycle_id: int
    report_sha256: bytes
    break_count: int
    positions: _containers.RepeatedCompositeFieldContainer[NodePosition]
    def __init__(self, cycle_id: _Optional[int] = ..., report_sha256: _Optional[bytes] = ..., break_count: _Optional[int] = ..., positions: _Optional[_Iterable[_Union[NodePosition, _Mapping]]] = ...) -> None: ...

class StatementRecord(_message.Message):
    __slots__ = ("statement", "clearing_balance_minutes")
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    CLEARING_BALANCE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    statement: SignedStatement
    clearing_balance_minutes: int
    def __init__(self, statement: _Optional[_Union[SignedStatement, _Mapping]] = ..., clearing_balance_minutes: _Optional[int] = ...) -> None: ...

class Checkpoint(_message.Message):
    __slots__ = ("log_id", "size", "root_hash", "timestamp_micros")
    LOG_ID_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    ROOT_HASH_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MICROS_FIELD_NUMBER: _ClassVar[int]
    log_id: str
    size: int
    root_hash: bytes
    timestamp_micros: int
    def __init__(self, log_id: _Optional[str] = ..., size: _Optional[int] = ..., root_hash: _Optional[bytes] = ..., timestamp_micros: _Optional[int] = ...) -> None: ...

class SignedCheckpoint(_message.Message):
    __slots__ = ("checkpoint", "key_id", "signature")
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    checkpoint: bytes
    key_id: str
    signature: bytes
    def __init__(self, checkpoint: _Optional[bytes] = ..., key_id: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class Statement(_message.Message):
    __slots__ = ("node_id", "cycle_id", "page", "page_count", "created_at_micros", "opening_minutes", "closing_minutes", "debits_minutes", "debit_count", "credits_minutes", "credit_count", "pending_minutes", "pending_count", "lines")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    CYCLE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    OPENING_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CLOSING_MINUTES_FIELD_NUMBER: _ClassVar[int]
    DEBITS_MINUTES_FIELD_NUMBER: _ClassVar[int]
    DEBIT_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREDITS_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CREDIT_COUNT_FIELD_NUMBER: _ClassVar[int]
    PENDING_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PENDING_COUNT_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    cycle_id: int
    page: int
    page_count: int
    created_at_micros: int
    opening_minutes: int
    closing_minutes: int
    debits_minutes: int
    debit_count: int
    credits_minutes: int
    credit_count: int
    pending_minutes: int
    pending_count: int
    lines: _containers.RepeatedCompositeFieldContainer[StatementLine]
    def __init__(self, node_id: _Optional[str] = ..., cycle_id: _Optional[int] = ..., page: _Optional[int] = ..., page_count: _Optional[int] = ..., created_at_micros: _Optional[int] = ..., opening_minutes: _Optional[int] = ..., closing_minutes: _Optional[int] = ..., debits_minutes: _Optional[int] = ..., debit_count: _Optional[int] = ..., credits_minutes: _Optional[int] = ..., credit_count: _Optional[int] = ..., pending_minutes: _Optional[int] = ..., pending_count: _Optional[int] = ..., lines: _Optional[_Iterable[_Union[StatementLine, _Mapping]]] = ...) -> None: ...

class StatementLine(_message.Message):
    __slots__ = ("transfer_id", "amount_minutes", "credit", "counterparty_node_id", "pending")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CREDIT_FIELD_NUMBER: _ClassVar[int]
    COUNTERPARTY_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    transfer_id: bytes
    amount_minutes: int
    credit: bool
    counterparty_node_id: str
    pending: bool
    def __init__(self, transfer_id: _Optional[bytes] = ..., amount_minutes: _Optional[int] = ..., credit: _Optional[bool] = ..., counterparty_node_id: _Optional[str] = ..., pending: _Optional[bool] = ...) -> None: ...

class SignedStatement(_message.Message):
    __slots__ = ("statement", "key_id", "signature")
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    statement: bytes
    key_id: str
    signature: bytes
    def __init__(self, statement: _Optional[bytes] = ..., key_id: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class GetCheckpointRequest(_message.Message):
    __slots__ = ("publish",)
    PUBLISH_FIELD_NUMBER: _ClassVar[int]
    publish: bool
    def __init__(self, publish: _Optional[bool] = ...) -> None: ...

class ListCheckpointsRequest(_message.Message):
    __slots__ = ("after_size", "limit")
    AFTER_SIZE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    after_size: int
    limit: int
    def __init__(self, after_size: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class ListCheckpointsResponse(_message.Message):
    __slots__ = ("checkpoints",)
    CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    checkpoints: _containers.RepeatedCompositeFieldContainer[SignedCheckpoint]
    def __init__(self, checkpoints: _Optional[_Iterable[_Union[SignedCheckpoint, _Mapping]]] = ...) -> None: ...

class GetEntriesRequest(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: int
    end: int
    def __init__(self, start: _Optional[int] = ..., end: _Optional[int] = ...) -> None: ...

class GetEntriesResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, entries: _Optional[_Iterable[bytes]] = ...) -> None: ...

class InclusionProofRequest(_message.Message):
    __slots__ = ("index", "tree_size")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    index: int
    tree_size: int
    def __init__(self, index: _Optional[int] = ..., tree_size: _Optional[int] = ...) -> None: ...

class ConsistencyProofRequest(_message.Message):
    __slots__ = ("old_size", "new_size")
    OLD_SIZE_FIELD_NUMBER: _ClassVar[int]
    NEW_SIZE_FIELD_NUMBER: _ClassVar[int]
    old_size: int
    new_size: int
    def __init__(self, old_size: _Optional[int] = ..., new_size: _Optional[int] = ...) -> None: ...

class ProofResponse(_message.Message):
    __slots__ = ("hashes",)
    HASHES_FIELD_NUMBER: _ClassVar[int]
    hashes: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, hashes: _Optional[_Iterable[bytes]] = ...) -> None: ...

class ProveTransferRequest(_message.Message):
    __slots__ = ("transfer_id",)
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    transfer_id: bytes
    def __init__(self, transfer_id: _Optional[bytes] = ...) -> None: ...

class ProvenEntry(_message.Message):
    __slots__ = ("index", "entry", "inclusion_proof")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    INCLUSION_PROOF_FIELD_NUMBER: _ClassVar[int]
    index: int
    entry: bytes
    inclusion_proof: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, index: _Optional[int] = ..., entry: _Optional[bytes] = ..., inclusion_proof: _Optional[_Iterable[bytes]] = ...) -> None: ...

class TransferProof(_message.Message):
    __slots__ = ("checkpoint", "batch", "prepare", "batch_path", "decision", "keys")
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    PREPARE_FIELD_NUMBER: _ClassVar[int]
    BATCH_PATH_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    checkpoint: SignedCheckpoint
    batch: ProvenEntry
    prepare: ProvenEntry
    batch_path: _containers.RepeatedScalarFieldContainer[bytes]
    decision: ProvenEntry
    keys: _containers.RepeatedCompositeFieldContainer[ProvenEntry]
    def __init__(self, checkpoint: _Optional[_Union[SignedCheckpoint, _Mapping]] = ..., batch: _Optional[_Union[ProvenEntry, _Mapping]] = ..., prepare: _Optional[_Union[ProvenEntry, _Mapping]] = ..., batch_path: _Optional[_Iterable[bytes]] = ..., decision: _Optional[_Union[ProvenEntry, _Mapping]] = ..., keys: _Optional[_Iterable[_Union[ProvenEntry, _Mapping]]] = ...) -> None: ...
