"""The care_* tables: reading and writing the services' records inside a caller's transaction.

One module a subject: rows (the conversion between records and rows, and the generic
reads and writes), people (people and relationships), qualifications (qualifications
and the operators' catalogue items), orders (orders, check-in codes, ratings, follow-ups
and disputes), hours (movements of hours and the mall) and oversight (teams, alerts and
the statistics). Every function takes the connection of a transaction the desk opened
(through Books.write for anything that writes), so a record and the ledger transfers
behind it commit together or not at all. Knows nothing of gRPC or protobuf, and decides
nothing: the desk has decided before it writes.
"""
