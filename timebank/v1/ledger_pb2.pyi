from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AccountKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCOUNT_KIND_UNSPECIFIED: _ClassVar[AccountKind]
    ACCOUNT_KIND_MEMBER: _ClassVar[AccountKind]
    ACCOUNT_KIND_ISSUANCE: _ClassVar[AccountKind]
    ACCOUNT_KIND_CLEARING: _ClassVar[AccountKind]
    ACCOUNT_KIND_DONATION_POOL: _ClassVar[AccountKind]
    ACCOUNT_KIND_MALL: _ClassVar[AccountKind]
    ACCOUNT_KIND_ADJUSTMENT: _ClassVar[AccountKind]

class TransferKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSFER_KIND_UNSPECIFIED: _ClassVar[TransferKind]
    TRANSFER_KIND_SINGLE_PHASE: _ClassVar[TransferKind]
    TRANSFER_KIND_PENDING: _ClassVar[TransferKind]
    TRANSFER_KIND_POST_PENDING: _ClassVar[TransferKind]
    TRANSFER_KIND_VOID_PENDING: _ClassVar[TransferKind]

class TransferState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSFER_STATE_UNSPECIFIED: _ClassVar[TransferState]
    TRANSFER_STATE_FINAL: _ClassVar[TransferState]
    TRANSFER_STATE_PENDING: _ClassVar[TransferState]
    TRANSFER_STATE_POSTED: _ClassVar[TransferState]
    TRANSFER_STATE_VOIDED: _ClassVar[TransferState]

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    OUTCOME_OK: _ClassVar[Outcome]
    OUTCOME_EXISTS: _ClassVar[Outcome]
    OUTCOME_INVALID: _ClassVar[Outcome]
    OUTCOME_EXISTS_WITH_DIFFERENT_BODY: _ClassVar[Outcome]
    OUTCOME_ID_ALREADY_REFUSED: _ClassVar[Outcome]
    OUTCOME_NOT_FOUND: _ClassVar[Outcome]
    OUTCOME_ACCOUNT_CLOSED: _ClassVar[Outcome]
    OUTCOME_PENDING_ALREADY_RESOLVED: _ClassVar[Outcome]
    OUTCOME_EXCEEDS_ORIGINAL: _ClassVar[Outcome]
    OUTCOME_OVERFLOW: _ClassVar[Outcome]
    OUTCOME_EXCEEDS_FLOOR: _ClassVar[Outcome]
    OUTCOME_EXCEEDS_CAP: _ClassVar[Outcome]
    OUTCOME_LINKED_EVENT_FAILED: _ClassVar[Outcome]

class CrossNodeState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CROSS_NODE_STATE_UNSPECIFIED: _ClassVar[CrossNodeState]
    CROSS_NODE_STATE_HELD: _ClassVar[CrossNodeState]
    CROSS_NODE_STATE_COMMITTED: _ClassVar[CrossNodeState]
    CROSS_NODE_STATE_ABORTED: _ClassVar[CrossNodeState]

class RecallState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECALL_STATE_UNSPECIFIED: _ClassVar[RecallState]
    RECALL_STATE_REQUESTED: _ClassVar[RecallState]
    RECALL_STATE_ACCEPTED: _ClassVar[RecallState]
    RECALL_STATE_REFUSED: _ClassVar[RecallState]
