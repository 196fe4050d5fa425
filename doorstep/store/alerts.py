"""Alerts raised once per deadline, for tasks (store.sla) and tickets (store.tickets.clock)."""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.store.db import Connection
from doorstep.store.rows import R, fetch


@dataclass(frozen=True)
class AlertLog:
    """A table of alerts raised, keyed by (subject, threshold, deadline), with the unit told.

    `subject` and `deadline` each name a column of the table (and of the due rows), then the
    expression the due rows' query computes it from."""

    table: str
    subject: tuple[str, str]
    deadline: tuple[str, str]

    async def raise_once(
        self,
        conn: Connection,
        cls: type[R],
        threshold: str,
        due: str,
        ordering: str,
        at: object,
        limit: int,
    ) -> list[R]:
        """The rows `due` selects (a query up to its where, `at` as $1) with no `threshold`
        alert yet for their deadline: each is recorded and returned, `limit` at most, first by
        `ordering`. The table's key makes this once-only across workers: a racing insert finds
        the row there and returns nothing for it."""
        subject, subject_of = self.subject
        deadline, deadline_of = self.deadline
        return await fetch(
            conn,
            cls,
            f"""with due as ({due}
                    and not exists (select 1 from {self.table} alerted
                        where alerted.{subject} = {subject_of} and alerted.threshold = $3
                          and alerted.{deadline} = {deadline_of})
                    order by {ordering} limit $2),
                inserted as (
                    insert into {self.table} ({subject}, threshold, {deadline}, unit_id)
                    select {subject}, $3, {deadline}, unit_id from due
                    on conflict do nothing
                    returning {subject})
                select due.* from due join inserted using ({subject})""",
            at,
            limit,
            threshold,
        )
