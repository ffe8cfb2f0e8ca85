"""The points mall: items operators stock, redemptions that reserve an item against a
pending transfer of the member's hours, and their settlement (picked up: the transfer
posts; cancelled: it is voided and the item goes back into stock).

Owns the order of reads, checks and writes of these operations. Must not: hold SQL
(nodes.care.store), decide other than through the pure rules, or know about protobuf
or gRPC.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import Connection

from nodes.care import catalogue, rules
from nodes.care import records as r
from nodes.care.desk import deposits, people
from nodes.care.desk.context import Desk
from nodes.care.store import hours as hour_rows
from timebank import ids
from timebank.errors import NotNow, OutOfStock, RequestInvalid
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS, AccountKind, TransferKind, TransferRequest
from timebank.protocol import derive_id

__all__ = [
    "add_mall_item",
    "MALL",
    "mall_items",
    "MALL_QUANTITY_MAX",
    "redeem",
    "redemptions",
    "REDEMPTION_FIELDS",
    "settle_redemption",
    "STOCK_ADDED_MAX",
]

MALL = SYSTEM_ACCOUNT_IDS[AccountKind.MALL]
MALL_QUANTITY_MAX = 100
STOCK_ADDED_MAX = 1_000_000
REDEMPTION_FIELDS = ("person_id", "item_code", "quantity")


def add_mall_item(desk: Desk, item_code: str, name: str, price_minutes: int, stock_added: int) -> r.MallItem:
    if not catalogue.CODE_PATTERN.match(item_code):
        raise RequestInvalid(f"item_code: got {item_code!r}, want 1 to 32 lowercase letters, digits or dashes")
    name = rules.text("name", name, rules.NAME_LENGTH_MAX)
    rules.positive_minutes("price_minutes", price_minutes)
    if not 0 <= stock_added <= STOCK_ADDED_MAX:
        raise RequestInvalid(f"stock_added: got {stock_added}, want 0..={STOCK_ADDED_MAX}")

    def work(connection: Connection) -> r.MallItem:
        stored = hour_rows.find_mall_item(connection, item_code)
        if stored is None:
            item = r.MallItem(item_code, name, price_minutes, stock_added)
            hour_rows.add_mall_item(connection, item)
            return item
        asked = r.MallItem(item_code, name, price_minutes, stored.stock, stored.reserved)
        rules.repeated(stored, asked, "item_code", ("name", "price_minutes"))  # more stock of the same item
        item = dataclasses.replace(stored, stock=stored.stock + stock_added)
        hour_rows.save_mall_item(connection, item)
        return item

    return desk.write(work, "AddMallItem")


def mall_items(desk: Desk) -> list[r.MallItem]:
    return desk.read(hour_rows.mall_items)


def redemptions(desk: Desk, state: str, person_id: int, limit: int) -> list[r.MallRedemption]:
    if state:
        rules.choice("state", state, tuple(r.RedemptionState))
    return desk.read(lambda connection: hour_rows.redemptions(connection, state, person_id, limit))


def redeem(desk: Desk, redemption_id: int, person_id: int, item_code: str, quantity: int) -> r.MallRedemption:
    if not 1 <= quantity <= MALL_QUANTITY_MAX:
        raise RequestInvalid(f"quantity: got {quantity}, want 1..={MALL_QUANTITY_MAX}")

    def work(connection: Connection) -> r.MallRedemption:
        item = hour_rows.mall_item(connection, item_code)
        transfer_id = derive_id("care-mall", redemption_id)
        wanted = r.MallRedemption(
            redemption_id,
            person_id,
            item_code,
            quantity,
            item.price_minutes * quantity,
            r.RedemptionState.RESERVED,
            transfer_id,
            desk.clock.now_micros(),
        )
        stored = hour_rows.find_redemption(connection, redemption_id)
        if (existing := rules.repeated(stored, wanted, "redemption_id", REDEMPTION_FIELDS)) is not None:
            return existing
        person = people.member_here(desk, connection, person_id, "person_id")
        if item.stock < quantity:
            raise OutOfStock(f"quantity: got {quantity}, {item.item_code} has {item.stock} in stock")
        account = desk.books.read_accounts(connection, [person_id]).get(person_id)
        deposits.check_spend(desk, person, account, wanted.amount_minutes, "amount_minutes")
        memo = f"mall {item_code} x{quantity}: redemption {ids.to_hex(redemption_id)}"
        desk.apply(
            connection,
            [TransferRequest(transfer_id, TransferKind.PENDING, person_id, MALL, wanted.amount_minutes, memo=memo)],
        )
        hour_rows.set_mall_stock(connection, item_code, item.stock - quantity, item.reserved + quantity)
        hour_rows.add_redemption(connection, wanted)
        movement = r.Movement(
            transfer_id,
            r.MovementKind.MALL,
            person_id,
            desk.node_id,
            0,
            wanted.amount_minutes,
            r.MovementState.PENDING,
            memo,
            item_code=item_code,
        )
        desk.record(connection, movement)
        return wanted

    return desk.write(work, "RedeemMallItem")


def settle_redemption(desk: Desk, redemption_id: int, cancel: bool) -> r.MallRedemption:
    def work(connection: Connection) -> r.MallRedemption:
        found = hour_rows.redemption(connection, redemption_id)
        wanted_state = r.RedemptionState.CANCELLED if cancel else r.RedemptionState.PICKED_UP
        if found.state == wanted_state:
            return found
        if found.state != r.RedemptionState.RESERVED:
            raise NotNow(
                f"redemption_id: {ids.to_hex(redemption_id)} is {found.state}; "
                f"only a reserved redemption can be {wanted_state}"
            )
        item = hour_rows.mall_item(connection, found.item_code)
        kind = TransferKind.VOID_PENDING if cancel else TransferKind.POST_PENDING
        amount = 0 if cancel else found.amount_minutes
        settle_id = derive_id(f"care-mall-{wanted_state}", redemption_id)
        desk.apply(connection, [TransferRequest(settle_id, kind, 0, 0, amount, pending_id=found.transfer_id)])
        stock = item.stock + found.quantity if cancel else item.stock
        hour_rows.set_mall_stock(connection, item.item_code, stock, item.reserved - found.quantity)
        movement_state = r.MovementState.VOIDED if cancel else r.MovementState.POSTED
        hour_rows.set_movement_state(connection, found.transfer_id, movement_state)
        settled = dataclasses.replace(found, state=wanted_state)
        hour_rows.save_redemption(connection, settled)
        return settled

    return desk.write(work, "SettleRedemption")