ACCOUNT_KIND_UNSPECIFIED: AccountKind
ACCOUNT_KIND_MEMBER: AccountKind
ACCOUNT_KIND_ISSUANCE: AccountKind
ACCOUNT_KIND_CLEARING: AccountKind
ACCOUNT_KIND_DONATION_POOL: AccountKind
ACCOUNT_KIND_MALL: AccountKind
ACCOUNT_KIND_ADJUSTMENT: AccountKind
TRANSFER_KIND_UNSPECIFIED: TransferKind
TRANSFER_KIND_SINGLE_PHASE: TransferKind
TRANSFER_KIND_PENDING: TransferKind
TRANSFER_KIND_POST_PENDING: TransferKind
TRANSFER_KIND_VOID_PENDING: TransferKind
TRANSFER_STATE_UNSPECIFIED: TransferState
TRANSFER_STATE_FINAL: TransferState
TRANSFER_STATE_PENDING: TransferState
TRANSFER_STATE_POSTED: TransferState
TRANSFER_STATE_VOIDED: TransferState
OUTCOME_UNSPECIFIED: Outcome
OUTCOME_OK: Outcome
OUTCOME_EXISTS: Outcome
OUTCOME_INVALID: Outcome
OUTCOME_EXISTS_WITH_DIFFERENT_BODY: Outcome
OUTCOME_ID_ALREADY_REFUSED: Outcome
OUTCOME_NOT_FOUND: Outcome
OUTCOME_ACCOUNT_CLOSED: Outcome
OUTCOME_PENDING_ALREADY_RESOLVED: Outcome
OUTCOME_EXCEEDS_ORIGINAL: Outcome
OUTCOME_OVERFLOW: Outcome
OUTCOME_EXCEEDS_FLOOR: Outcome
OUTCOME_EXCEEDS_CAP: Outcome
OUTCOME_LINKED_EVENT_FAILED: Outcome
CROSS_NODE_STATE_UNSPECIFIED: CrossNodeState
CROSS_NODE_STATE_HELD: CrossNodeState
CROSS_NODE_STATE_COMMITTED: CrossNodeState
CROSS_NODE_STATE_ABORTED: CrossNodeState
RECALL_STATE_UNSPECIFIED: RecallState
RECALL_STATE_REQUESTED: RecallState
RECALL_STATE_ACCEPTED: RecallState
RECALL_STATE_REFUSED: RecallState

class Account(_message.Message):
    __slots__ = ("id", "kind", "holder", "no_floor", "floor_minutes", "cap_minutes", "closed", "debits_posted_minutes", "credits_posted_minutes", "debits_pending_minutes", "credits_pending_minutes", "created_at_micros")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    HOLDER_FIELD_NUMBER: _ClassVar[int]
    NO_FLOOR_FIELD_NUMBER: _ClassVar[int]
    FLOOR_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CAP_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    DEBITS_POSTED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CREDITS_POSTED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    DEBITS_PENDING_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CREDITS_PENDING_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    id: bytes
    kind: AccountKind
    holder: str
    no_floor: bool
    floor_minutes: int
    cap_minutes: int
    closed: bool
    debits_posted_minutes: int
    credits_posted_minutes: int
    debits_pending_minutes: int
    credits_pending_minutes: int
    created_at_micros: int
    def __init__(self, id: _Optional[bytes] = ..., kind: _Optional[_Union[AccountKind, str]] = ..., holder: _Optional[str] = ..., no_floor: _Optional[bool] = ..., floor_minutes: _Optional[int] = ..., cap_minutes: _Optional[int] = ..., closed: _Optional[bool] = ..., debits_posted_minutes: _Optional[int] = ..., credits_posted_minutes: _Optional[int] = ..., debits_pending_minutes: _Optional[int] = ..., credits_pending_minutes: _Optional[int] = ..., created_at_micros: _Optional[int] = ...) -> None: ...

class Transfer(_message.Message):
    __slots__ = ("id", "kind", "debit_account_id", "credit_account_id", "amount_minutes", "pending_id", "reverses_id", "linked", "memo")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DEBIT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PENDING_ID_FIELD_NUMBER: _ClassVar[int]
    REVERSES_ID_FIELD_NUMBER: _ClassVar[int]
    LINKED_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    id: bytes
    kind: TransferKind
    debit_account_id: bytes
    credit_account_id: bytes
    amount_minutes: int
    pending_id: bytes
    reverses_id: bytes
    linked: bool
    memo: str
    def __init__(self, id: _Optional[bytes] = ..., kind: _Optional[_Union[TransferKind, str]] = ..., debit_account_id: _Optional[bytes] = ..., credit_account_id: _Optional[bytes] = ..., amount_minutes: _Optional[int] = ..., pending_id: _Optional[bytes] = ..., reverses_id: _Optional[bytes] = ..., linked: _Optional[bool] = ..., memo: _Optional[str] = ...) -> None: ...

