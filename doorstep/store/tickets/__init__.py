"""SQL for tickets: the catalog they refer to, the tickets, their assignments, extensions,
follow-ups, ratings and rectifications, and their events.

The modules: `rows` (the row types), `catalog` (what filing and dispatch read of categories,
regions and units), `catalog_admin` (managing it), `writing` (insert, change, lock), `reading`
(a ticket as its views show it; a citizen's own), `queues` (the staff's, and the live queue),
`assignments` (and extensions), `follow_ups`, `rectifications`, `people` (whom news goes to),
`events`, `public`, `clock` (reminders, escalations, follow-up asks), `rates` (the performance
figures of a period and what is overdue now).
"""
