-- 陪同办: a unit publishes slots in which a community worker accompanies a citizen to the hall
-- or visits her at home; a citizen (or her agent) books a place, changes or cancels it in the
-- app or by SMS reply; a reminder SMS goes the day before, once; the worker records the outcome.
-- `booked` counts the active bookings of a slot and is only ever moved by a conditional update
-- (booked < capacity), so two bookings at once for the last place cannot both win.
create sequence escort_booking_serial;

create table escort_slots (
    id           bigserial primary key,
    unit_id      bigint not null references units (id),
    kind         text not null check (kind in ('hall', 'home')),
    starts_at    timestamptz not null,
    ends_at      timestamptz not null,
    capacity     int not null check (capacity between 1 and 20),
    booked       int not null default 0,
    place        text not null,
    note         text,
    cancelled_at timestamptz,
    created_by   bigint references staff_members (id),
    created_at   timestamptz not null default now(),
    check (ends_at > starts_at),
    check (booked between 0 and capacity)
);
create index escort_slots_open on escort_slots (unit_id, starts_at) where cancelled_at is null;

create table escort_bookings (
    id              bigserial primary key,
    number          text not null unique,
    slot_id         bigint not null references escort_slots (id),
    citizen_id      bigint not null references citizens (id),
    -- the agent who booked for her (null: herself, or at the counter)
    agent_id        bigint references citizens (id),
    channel         text not null check (channel in ('app', 'sms', 'counter')),
    address         text,
    need            text,
    status          text not null check (status in ('booked', 'cancelled', 'done', 'no_show')),
    confirmed_at    timestamptz,
    reminded_at     timestamptz,
    outcome_note    text,
    outcome_by      bigint references staff_members (id),
    outcome_at      timestamptz,
    cancelled_at    timestamptz,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
-- one active place per person and slot
create unique index escort_bookings_once on escort_bookings (slot_id, citizen_id)
    where status = 'booked';
create index escort_bookings_citizen on escort_bookings (citizen_id, id desc);
create index escort_bookings_unreminded on escort_bookings (slot_id)
    where status = 'booked' and reminded_at is null;
