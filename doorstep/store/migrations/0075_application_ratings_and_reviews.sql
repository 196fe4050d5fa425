-- 好差评 for applications (办件), as for tickets: the citizen rates a finished application once,
-- in the app, by SMS or at the counter; each task's unit gets the rating (or its own, when the
-- citizen rates the units apart). 不满意 or worse opens a rectification (整改) for that unit,
-- closed only with the call-back (回访) to the citizen recorded.
create table application_ratings (
    application_id  bigint primary key references applications (id),
    rating          smallint not null check (rating between 1 and 5),
    comment         text,
    channel         text not null check (channel in ('app', 'sms', 'counter')),
    -- at the counter: the clerk who wrote down what the citizen said
    recorded_by     bigint references staff_members (id),
    rated_at        timestamptz not null default now()
);

create table task_ratings (
    task_id     bigint primary key references tasks (id),
    unit_id     bigint not null references units (id),
    rating      smallint not null check (rating between 1 and 5),
    rated_at    timestamptz not null default now()
);
create index task_ratings_unit on task_ratings (unit_id, rated_at);

create table task_rectifications (
    id              bigserial primary key,
    task_id         bigint not null unique references tasks (id),
    unit_id         bigint not null references units (id),
    rating          smallint not null,
    comment         text,
    status          text not null default 'open' check (status in ('open', 'done')),
    due_on          date not null,
    note            text,
    call_back       text,
    done_at         timestamptz,
    done_by         bigint references staff_members (id),
    created_at      timestamptz not null default now()
);
create index task_rectifications_unit_open on task_rectifications (unit_id, due_on)
    where status = 'open';

-- 申请复核: the citizen asks for a refused task to be looked at again. Someone other than the
-- clerk who refused decides, by a deadline in working days; the task reopens when the refusal
-- does not stand.
create table task_reviews (
    id              bigserial primary key,
    task_id         bigint not null references tasks (id),
    unit_id         bigint not null references units (id),
    citizen_id      bigint not null references citizens (id),
    reason          text not null,
    -- the clerk whose refusal is reviewed: never the one who decides
    refused_by      bigint references staff_members (id),
    status          text not null default 'open'
                    check (status in ('open', 'upheld', 'overturned')),
    due_on          date not null,
    decision_reason text,
    decided_by      bigint references staff_members (id),
    decided_at      timestamptz,
    created_at      timestamptz not null default now()
);
-- one review at a time for a task
create unique index task_reviews_one_open on task_reviews (task_id) where status = 'open';
create index task_reviews_unit_open on task_reviews (unit_id, due_on) where status = 'open';