class StoredTransfer(_message.Message):
    __slots__ = ("transfer", "sequence", "created_at_micros", "state", "resolved_by_id", "debit_balance_after_minutes", "credit_balance_after_minutes")
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_BY_ID_FIELD_NUMBER: _ClassVar[int]
    DEBIT_BALANCE_AFTER_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CREDIT_BALANCE_AFTER_MINUTES_FIELD_NUMBER: _ClassVar[int]
    transfer: Transfer
    sequence: int
    created_at_micros: int
    state: TransferState
    resolved_by_id: bytes
    debit_balance_after_minutes: int
    credit_balance_after_minutes: int
    def __init__(self, transfer: _Optional[_Union[Transfer, _Mapping]] = ..., sequence: _Optional[int] = ..., created_at_micros: _Optional[int] = ..., state: _Optional[_Union[TransferState, str]] = ..., resolved_by_id: _Optional[bytes] = ..., debit_balance_after_minutes: _Optional[int] = ..., credit_balance_after_minutes: _Optional[int] = ...) -> None: ...

class ItemResult(_message.Message):
    __slots__ = ("id", "outcome", "detail", "transient", "status_code")
    ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    TRANSIENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    id: bytes
    outcome: Outcome
    detail: str
    transient: bool
    status_code: int
    def __init__(self, id: _Optional[bytes] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., detail: _Optional[str] = ..., transient: _Optional[bool] = ..., status_code: _Optional[int] = ...) -> None: ...

class CreateAccountsRequest(_message.Message):
    __slots__ = ("accounts",)
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[Account]
    def __init__(self, accounts: _Optional[_Iterable[_Union[Account, _Mapping]]] = ...) -> None: ...

class CreateAccountsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ItemResult]
    def __init__(self, results: _Optional[_Iterable[_Union[ItemResult, _Mapping]]] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: bytes
    def __init__(self, account_id: _Optional[bytes] = ...) -> None: ...

class GetAccountResponse(_message.Message):
    __slots__ = ("account", "balance_minutes", "available_minutes")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    BALANCE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    account: Account
    balance_minutes: int
    available_minutes: int
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., balance_minutes: _Optional[int] = ..., available_minutes: _Optional[int] = ...) -> None: ...

class CloseAccountRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: bytes
    def __init__(self, account_id: _Optional[bytes] = ...) -> None: ...

class CloseAccountResponse(_message.Message):
    __slots__ = ("account",)
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: Account
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class SubmitTransfersRequest(_message.Message):
    __slots__ = ("transfers",)
    TRANSFERS_FIELD_NUMBER: _ClassVar[int]
    transfers: _containers.RepeatedCompositeFieldContainer[Transfer]
    def __init__(self, transfers: _Optional[_Iterable[_Union[Transfer, _Mapping]]] = ...) -> None: ...

class SubmitTransfersResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ItemResult]
    def __init__(self, results: _Optional[_Iterable[_Union[ItemResult, _Mapping]]] = ...) -> None: ...

class SubmitTransferRequest(_message.Message):
    __slots__ = ("transfer",)
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    transfer: Transfer
    def __init__(self, transfer: _Optional[_Union[Transfer, _Mapping]] = ...) -> None: ...

class SubmitTransferResponse(_message.Message):
    __slots__ = ("outcome", "stored")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    STORED_FIELD_NUMBER: _ClassVar[int]
    outcome: Outcome
    stored: StoredTransfer
    def __init__(self, outcome: _Optional[_Union[Outcome, str]] = ..., stored: _Optional[_Union[StoredTransfer, _Mapping]] = ...) -> None: ...

class GetTransferRequest(_message.Message):
    __slots__ = ("transfer_id",)
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    transfer_id: bytes
    def __init__(self, transfer_id: _Optional[bytes] = ...) -> None: ...

class GetTransferResponse(_message.Message):
    __slots__ = ("stored",)
    STORED_FIELD_NUMBER: _ClassVar[int]
    stored: StoredTransfer
    def __init__(self, stored: _Optional[_Union[StoredTransfer, _Mapping]] = ...) -> None: ...

