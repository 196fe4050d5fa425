-- Broadcasts: one template to many citizens. Each recipient is still one outbox row (its own
-- status, receipts and "how we told you"); rows of one broadcast and language go out in
-- batches of up to 100 numbers per SendBatchSms call.
create table broadcasts (
    id           bigserial primary key,
    template     text not null,
    params       jsonb not null,
    kind         text not null default 'broadcast',
    urgent       boolean not null default false,
    -- {"region": "310104"} or {"phones": n}: what the audience was, for the record
    audience     jsonb not null,
    staff_id     bigint references staff_members (id),
    -- writing: rows are being queued chunk by chunk; queued: every row is in the outbox
    state        text not null default 'writing' check (state in ('writing', 'queued')),
    -- the last citizen id whose row is written (a restart goes on after it)
    cursor       bigint not null default 0,
    total        int not null default 0,
    created_at   timestamptz not null default now(),
    queued_at    timestamptz
);

alter table outbox
    add column broadcast_id  bigint references broadcasts (id),
    -- the OutId of the SendBatchSms call this row went in (one per call, on every row of it)
    add column batch_out_id  text;

-- a lane's due rows, in order
create index outbox_broadcast_due on outbox (broadcast_id, language, id)
    where broadcast_id is not null and status in ('created', 'temporary-failure');
create index outbox_broadcast_sending on outbox (broadcast_id, sending_since)
    where broadcast_id is not null and status = 'sending';
create unique index outbox_broadcast_once on outbox (broadcast_id, citizen_id)
    where broadcast_id is not null;

create sequence outbox_batch_seq;
create index outbox_batch_out_id on outbox (batch_out_id) where batch_out_id is not null;

-- A lane's jobs beat here while they drain it. The sweeper starts a lane again (a new
-- generation of job ids, so a job a killed worker left "in progress" in Redis is not waited
-- for) once its heart stopped and rows are due: a Redis flush or a killed worker loses nothing.
create table broadcast_lanes (
    broadcast_id  bigint not null references broadcasts (id),
    language      text not null,
    generation    int not null default 0,
    heartbeat_at  timestamptz not null default now(),
    primary key (broadcast_id, language)
);
