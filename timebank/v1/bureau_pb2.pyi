from timebank.v1 import clearing_pb2 as _clearing_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListSecurityEventsRequest(_message.Message):
    __slots__ = ("kind", "limit")
    KIND_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    kind: str
    limit: int
    def __init__(self, kind: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class SecurityEvent(_message.Message):
    __slots__ = ("kind", "peer", "window_start_micros", "first_at_micros", "last_at_micros", "occurrences", "detail", "evidence")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PEER_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_MICROS_FIELD_NUMBER: _ClassVar[int]
    FIRST_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    LAST_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCES_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    kind: str
    peer: str
    window_start_micros: int
    first_at_micros: int
    last_at_micros: int
    occurrences: int
    detail: str
    evidence: bytes
    def __init__(self, kind: _Optional[str] = ..., peer: _Optional[str] = ..., window_start_micros: _Optional[int] = ..., first_at_micros: _Optional[int] = ..., last_at_micros: _Optional[int] = ..., occurrences: _Optional[int] = ..., detail: _Optional[str] = ..., evidence: _Optional[bytes] = ...) -> None: ...

class ListSecurityEventsResponse(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[SecurityEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[SecurityEvent, _Mapping]]] = ...) -> None: ...

class GetCitySupervisionRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AcknowledgeNodeAlertRequest(_message.Message):
    __slots__ = ("node_id", "alert_id", "note", "operator")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    alert_id: int
    note: str
    operator: str
    def __init__(self, node_id: _Optional[str] = ..., alert_id: _Optional[int] = ..., note: _Optional[str] = ..., operator: _Optional[str] = ...) -> None: ...

class BureauAcknowledgement(_message.Message):
    __slots__ = ("node_id", "alert_id", "account", "note", "acknowledged_at_micros", "delivered")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    alert_id: int
    account: str
    note: str
    acknowledged_at_micros: int
    delivered: bool
    def __init__(self, node_id: _Optional[str] = ..., alert_id: _Optional[int] = ..., account: _Optional[str] = ..., note: _Optional[str] = ..., acknowledged_at_micros: _Optional[int] = ..., delivered: _Optional[bool] = ...) -> None: ...

class NodeSupervision(_message.Message):
    __slots__ = ("node_id", "received_at_micros", "report")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    received_at_micros: int
    report: _clearing_pb2.SupervisionReport
    def __init__(self, node_id: _Optional[str] = ..., received_at_micros: _Optional[int] = ..., report: _Optional[_Union[_clearing_pb2.SupervisionReport, _Mapping]] = ...) -> None: ...

class CitySupervision(_message.Message):
    __slots__ = ("nodes", "acknowledgements", "guarantee_minutes", "guarantee_warn_percent")
    NODES_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGEMENTS_FIELD_NUMBER: _ClassVar[int]
    GUARANTEE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    GUARANTEE_WARN_PERCENT_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[NodeSupervision]
    acknowledgements: _containers.RepeatedCompositeFieldContainer[BureauAcknowledgement]
    guarantee_minutes: int
    guarantee_warn_percent: int
    def __init__(self, nodes: _Optional[_Iterable[_Union[NodeSupervision, _Mapping]]] = ..., acknowledgements: _Optional[_Iterable[_Union[BureauAcknowledgement, _Mapping]]] = ..., guarantee_minutes: _Optional[int] = ..., guarantee_warn_percent: _Optional[int] = ...) -> None: ...

class GetCityNowRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class NodeState(_message.Message):
    __slots__ = ("node_id", "display_name", "kind", "status", "net_debit_cap_minutes", "pending_cap_minutes", "admitted_at_micros", "last_exchange_at_micros", "items_waiting", "transfers_held", "position_minutes", "witnessed_log_size", "open_alerts", "open_alarms", "reported_at_micros")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NET_DEBIT_CAP_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PENDING_CAP_MINUTES_FIELD_NUMBER: _ClassVar[int]
    ADMITTED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    LAST_EXCHANGE_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    ITEMS_WAITING_FIELD_NUMBER: _ClassVar[int]
    TRANSFERS_HELD_FIELD_NUMBER: _ClassVar[int]
    POSITION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    WITNESSED_LOG_SIZE_FIELD_NUMBER: _ClassVar[int]
    OPEN_ALERTS_FIELD_NUMBER: _ClassVar[int]
    OPEN_ALARMS_FIELD_NUMBER: _ClassVar[int]
    REPORTED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    display_name: str
    kind: str
    status: str
    net_debit_cap_minutes: int
    pending_cap_minutes: int
    admitted_at_micros: int
    last_exchange_at_micros: int
    items_waiting: int
    transfers_held: int
    position_minutes: int
    witnessed_log_size: int
    open_alerts: int
    open_alarms: int
    reported_at_micros: int
    def __init__(self, node_id: _Optional[str] = ..., display_name: _Optional[str] = ..., kind: _Optional[str] = ..., status: _Optional[str] = ..., net_debit_cap_minutes: _Optional[int] = ..., pending_cap_minutes: _Optional[int] = ..., admitted_at_micros: _Optional[int] = ..., last_exchange_at_micros: _Optional[int] = ..., items_waiting: _Optional[int] = ..., transfers_held: _Optional[int] = ..., position_minutes: _Optional[int] = ..., witnessed_log_size: _Optional[int] = ..., open_alerts: _Optional[int] = ..., open_alarms: _Optional[int] = ..., reported_at_micros: _Optional[int] = ...) -> None: ...

class Alarm(_message.Message):
    __slots__ = ("sequence", "kind", "detail", "raised_at_micros")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    RAISED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    kind: str
    detail: str
    raised_at_micros: int
    def __init__(self, sequence: _Optional[int] = ..., kind: _Optional[str] = ..., detail: _Optional[str] = ..., raised_at_micros: _Optional[int] = ...) -> None: ...

class CityNow(_message.Message):
    __slots__ = ("at_micros", "nodes", "transfers", "log_size", "log_checkpoint_size", "open_cycle_id", "open_cycle_closes_at_micros", "alarms", "halted_reason")
    class TransfersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    TRANSFERS_FIELD_NUMBER: _ClassVar[int]
    LOG_SIZE_FIELD_NUMBER: _ClassVar[int]
    LOG_CHECKPOINT_SIZE_FIELD_NUMBER: _ClassVar[int]
    OPEN_CYCLE_ID_FIELD_NUMBER: _ClassVar[int]
    OPEN_CYCLE_CLOSES_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    ALARMS_FIELD_NUMBER: _ClassVar[int]
    HALTED_REASON_FIELD_NUMBER: _ClassVar[int]
    at_micros: int
    nodes: _containers.RepeatedCompositeFieldContainer[NodeState]
    transfers: _containers.ScalarMap[str, int]
    log_size: int
    log_checkpoint_size: int
    open_cycle_id: int
    open_cycle_closes_at_micros: int
    alarms: _containers.RepeatedCompositeFieldContainer[Alarm]
    halted_reason: str
    def __init__(self, at_micros: _Optional[int] = ..., nodes: _Optional[_Iterable[_Union[NodeState, _Mapping]]] = ..., transfers: _Optional[_Mapping[str, int]] = ..., log_size: _Optional[int] = ..., log_checkpoint_size: _Optional[int] = ..., open_cycle_id: _Optional[int] = ..., open_cycle_closes_at_micros: _Optional[int] = ..., alarms: _Optional[_Iterable[_Union[Alarm, _Mapping]]] = ..., halted_reason: _Optional[str] = ...) -> None: ...

class AdmitNodeRequest(_message.Message):
    __slots__ = ("node_id", "display_name", "kind", "public_key_pem", "net_debit_cap_minutes", "pending_cap_minutes")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_PEM_FIELD_NUMBER: _ClassVar[int]
    NET_DEBIT_CAP_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PENDING_CAP_MINUTES_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    display_name: str
    kind: str
    public_key_pem: bytes
    net_debit_cap_minutes: int
    pending_cap_minutes: int
    def __init__(self, node_id: _Optional[str] = ..., display_name: _Optional[str] = ..., kind: _Optional[str] = ..., public_key_pem: _Optional[bytes] = ..., net_debit_cap_minutes: _Optional[int] = ..., pending_cap_minutes: _Optional[int] = ...) -> None: ...

