"""The event hub's read (`store.events.after`): the events past a position, plus the listed
older ones, oldest first, at most `limit`, whether or not gaps are listed."""

from doorstep.store import events
from doorstep.store.db import Pool


async def _append(pool: Pool, count: int) -> list[int]:
    async with pool.acquire() as conn:
        return [
            await events.append_new(
                conn, events.NewEvent(kind="test.read", actor_kind="system", actor_id=None)
            )
            for _ in range(count)
        ]


def _ours(rows: list[events.EventRow], seqs: list[int]) -> list[int]:
    """Other tests' events may follow ours; the order and the cut are what is checked."""
    return [r.seq for r in rows if r.seq in seqs]


async def test_without_gaps_the_events_past_the_position_in_order(pool: Pool) -> None:
    seqs = await _append(pool, 4)
    assert _ours(await events.after(pool, seqs[0], [], 100), seqs) == seqs[1:]
    assert [r.seq for r in await events.after(pool, seqs[0], [], 2)] == seqs[1:3]


async def test_listed_gaps_come_with_the_events_past_the_position(pool: Pool) -> None:
    seqs = await _append(pool, 5)
    rows = await events.after(pool, seqs[2], [seqs[0], seqs[1]], 100)
    assert _ours(rows, seqs) == seqs[:2] + seqs[3:]
    assert [r.seq for r in await events.after(pool, seqs[2], [seqs[0]], 2)] == [seqs[0], seqs[3]]
