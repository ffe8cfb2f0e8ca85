from timebank.v1 import log_pb2 as _log_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Verdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERDICT_UNSPECIFIED: _ClassVar[Verdict]
    VERDICT_COMMIT: _ClassVar[Verdict]
    VERDICT_ABORT: _ClassVar[Verdict]
VERDICT_UNSPECIFIED: Verdict
VERDICT_COMMIT: Verdict
VERDICT_ABORT: Verdict

class BatchHeader(_message.Message):
    __slots__ = ("sender_id", "recipient_id", "batch_id", "created_at_micros", "item_count", "items_root", "seen_checkpoint_size", "seen_checkpoint_root")
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    ITEM_COUNT_FIELD_NUMBER: _ClassVar[int]
    ITEMS_ROOT_FIELD_NUMBER: _ClassVar[int]
    SEEN_CHECKPOINT_SIZE_FIELD_NUMBER: _ClassVar[int]
    SEEN_CHECKPOINT_ROOT_FIELD_NUMBER: _ClassVar[int]
    sender_id: str
    recipient_id: str
    batch_id: bytes
    created_at_micros: int
    item_count: int
    items_root: bytes
    seen_checkpoint_size: int
    seen_checkpoint_root: bytes
    def __init__(self, sender_id: _Optional[str] = ..., recipient_id: _Optional[str] = ..., batch_id: _Optional[bytes] = ..., created_at_micros: _Optional[int] = ..., item_count: _Optional[int] = ..., items_root: _Optional[bytes] = ..., seen_checkpoint_size: _Optional[int] = ..., seen_checkpoint_root: _Optional[bytes] = ...) -> None: ...

class SignedBatch(_message.Message):
    __slots__ = ("header", "key_id", "signature", "items", "checkpoint", "consistency_proof")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    CONSISTENCY_PROOF_FIELD_NUMBER: _ClassVar[int]
    header: bytes
    key_id: str
    signature: bytes
    items: _containers.RepeatedScalarFieldContainer[bytes]
    checkpoint: _log_pb2.SignedCheckpoint
    consistency_proof: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, header: _Optional[bytes] = ..., key_id: _Optional[str] = ..., signature: _Optional[bytes] = ..., items: _Optional[_Iterable[bytes]] = ..., checkpoint: _Optional[_Union[_log_pb2.SignedCheckpoint, _Mapping]] = ..., consistency_proof: _Optional[_Iterable[bytes]] = ...) -> None: ...

class CrossTransfer(_message.Message):
    __slots__ = ("transfer_id", "debit_node_id", "debit_account_id", "credit_node_id", "credit_account_id", "amount_minutes", "memo", "originator_node_id", "consent", "returns_id")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    DEBIT_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    DEBIT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    ORIGINATOR_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    CONSENT_FIELD_NUMBER: _ClassVar[int]
    RETURNS_ID_FIELD_NUMBER: _ClassVar[int]
    transfer_id: bytes
    debit_node_id: str
    debit_account_id: bytes
    credit_node_id: str
    credit_account_id: bytes
    amount_minutes: int
    memo: str
    originator_node_id: str
    consent: Consent
    returns_id: bytes
    def __init__(self, transfer_id: _Optional[bytes] = ..., debit_node_id: _Optional[str] = ..., debit_account_id: _Optional[bytes] = ..., credit_node_id: _Optional[str] = ..., credit_account_id: _Optional[bytes] = ..., amount_minutes: _Optional[int] = ..., memo: _Optional[str] = ..., originator_node_id: _Optional[str] = ..., consent: _Optional[_Union[Consent, _Mapping]] = ..., returns_id: _Optional[bytes] = ...) -> None: ...

class Consent(_message.Message):
    __slots__ = ("one_time_code", "mandate_id")
    ONE_TIME_CODE_FIELD_NUMBER: _ClassVar[int]
    MANDATE_ID_FIELD_NUMBER: _ClassVar[int]
    one_time_code: str
    mandate_id: bytes
    def __init__(self, one_time_code: _Optional[str] = ..., mandate_id: _Optional[bytes] = ...) -> None: ...

class Prepare(_message.Message):
    __slots__ = ("transfer", "expires_at_micros")
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    transfer: CrossTransfer
    expires_at_micros: int
    def __init__(self, transfer: _Optional[_Union[CrossTransfer, _Mapping]] = ..., expires_at_micros: _Optional[int] = ...) -> None: ...