class GetStatementRequest(_message.Message):
    __slots__ = ("account_id", "after_sequence", "page_size")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    account_id: bytes
    after_sequence: int
    page_size: int
    def __init__(self, account_id: _Optional[bytes] = ..., after_sequence: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class StatementEntry(_message.Message):
    __slots__ = ("stored", "posted_change_minutes", "pending_change_minutes", "balance_after_minutes")
    STORED_FIELD_NUMBER: _ClassVar[int]
    POSTED_CHANGE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PENDING_CHANGE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    BALANCE_AFTER_MINUTES_FIELD_NUMBER: _ClassVar[int]
    stored: StoredTransfer
    posted_change_minutes: int
    pending_change_minutes: int
    balance_after_minutes: int
    def __init__(self, stored: _Optional[_Union[StoredTransfer, _Mapping]] = ..., posted_change_minutes: _Optional[int] = ..., pending_change_minutes: _Optional[int] = ..., balance_after_minutes: _Optional[int] = ...) -> None: ...

class GetStatementResponse(_message.Message):
    __slots__ = ("account", "opening_balance_minutes", "entries", "closing_balance_minutes", "next_after_sequence")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    OPENING_BALANCE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    CLOSING_BALANCE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    NEXT_AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    account: Account
    opening_balance_minutes: int
    entries: _containers.RepeatedCompositeFieldContainer[StatementEntry]
    closing_balance_minutes: int
    next_after_sequence: int
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., opening_balance_minutes: _Optional[int] = ..., entries: _Optional[_Iterable[_Union[StatementEntry, _Mapping]]] = ..., closing_balance_minutes: _Optional[int] = ..., next_after_sequence: _Optional[int] = ...) -> None: ...

class GetNodeInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetNodeInfoResponse(_message.Message):
    __slots__ = ("node_id", "display_name", "node_kind", "signing_public_key", "signing_key_id", "batch_size_max", "halted_reason", "issuance_account_id", "clearing_account_id", "donation_pool_account_id", "mall_account_id", "adjustment_account_id", "version", "clearinghouse_address", "clearinghouse_exchanges", "clearinghouse_failures", "outbox_depth", "held_transfers", "log_size", "log_checkpoint_size", "clearinghouse_checkpoint_size", "alarms")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    NODE_KIND_FIELD_NUMBER: _ClassVar[int]
    SIGNING_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    SIGNING_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_MAX_FIELD_NUMBER: _ClassVar[int]
    HALTED_REASON_FIELD_NUMBER: _ClassVar[int]
    ISSUANCE_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CLEARING_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DONATION_POOL_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    MALL_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ADJUSTMENT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CLEARINGHOUSE_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    CLEARINGHOUSE_EXCHANGES_FIELD_NUMBER: _ClassVar[int]
    CLEARINGHOUSE_FAILURES_FIELD_NUMBER: _ClassVar[int]
    OUTBOX_DEPTH_FIELD_NUMBER: _ClassVar[int]
    HELD_TRANSFERS_FIELD_NUMBER: _ClassVar[int]
    LOG_SIZE_FIELD_NUMBER: _ClassVar[int]
    LOG_CHECKPOINT_SIZE_FIELD_NUMBER: _ClassVar[int]
    CLEARINGHOUSE_CHECKPOINT_SIZE_FIELD_NUMBER: _ClassVar[int]
    ALARMS_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    display_name: str
    node_kind: str
    signing_public_key: bytes
    signing_key_id: str
    batch_size_max: int
    halted_reason: str
    issuance_account_id: bytes
    clearing_account_id: bytes
    donation_pool_account_id: bytes
    mall_account_id: bytes
    adjustment_account_id: bytes
    version: str
    clearinghouse_address: str
    clearinghouse_exchanges: int
    clearinghouse_failures: int
    outbox_depth: int
    held_transfers: int
    log_size: int
    log_checkpoint_size: int
    clearinghouse_checkpoint_size: int
    alarms: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, node_id: _Optional[str] = ..., display_name: _Optional[str] = ..., node_kind: _Optional[str] = ..., signing_public_key: _Optional[bytes] = ..., signing_key_id: _Optional[str] = ..., batch_size_max: _Optional[int] = ..., halted_reason: _Optional[str] = ..., issuance_account_id: _Optional[bytes] = ..., clearing_account_id: _Optional[bytes] = ..., donation_pool_account_id: _Optional[bytes] = ..., mall_account_id: _Optional[bytes] = ..., adjustment_account_id: _Optional[bytes] = ..., version: _Optional[str] = ..., clearinghouse_address: _Optional[str] = ..., clearinghouse_exchanges: _Optional[int] = ..., clearinghouse_failures: _Optional[int] = ..., outbox_depth: _Optional[int] = ..., held_transfers: _Optional[int] = ..., log_size: _Optional[int] = ..., log_checkpoint_size: _Optional[int] = ..., clearinghouse_checkpoint_size: _Optional[int] = ..., alarms: _Optional[_Iterable[str]] = ...) -> None: ...

