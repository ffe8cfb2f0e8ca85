"""Home claims: one home node per person, the first node to claim a person keeps them until it releases.

Owns the answer to a HomeClaim: a claim of an unclaimed person is recorded, a retry by the
same node for the same person is accepted, any other claim is refused naming the home
node; a release by the home node frees the person (a release by anyone else changes
nothing and is accepted).

Must not: write SQL, know gRPC.
"""

from __future__ import annotations

from clearinghouse.batch import Batch, accepted, refused
from clearinghouse.records import PersonHome
from clearinghouse.store import homes as home_store
from timebank import ids
from timebank.protocol import HomeClaim, Item

__all__ = ["claim_home"]


def claim_home(batch: Batch, sender_id: str, item_id: int, claim: HomeClaim) -> Item:
    home = home_store.read_home(batch.connection, claim.identity_hash)
    if claim.release:
        if home is not None and home.node_id == sender_id and home.person_id == claim.person_id:
            home_store.delete_home(batch.connection, claim.identity_hash)
        return accepted(item_id)
    if home is None:
        home_store.insert_home(
            batch.connection, PersonHome(claim.identity_hash, sender_id, claim.person_id, batch.now_micros)
        )
        return accepted(item_id)
    if home.node_id == sender_id and home.person_id == claim.person_id:
        return accepted(item_id)  # a retry
    person = ids.to_hex(home.person_id)
    return refused(
        item_id,
        f"identity: this person is registered already with home node {home.node_id} as {person}; "
        f"a person has one home node (to serve here, register them with home_node_id {home.node_id})",
    )