class Vote(_message.Message):
    __slots__ = ("transfer_id", "accept", "reason")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    transfer_id: bytes
    accept: bool
    reason: str
    def __init__(self, transfer_id: _Optional[bytes] = ..., accept: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class Decision(_message.Message):
    __slots__ = ("transfer_id", "verdict", "reason", "decided_at_micros", "cycle_id")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    CYCLE_ID_FIELD_NUMBER: _ClassVar[int]
    transfer_id: bytes
    verdict: Verdict
    reason: str
    decided_at_micros: int
    cycle_id: int
    def __init__(self, transfer_id: _Optional[bytes] = ..., verdict: _Optional[_Union[Verdict, str]] = ..., reason: _Optional[str] = ..., decided_at_micros: _Optional[int] = ..., cycle_id: _Optional[int] = ...) -> None: ...

class Resync(_message.Message):
    __slots__ = ("since_micros",)
    SINCE_MICROS_FIELD_NUMBER: _ClassVar[int]
    since_micros: int
    def __init__(self, since_micros: _Optional[int] = ...) -> None: ...

class Restore(_message.Message):
    __slots__ = ("transfer", "verdict", "reason", "decided_at_micros", "cycle_id")
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    CYCLE_ID_FIELD_NUMBER: _ClassVar[int]
    transfer: CrossTransfer
    verdict: Verdict
    reason: str
    decided_at_micros: int
    cycle_id: int
    def __init__(self, transfer: _Optional[_Union[CrossTransfer, _Mapping]] = ..., verdict: _Optional[_Union[Verdict, str]] = ..., reason: _Optional[str] = ..., decided_at_micros: _Optional[int] = ..., cycle_id: _Optional[int] = ...) -> None: ...

class CycleClosed(_message.Message):
    __slots__ = ("cycle_id", "closed_at_micros", "entry_count", "previous_cycle_id")
    CYCLE_ID_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    ENTRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_CYCLE_ID_FIELD_NUMBER: _ClassVar[int]
    cycle_id: int
    closed_at_micros: int
    entry_count: int
    previous_cycle_id: int
    def __init__(self, cycle_id: _Optional[int] = ..., closed_at_micros: _Optional[int] = ..., entry_count: _Optional[int] = ..., previous_cycle_id: _Optional[int] = ...) -> None: ...

class Ack(_message.Message):
    __slots__ = ("item_ids",)
    ITEM_IDS_FIELD_NUMBER: _ClassVar[int]
    item_ids: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, item_ids: _Optional[_Iterable[bytes]] = ...) -> None: ...

class Query(_message.Message):
    __slots__ = ("transfer_ids",)
    TRANSFER_IDS_FIELD_NUMBER: _ClassVar[int]
    transfer_ids: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, transfer_ids: _Optional[_Iterable[bytes]] = ...) -> None: ...

class HomeClaim(_message.Message):
    __slots__ = ("identity_hash", "person_id", "release")
    IDENTITY_HASH_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    identity_hash: bytes
    person_id: bytes
    release: bool
    def __init__(self, identity_hash: _Optional[bytes] = ..., person_id: _Optional[bytes] = ..., release: _Optional[bool] = ...) -> None: ...