class CrossNodeTransfer(_message.Message):
    __slots__ = ("id", "local_account_id", "remote_node_id", "remote_account_id", "amount_minutes", "memo", "pull", "one_time_code", "mandate_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    LOCAL_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    REMOTE_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    REMOTE_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    PULL_FIELD_NUMBER: _ClassVar[int]
    ONE_TIME_CODE_FIELD_NUMBER: _ClassVar[int]
    MANDATE_ID_FIELD_NUMBER: _ClassVar[int]
    id: bytes
    local_account_id: bytes
    remote_node_id: str
    remote_account_id: bytes
    amount_minutes: int
    memo: str
    pull: bool
    one_time_code: str
    mandate_id: bytes
    def __init__(self, id: _Optional[bytes] = ..., local_account_id: _Optional[bytes] = ..., remote_node_id: _Optional[str] = ..., remote_account_id: _Optional[bytes] = ..., amount_minutes: _Optional[int] = ..., memo: _Optional[str] = ..., pull: _Optional[bool] = ..., one_time_code: _Optional[str] = ..., mandate_id: _Optional[bytes] = ...) -> None: ...

class SubmitCrossNodeTransfersRequest(_message.Message):
    __slots__ = ("transfers",)
    TRANSFERS_FIELD_NUMBER: _ClassVar[int]
    transfers: _containers.RepeatedCompositeFieldContainer[CrossNodeTransfer]
    def __init__(self, transfers: _Optional[_Iterable[_Union[CrossNodeTransfer, _Mapping]]] = ...) -> None: ...

class SubmitCrossNodeTransfersResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ItemResult]
    def __init__(self, results: _Optional[_Iterable[_Union[ItemResult, _Mapping]]] = ...) -> None: ...

class GetCrossNodeTransferRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: bytes
    def __init__(self, id: _Optional[bytes] = ...) -> None: ...

class GetCrossNodeTransferResponse(_message.Message):
    __slots__ = ("transfer", "state", "reason", "originator", "side", "created_at_micros", "decided_at_micros", "cycle_id")
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ORIGINATOR_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    CYCLE_ID_FIELD_NUMBER: _ClassVar[int]
    transfer: CrossNodeTransfer
    state: CrossNodeState
    reason: str
    originator: bool
    side: str
    created_at_micros: int
    decided_at_micros: int
    cycle_id: int
    def __init__(self, transfer: _Optional[_Union[CrossNodeTransfer, _Mapping]] = ..., state: _Optional[_Union[CrossNodeState, str]] = ..., reason: _Optional[str] = ..., originator: _Optional[bool] = ..., side: _Optional[str] = ..., created_at_micros: _Optional[int] = ..., decided_at_micros: _Optional[int] = ..., cycle_id: _Optional[int] = ...) -> None: ...

class ListCrossNodeTransfersRequest(_message.Message):
    __slots__ = ("state", "limit")
    STATE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    state: CrossNodeState
    limit: int
    def __init__(self, state: _Optional[_Union[CrossNodeState, str]] = ..., limit: _Optional[int] = ...) -> None: ...

class ListCrossNodeTransfersResponse(_message.Message):
    __slots__ = ("transfers",)
    TRANSFERS_FIELD_NUMBER: _ClassVar[int]
    transfers: _containers.RepeatedCompositeFieldContainer[GetCrossNodeTransferResponse]
    def __init__(self, transfers: _Optional[_Iterable[_Union[GetCrossNodeTransferResponse, _Mapping]]] = ...) -> None: ...

