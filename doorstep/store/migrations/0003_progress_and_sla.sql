-- Live progress and SLA clocks.

-- Append an event under a per-citizen lock, and hint listeners at commit.
-- The lock makes one citizen's events commit in sequence order, so a subscriber that has seen
-- sequence S of a citizen (or of an application: its writers lock the row) can never later
-- meet an event of that citizen below S. One round trip instead of three.
create function append_event(p_application_id bigint, p_task_id bigint, p_citizen_id bigint,
                             p_kind text, p_actor_kind text, p_actor_id bigint, p_data jsonb)
returns bigint language plpgsql as $$
declare
    v_seq bigint;
begin
    if p_citizen_id is not null then
        perform pg_advisory_xact_lock(hashtextextended('events:citizen:' || p_citizen_id, 0));
    end if;
    insert into events (application_id, task_id, citizen_id, kind, actor_kind, actor_id, data)
    values (p_application_id, p_task_id, p_citizen_id, p_kind, p_actor_kind, p_actor_id,
            coalesce(p_data, '{}'::jsonb))
    returning seq into v_seq;
    perform pg_notify('doorstep_events', v_seq::text);
    return v_seq;
end $$;

-- Extensions staff asked for (the citizen is told), and each SLA alert raised once per task
-- and threshold, whatever the number of workers or restarts.
alter table tasks add column extended_days int not null default 0;

create table task_extensions (
    id          bigserial primary key,
    task_id     bigint not null references tasks (id),
    staff_id    bigint references staff_members (id),
    days        int not null check (days between 1 and 60),
    reason      text not null,
    due_before  date not null,
    due_after   date not null,
    created_at  timestamptz not null default now()
);
create index task_extensions_task on task_extensions (task_id);

create table sla_alerts (
    task_id     bigint not null references tasks (id),
    threshold   text not null check (threshold in ('reminder_75', 'overdue')),
    -- the deadline the alert was raised for: an extended deadline earns new alerts
    due_on      date not null,
    unit_id     bigint not null references units (id),
    created_at  timestamptz not null default now(),
    primary key (task_id, threshold, due_on)
);
create index sla_alerts_unit on sla_alerts (unit_id, created_at desc);

create index tasks_open_due on tasks (due_on) where status in ('submitted', 'accepted');
