-- 优先办: work of a citizen with priority (policy in domain/priority.py, decided from proven
-- vault data when the application or ticket is made) carries its reason, comes first within
-- its deadline band in every staff queue, and has a shorter internal target than its legal
-- deadline (moved with the deadline when the clock moves).
alter table applications add column priority_reason text;
alter table tasks add column priority_reason text;
alter table tasks add column target_on date;
alter table tickets add column priority_reason text;
alter table tickets add column target_on date;
