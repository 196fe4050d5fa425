"""SQL for the notification outbox: rows, attempts, receipts and channel pauses.

The modules: `rows` (the row types), `delivery` (insert, claim, finish), `receipts` (news from
the provider), `policy` (caps, digests, decisions), `pauses` (channel pauses), `reading`.
"""