class Receipt(_message.Message):
    __slots__ = ("item_id", "accepted", "reason")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    item_id: bytes
    accepted: bool
    reason: str
    def __init__(self, item_id: _Optional[bytes] = ..., accepted: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class Recall(_message.Message):
    __slots__ = ("recall_id", "original_id", "amount_minutes", "reason", "requester_node_id")
    RECALL_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    recall_id: bytes
    original_id: bytes
    amount_minutes: int
    reason: str
    requester_node_id: str
    def __init__(self, recall_id: _Optional[bytes] = ..., original_id: _Optional[bytes] = ..., amount_minutes: _Optional[int] = ..., reason: _Optional[str] = ..., requester_node_id: _Optional[str] = ...) -> None: ...

class RecallAnswer(_message.Message):
    __slots__ = ("recall_id", "accept", "reason", "return_transfer_id")
    RECALL_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RETURN_TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    recall_id: bytes
    accept: bool
    reason: str
    return_transfer_id: bytes
    def __init__(self, recall_id: _Optional[bytes] = ..., accept: _Optional[bool] = ..., reason: _Optional[str] = ..., return_transfer_id: _Optional[bytes] = ...) -> None: ...

class SupervisionReport(_message.Message):
    __slots__ = ("as_of_micros", "people_by_role", "months", "categories", "outstanding_minutes", "alerts", "alarms")
    class PeopleByRoleEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    AS_OF_MICROS_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_BY_ROLE_FIELD_NUMBER: _ClassVar[int]
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_MINUTES_FIELD_NUMBER: _ClassVar[int]
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    ALARMS_FIELD_NUMBER: _ClassVar[int]
    as_of_micros: int
    people_by_role: _containers.ScalarMap[str, int]
    months: _containers.RepeatedCompositeFieldContainer[SupervisionFigures]
    categories: _containers.RepeatedCompositeFieldContainer[SupervisionFigures]
    outstanding_minutes: int
    alerts: _containers.RepeatedCompositeFieldContainer[SupervisionAlert]
    alarms: _containers.RepeatedCompositeFieldContainer[SupervisionAlarm]
    def __init__(self, as_of_micros: _Optional[int] = ..., people_by_role: _Optional[_Mapping[str, int]] = ..., months: _Optional[_Iterable[_Union[SupervisionFigures, _Mapping]]] = ..., categories: _Optional[_Iterable[_Union[SupervisionFigures, _Mapping]]] = ..., outstanding_minutes: _Optional[int] = ..., alerts: _Optional[_Iterable[_Union[SupervisionAlert, _Mapping]]] = ..., alarms: _Optional[_Iterable[_Union[SupervisionAlarm, _Mapping]]] = ...) -> None: ...

class SupervisionAlarm(_message.Message):
    __slots__ = ("sequence", "kind", "raised_at_micros")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RAISED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    kind: str
    raised_at_micros: int
    def __init__(self, sequence: _Optional[int] = ..., kind: _Optional[str] = ..., raised_at_micros: _Optional[int] = ...) -> None: ...

class SupervisionFigures(_message.Message):
    __slots__ = ("key", "deposited_minutes", "redeemed_minutes", "order_count", "donated_minutes", "family_minutes", "granted_minutes")
    KEY_FIELD_NUMBER: _ClassVar[int]
    DEPOSITED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    REDEEMED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    ORDER_COUNT_FIELD_NUMBER: _ClassVar[int]
    DONATED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    FAMILY_MINUTES_FIELD_NUMBER: _ClassVar[int]
    GRANTED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    key: str
    deposited_minutes: int
    redeemed_minutes: int
    order_count: int
    donated_minutes: int
    family_minutes: int
    granted_minutes: int
    def __init__(self, key: _Optional[str] = ..., deposited_minutes: _Optional[int] = ..., redeemed_minutes: _Optional[int] = ..., order_count: _Optional[int] = ..., donated_minutes: _Optional[int] = ..., family_minutes: _Optional[int] = ..., granted_minutes: _Optional[int] = ...) -> None: ...

class SupervisionAlert(_message.Message):
    __slots__ = ("alert_id", "rule", "raised_at_micros")
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    RAISED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    alert_id: int
    rule: str
    raised_at_micros: int
    def __init__(self, alert_id: _Optional[int] = ..., rule: _Optional[str] = ..., raised_at_micros: _Optional[int] = ...) -> None: ...

class AlertAcknowledgement(_message.Message):
    __slots__ = ("alert_id", "account", "note", "acknowledged_at_micros")
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    alert_id: int
    account: str
    note: str
    acknowledged_at_micros: int
    def __init__(self, alert_id: _Optional[int] = ..., account: _Optional[str] = ..., note: _Optional[str] = ..., acknowledged_at_micros: _Optional[int] = ...) -> None: ...

class Item(_message.Message):
    __slots__ = ("item_id", "prepare", "vote", "decision", "ack", "query", "receipt", "recall", "recall_answer", "cycle_closed", "statement", "resync", "restore", "home_claim", "supervision_report", "alert_acknowledgement")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    PREPARE_FIELD_NUMBER: _ClassVar[int]
    VOTE_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    ACK_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    RECALL_FIELD_NUMBER: _ClassVar[int]
    RECALL_ANSWER_FIELD_NUMBER: _ClassVar[int]
    CYCLE_CLOSED_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    RESYNC_FIELD_NUMBER: _ClassVar[int]
    RESTORE_FIELD_NUMBER: _ClassVar[int]
    HOME_CLAIM_FIELD_NUMBER: _ClassVar[int]
    SUPERVISION_REPORT_FIELD_NUMBER: _ClassVar[int]
    ALERT_ACKNOWLEDGEMENT_FIELD_NUMBER: _ClassVar[int]
    item_id: bytes
    prepare: Prepare
    vote: Vote
    decision: Decision
    ack: Ack
    query: Query
    receipt: Receipt
    recall: Recall
    recall_answer: RecallAnswer
    cycle_closed: CycleClosed
    statement: _log_pb2.SignedStatement
    resync: Resync
    restore: Restore
    home_claim: HomeClaim
    supervision_report: SupervisionReport
    alert_acknowledgement: AlertAcknowledgement
    def __init__(self, item_id: _Optional[bytes] = ..., prepare: _Optional[_Union[Prepare, _Mapping]] = ..., vote: _Optional[_Union[Vote, _Mapping]] = ..., decision: _Optional[_Union[Decision, _Mapping]] = ..., ack: _Optional[_Union[Ack, _Mapping]] = ..., query: _Optional[_Union[Query, _Mapping]] = ..., receipt: _Optional[_Union[Receipt, _Mapping]] = ..., recall: _Optional[_Union[Recall, _Mapping]] = ..., recall_answer: _Optional[_Union[RecallAnswer, _Mapping]] = ..., cycle_closed: _Optional[_Union[CycleClosed, _Mapping]] = ..., statement: _Optional[_Union[_log_pb2.SignedStatement, _Mapping]] = ..., resync: _Optional[_Union[Resync, _Mapping]] = ..., restore: _Optional[_Union[Restore, _Mapping]] = ..., home_claim: _Optional[_Union[HomeClaim, _Mapping]] = ..., supervision_report: _Optional[_Union[SupervisionReport, _Mapping]] = ..., alert_acknowledgement: _Optional[_Union[AlertAcknowledgement, _Mapping]] = ...) -> None: ...

class GetCrossTransferRequest(_message.Message):
    __slots__ = ("transfer_id",)
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    transfer_id: bytes
    def __init__(self, transfer_id: _Optional[bytes] = ...) -> None: ...

class CrossTransferTimeline(_message.Message):
    __slots__ = ("transfer_id", "debit_node_id", "credit_node_id", "originator_node_id", "amount_minutes", "state", "reason", "prepared_at_micros", "expires_at_micros", "decided_at_micros", "cycle_id", "prepare_log_index", "decision_log_index", "returns_id", "steps")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    DEBIT_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGINATOR_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PREPARED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    CYCLE_ID_FIELD_NUMBER: _ClassVar[int]
    PREPARE_LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    DECISION_LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    RETURNS_ID_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    transfer_id: bytes
    debit_node_id: str
    credit_node_id: str
    originator_node_id: str
    amount_minutes: int
    state: str
    reason: str
    prepared_at_micros: int
    expires_at_micros: int
    decided_at_micros: int
    cycle_id: int
    prepare_log_index: int
    decision_log_index: int
    returns_id: bytes
    steps: _containers.RepeatedCompositeFieldContainer[TimelineStep]
    def __init__(self, transfer_id: _Optional[bytes] = ..., debit_node_id: _Optional[str] = ..., credit_node_id: _Optional[str] = ..., originator_node_id: _Optional[str] = ..., amount_minutes: _Optional[int] = ..., state: _Optional[str] = ..., reason: _Optional[str] = ..., prepared_at_micros: _Optional[int] = ..., expires_at_micros: _Optional[int] = ..., decided_at_micros: _Optional[int] = ..., cycle_id: _Optional[int] = ..., prepare_log_index: _Optional[int] = ..., decision_log_index: _Optional[int] = ..., returns_id: _Optional[bytes] = ..., steps: _Optional[_Iterable[_Union[TimelineStep, _Mapping]]] = ...) -> None: ...

class TimelineStep(_message.Message):
    __slots__ = ("at_micros", "party", "what", "detail")
    AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    PARTY_FIELD_NUMBER: _ClassVar[int]
    WHAT_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    at_micros: int
    party: str
    what: str
    detail: str
    def __init__(self, at_micros: _Optional[int] = ..., party: _Optional[str] = ..., what: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class CloseCycleRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CloseCycleResponse(_message.Message):
    __slots__ = ("cycle_close",)
    CYCLE_CLOSE_FIELD_NUMBER: _ClassVar[int]
    cycle_close: _log_pb2.CycleClose
    def __init__(self, cycle_close: _Optional[_Union[_log_pb2.CycleClose, _Mapping]] = ...) -> None: ...

class ReconReportRequest(_message.Message):
    __slots__ = ("cycle_id",)
    CYCLE_ID_FIELD_NUMBER: _ClassVar[int]
    cycle_id: int
    def __init__(self, cycle_id: _Optional[int] = ...) -> None: ...

class ReconReport(_message.Message):
    __slots__ = ("cycle_id", "json", "csv", "html", "key_id", "signature", "break_count")
    CYCLE_ID_FIELD_NUMBER: _ClassVar[int]
    JSON_FIELD_NUMBER: _ClassVar[int]
    CSV_FIELD_NUMBER: _ClassVar[int]
    HTML_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    BREAK_COUNT_FIELD_NUMBER: _ClassVar[int]
    cycle_id: int
    json: bytes
    csv: str
    html: str
    key_id: str
    signature: bytes
    break_count: int
    def __init__(self, cycle_id: _Optional[int] = ..., json: _Optional[bytes] = ..., csv: _Optional[str] = ..., html: _Optional[str] = ..., key_id: _Optional[str] = ..., signature: _Optional[bytes] = ..., break_count: _Optional[int] = ...) -> None: ...
