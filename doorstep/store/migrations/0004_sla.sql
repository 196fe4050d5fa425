-- SLA: when a task's reminder falls due, and when it was finished (for on-time counts).

-- the working day on which 75% of the task's time is used; moves with the deadline
alter table tasks add column remind_on date;
alter table tasks add column finished_at timestamptz;

update tasks set finished_at = updated_at where status in ('done', 'rejected');
create index tasks_remind on tasks (remind_on) where status in ('submitted', 'accepted');
