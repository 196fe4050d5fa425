"""Broadcasts: one SMS template to many citizens (a region, or a list of numbers).

Writing: the audience's outbox rows are inserted set-based (INSERT ... SELECT), a chunk of
citizens per transaction (50,000 by default), each row still one notification of one citizen
with its own status, receipts and "how we told you" (its channel decision is written with it).
The broadcast keeps a cursor (the last citizen written) in the same transaction, so a writer
that stops is taken up where it left off (`resume_writing`).

Delivering goes in lanes: the rows of one broadcast in one language share template and sign
name, so they go up to 100 numbers per SendBatchSms call. A lane job claims a batch with
FOR UPDATE SKIP LOCKED (several jobs drain one lane side by side), marks its rows 'sending'
under one OutId ("b" + a sequence number, recorded on every row of it) and one claim time,
commits, calls Aliyun outside any lock, and records the answer on every row of the batch in one
statement. A batch whose answer was never recorded (the worker died, or the call timed out
after it left) is looked up per number with QuerySendDetails by that OutId before any of its
rows is sent again; only numbers the provider does not know go again, in a later batch.

The policy is the single path's: a paused channel holds the lane, non-urgent broadcasts wait
out quiet hours, the per-number caps hold the numbers that reached them, and the batch's answer
is classified like any SendSms answer (retry with backoff, defer, pause, permanent failure).

The modules: `writing` (start, resume), `lanes` (deliver a lane, restart lanes),
`lane_claim`, `lane_results` (record, look up lost batches), `steps` (what a lane job claimed).
"""

from doorstep.services.broadcasts.lanes import counts, deliver_lane, restart_lanes
from doorstep.services.broadcasts.writing import Started, resume_writing, start

__all__ = [
    "Started",
    "counts",
    "deliver_lane",
    "restart_lanes",
    "resume_writing",
    "start",
]