class CreateConsentRequest(_message.Message):
    __slots__ = ("holder_account_id", "beneficiary_node_id", "limit_minutes", "valid_seconds", "mandate", "mandate_id")
    HOLDER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    BENEFICIARY_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    VALID_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MANDATE_FIELD_NUMBER: _ClassVar[int]
    MANDATE_ID_FIELD_NUMBER: _ClassVar[int]
    holder_account_id: bytes
    beneficiary_node_id: str
    limit_minutes: int
    valid_seconds: int
    mandate: bool
    mandate_id: bytes
    def __init__(self, holder_account_id: _Optional[bytes] = ..., beneficiary_node_id: _Optional[str] = ..., limit_minutes: _Optional[int] = ..., valid_seconds: _Optional[int] = ..., mandate: _Optional[bool] = ..., mandate_id: _Optional[bytes] = ...) -> None: ...

class CreateConsentResponse(_message.Message):
    __slots__ = ("one_time_code", "mandate_id", "expires_at_micros")
    ONE_TIME_CODE_FIELD_NUMBER: _ClassVar[int]
    MANDATE_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MICROS_FIELD_NUMBER: _ClassVar[int]
    one_time_code: str
    mandate_id: bytes
    expires_at_micros: int
    def __init__(self, one_time_code: _Optional[str] = ..., mandate_id: _Optional[bytes] = ..., expires_at_micros: _Optional[int] = ...) -> None: ...

class RequestRecallRequest(_message.Message):
    __slots__ = ("recall_id", "original_id", "amount_minutes", "reason")
    RECALL_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    recall_id: bytes
    original_id: bytes
    amount_minutes: int
    reason: str
    def __init__(self, recall_id: _Optional[bytes] = ..., original_id: _Optional[bytes] = ..., amount_minutes: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class RecallView(_message.Message):
    __slots__ = ("recall_id", "original_id", "amount_minutes", "reason", "requested_here", "counterparty_node_id", "state", "answer_reason", "return_transfer_id")
    RECALL_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_HERE_FIELD_NUMBER: _ClassVar[int]
    COUNTERPARTY_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ANSWER_REASON_FIELD_NUMBER: _ClassVar[int]
    RETURN_TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    recall_id: bytes
    original_id: bytes
    amount_minutes: int
    reason: str
    requested_here: bool
    counterparty_node_id: str
    state: RecallState
    answer_reason: str
    return_transfer_id: bytes
    def __init__(self, recall_id: _Optional[bytes] = ..., original_id: _Optional[bytes] = ..., amount_minutes: _Optional[int] = ..., reason: _Optional[str] = ..., requested_here: _Optional[bool] = ..., counterparty_node_id: _Optional[str] = ..., state: _Optional[_Union[RecallState, str]] = ..., answer_reason: _Optional[str] = ..., return_transfer_id: _Optional[bytes] = ...) -> None: ...

class RequestRecallResponse(_message.Message):
    __slots__ = ("recall",)
    RECALL_FIELD_NUMBER: _ClassVar[int]
    recall: RecallView
    def __init__(self, recall: _Optional[_Union[RecallView, _Mapping]] = ...) -> None: ...

class ListRecallsRequest(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: RecallState
    def __init__(self, state: _Optional[_Union[RecallState, str]] = ...) -> None: ...

class ListRecallsResponse(_message.Message):
    __slots__ = ("recalls",)
    RECALLS_FIELD_NUMBER: _ClassVar[int]
    recalls: _containers.RepeatedCompositeFieldContainer[RecallView]
    def __init__(self, recalls: _Optional[_Iterable[_Union[RecallView, _Mapping]]] = ...) -> None: ...

class AnswerRecallRequest(_message.Message):
    __slots__ = ("recall_id", "accept", "reason")
    RECALL_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    recall_id: bytes
    accept: bool
    reason: str
    def __init__(self, recall_id: _Optional[bytes] = ..., accept: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class AnswerRecallResponse(_message.Message):
    __slots__ = ("recall",)
    RECALL_FIELD_NUMBER: _ClassVar[int]
    recall: RecallView
    def __init__(self, recall: _Optional[_Union[RecallView, _Mapping]] = ...) -> None: ...
