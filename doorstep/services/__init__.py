"""Use cases: each runs in one transaction, writes events and outbox rows, then enqueues."""