class SetNodeStatusRequest(_message.Message):
    __slots__ = ("node_id", "status", "reason")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    status: str
    reason: str
    def __init__(self, node_id: _Optional[str] = ..., status: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RotateNodeKeyRequest(_message.Message):
    __slots__ = ("node_id", "public_key_pem", "overlap_seconds")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_PEM_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    public_key_pem: bytes
    overlap_seconds: int
    def __init__(self, node_id: _Optional[str] = ..., public_key_pem: _Optional[bytes] = ..., overlap_seconds: _Optional[int] = ...) -> None: ...

class RotateNodeKeyResponse(_message.Message):
    __slots__ = ("key_id",)
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    def __init__(self, key_id: _Optional[str] = ...) -> None: ...

class RevokeNodeKeyRequest(_message.Message):
    __slots__ = ("key_id", "reason")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    reason: str
    def __init__(self, key_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RevokeNodeKeyResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListRegistryRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RegistryKey(_message.Message):
    __slots__ = ("key_id", "party_id", "valid_from_micros", "valid_until_micros", "revoked_at_micros")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PARTY_ID_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_MICROS_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_MICROS_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    party_id: str
    valid_from_micros: int
    valid_until_micros: int
    revoked_at_micros: int
    def __init__(self, key_id: _Optional[str] = ..., party_id: _Optional[str] = ..., valid_from_micros: _Optional[int] = ..., valid_until_micros: _Optional[int] = ..., revoked_at_micros: _Optional[int] = ...) -> None: ...

class RegistryChange(_message.Message):
    __slots__ = ("sequence", "at_micros", "action", "node_id", "detail")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    at_micros: int
    action: str
    node_id: str
    detail: str
    def __init__(self, sequence: _Optional[int] = ..., at_micros: _Optional[int] = ..., action: _Optional[str] = ..., node_id: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class ListRegistryResponse(_message.Message):
    __slots__ = ("keys", "changes")
    KEYS_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[RegistryKey]
    changes: _containers.RepeatedCompositeFieldContainer[RegistryChange]
    def __init__(self, keys: _Optional[_Iterable[_Union[RegistryKey, _Mapping]]] = ..., changes: _Optional[_Iterable[_Union[RegistryChange, _Mapping]]] = ...) -> None: ...

class SearchCrossTransfersRequest(_message.Message):
    __slots__ = ("transfer_id_prefix", "node_id", "state", "prepared_from_micros", "prepared_to_micros", "limit")
    TRANSFER_ID_PREFIX_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PREPARED_FROM_MICROS_FIELD_NUMBER: _ClassVar[int]
    PREPARED_TO_MICROS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    transfer_id_prefix: str
    node_id: str
    state: str
    prepared_from_micros: int
    prepared_to_micros: int
    limit: int
    def __init__(self, transfer_id_prefix: _Optional[str] = ..., node_id: _Optional[str] = ..., state: _Optional[str] = ..., prepared_from_micros: _Optional[int] = ..., prepared_to_micros: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class CrossTransferSummary(_message.Message):
    __slots__ = ("transfer_id", "debit_node_id", "credit_node_id", "amount_minutes", "state", "reason", "prepared_at_micros", "decided_at_micros", "cycle_id")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    DEBIT_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PREPARED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    CYCLE_ID_FIELD_NUMBER: _ClassVar[int]
    transfer_id: bytes
    debit_node_id: str
    credit_node_id: str
    amount_minutes: int
    state: str
    reason: str
    prepared_at_micros: int
    decided_at_micros: int
    cycle_id: int
    def __init__(self, transfer_id: _Optional[bytes] = ..., debit_node_id: _Optional[str] = ..., credit_node_id: _Optional[str] = ..., amount_minutes: _Optional[int] = ..., state: _Optional[str] = ..., reason: _Optional[str] = ..., prepared_at_micros: _Optional[int] = ..., decided_at_micros: _Optional[int] = ..., cycle_id: _Optional[int] = ...) -> None: ...

class SearchCrossTransfersResponse(_message.Message):
    __slots__ = ("transfers", "more")
    TRANSFERS_FIELD_NUMBER: _ClassVar[int]
    MORE_FIELD_NUMBER: _ClassVar[int]
    transfers: _containers.RepeatedCompositeFieldContainer[CrossTransferSummary]
    more: bool
    def __init__(self, transfers: _Optional[_Iterable[_Union[CrossTransferSummary, _Mapping]]] = ..., more: _Optional[bool] = ...) -> None: ...

class ListCyclesRequest(_message.Message):
    __slots__ = ("limit",)
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    limit: int
    def __init__(self, limit: _Optional[int] = ...) -> None: ...

class CyclePosition(_message.Message):
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

class CycleFlow(_message.Message):
    __slots__ = ("debit_node_id", "credit_node_id", "amount_minutes", "count")
    DEBIT_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    debit_node_id: str
    credit_node_id: str
    amount_minutes: int
    count: int
    def __init__(self, debit_node_id: _Optional[str] = ..., credit_node_id: _Optional[str] = ..., amount_minutes: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...

class Cycle(_message.Message):
    __slots__ = ("cycle_id", "opened_at_micros", "closes_at_micros", "closed_at_micros", "scheduled", "positions", "flows")
    CYCLE_ID_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    CLOSES_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_FIELD_NUMBER: _ClassVar[int]
    POSITIONS_FIELD_NUMBER: _ClassVar[int]
    FLOWS_FIELD_NUMBER: _ClassVar[int]
    cycle_id: int
    opened_at_micros: int
    closes_at_micros: int
    closed_at_micros: int
    scheduled: bool
    positions: _containers.RepeatedCompositeFieldContainer[CyclePosition]
    flows: _containers.RepeatedCompositeFieldContainer[CycleFlow]
    def __init__(self, cycle_id: _Optional[int] = ..., opened_at_micros: _Optional[int] = ..., closes_at_micros: _Optional[int] = ..., closed_at_micros: _Optional[int] = ..., scheduled: _Optional[bool] = ..., positions: _Optional[_Iterable[_Union[CyclePosition, _Mapping]]] = ..., flows: _Optional[_Iterable[_Union[CycleFlow, _Mapping]]] = ...) -> None: ...

class ListCyclesResponse(_message.Message):
    __slots__ = ("cycles",)
    CYCLES_FIELD_NUMBER: _ClassVar[int]
    cycles: _containers.RepeatedCompositeFieldContainer[Cycle]
    def __init__(self, cycles: _Optional[_Iterable[_Union[Cycle, _Mapping]]] = ...) -> None: ...

class GetLogStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CheckpointSummary(_message.Message):
    __slots__ = ("tree_size", "root_hash", "published_at_micros", "key_id")
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    ROOT_HASH_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    tree_size: int
    root_hash: bytes
    published_at_micros: int
    key_id: str
    def __init__(self, tree_size: _Optional[int] = ..., root_hash: _Optional[bytes] = ..., published_at_micros: _Optional[int] = ..., key_id: _Optional[str] = ...) -> None: ...

class LogStatus(_message.Message):
    __slots__ = ("size", "last_logged_at_micros", "checkpoints", "witnessed_sizes", "alarms")
    class WitnessedSizesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    SIZE_FIELD_NUMBER: _ClassVar[int]
    LAST_LOGGED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    WITNESSED_SIZES_FIELD_NUMBER: _ClassVar[int]
    ALARMS_FIELD_NUMBER: _ClassVar[int]
    size: int
    last_logged_at_micros: int
    checkpoints: _containers.RepeatedCompositeFieldContainer[CheckpointSummary]
    witnessed_sizes: _containers.ScalarMap[str, int]
    alarms: _containers.RepeatedCompositeFieldContainer[Alarm]
    def __init__(self, size: _Optional[int] = ..., last_logged_at_micros: _Optional[int] = ..., checkpoints: _Optional[_Iterable[_Union[CheckpointSummary, _Mapping]]] = ..., witnessed_sizes: _Optional[_Mapping[str, int]] = ..., alarms: _Optional[_Iterable[_Union[Alarm, _Mapping]]] = ...) -> None: ...
