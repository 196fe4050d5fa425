-- Foundation: catalog, citizens and staff, applications and tasks, the event log,
-- login codes, sessions, the outbox and the personal-data access log.

create table units (
    id           bigserial primary key,
    code         text not null unique,
    name         text not null,
    kind         text not null check (kind in
                   ('department', 'street_office', 'community', 'enterprise', 'social_organisation')),
    region_code  text not null check (region_code ~ '^[0-9]{6}([0-9]{3}){0,2}$'),
    parent_id    bigint references units (id),
    phone        text,
    created_at   timestamptz not null default now()
);

create table service_items (
    id            bigserial primary key,
    code          text not null unique,
    name          text not null,
    unit_id       bigint not null references units (id),
    description   text not null default '',
    -- [{"code": "...", "name": "...", "required": true}]
    materials     jsonb not null default '[]'::jsonb,
    legal_days    int not null check (legal_days > 0),
    promised_days int not null check (promised_days > 0),
    created_at    timestamptz not null default now(),
    check (promised_days <= legal_days)
);

create table bundles (
    id           bigserial primary key,
    code         text not null unique,
    name         text not null,
    description  text not null default '',
    -- life-event bundles combine several items; single items are bundles of one
    is_single    boolean not null default false,
    active       boolean not null default true,
    created_at   timestamptz not null default now()
);

create table bundle_items (
    bundle_id  bigint not null references bundles (id) on delete cascade,
    item_id    bigint not null references service_items (id),
    position   int not null,
    primary key (bundle_id, item_id)
);
create index bundle_items_item on bundle_items (item_id);

create table citizens (
    id                 bigserial primary key,
    phone              text not null unique check (phone ~ '^\+[1-9][0-9]{6,14}$'),
    name               text,
    resident_id_enc    bytea,
    resident_id_index  bytea unique,
    resident_id_masked text,
    birth_date         date,
    region_code        text check (region_code ~ '^[0-9]{6}([0-9]{3}){0,2}$'),
    language           text not null default 'zh_Hans' check (language in ('zh_Hans', 'zh_Hant', 'en')),
    channel_preference text not null default 'push' check (channel_preference in ('push', 'sms')),
    elder_mode         boolean not null default false,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now()
);

create table staff_members (
    id           bigserial primary key,
    phone        text not null unique check (phone ~ '^\+[1-9][0-9]{6,14}$'),
    name         text not null,
    unit_id      bigint references units (id),
    role         text not null check (role in ('staff', 'supervisor', 'admin')),
    -- supervisors oversee every unit whose region code starts with this prefix
    region_code  text,
    active       boolean not null default true,
    created_at   timestamptz not null default now(),
    check (role = 'admin' or unit_id is not null)
);

create sequence application_serial start 1;

create table applications (
    id              bigserial primary key,
    number          text not null unique check (number ~ '^[0-9]+$'),
    citizen_id      bigint not null references citizens (id),
    bundle_id       bigint not null references bundles (id),
    status          text not null,
    form            jsonb not null default '{}'::jsonb,
    submitted_by_staff_id bigint references staff_members (id),
    tasks_total     int not null,
    tasks_final     int not null default 0,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    completed_at    timestamptz
);
create index applications_citizen on applications (citizen_id, created_at desc);

create table tasks (
    id              bigserial primary key,
    application_id  bigint not null references applications (id),
    item_id         bigint not null references service_items (id),
    unit_id         bigint not null references units (id),
    position        int not null,
    status          text not null,
    working_days    int not null,
    -- the last working day (Asia/Shanghai) on which the task is due; moves while paused
    due_on          date not null,
    -- while the task waits for the citizen (补正): when it paused and how many working days
    -- were left, so the deadline can be moved on when the materials arrive
    paused_at       timestamptz,
    days_left_at_pause int,
    reason          text,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    unique (application_id, item_id)
);
create index tasks_application on tasks (application_id, position);
create index tasks_unit_queue on tasks (unit_id, status, due_on);

-- Append-only log of every change. seq orders everything; subscribers resume from it.
create table events (
    seq             bigserial primary key,
    application_id  bigint references applications (id),
    task_id         bigint references tasks (id),
    citizen_id      bigint references citizens (id),
    kind            text not null,
    actor_kind      text not null check (actor_kind in ('citizen', 'staff', 'system')),
    actor_id        bigint,
    data            jsonb not null default '{}'::jsonb,
    created_at      timestamptz not null default now()
);
create index events_application on events (application_id, seq);
create index events_citizen on events (citizen_id, seq);

create function events_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'events are append-only' using errcode = 'insufficient_privilege';
end $$;
create trigger events_no_update before update or delete on events
    for each row execute function events_append_only();
create trigger events_no_truncate before truncate on events
    for each statement execute function events_append_only();

create table login_codes (
    id           bigserial primary key,
    phone        text not null,
    code_hash    bytea not null,
    client_addr  text,
    attempts     int not null default 0,
    created_at   timestamptz not null default now(),
    expires_at   timestamptz not null,
    consumed_at  timestamptz
);
create index login_codes_phone on login_codes (phone, created_at desc);
create index login_codes_client on login_codes (client_addr, created_at desc);

create table sessions (
    id            bigserial primary key,
    token_hash    bytea not null unique,
    role          text not null check (role in ('citizen', 'staff', 'supervisor', 'admin')),
    citizen_id    bigint references citizens (id),
    staff_id      bigint references staff_members (id),
    created_at    timestamptz not null default now(),
    expires_at    timestamptz not null,
    revoked_at    timestamptz,
    check ((role = 'citizen') = (citizen_id is not null)),
    check ((role <> 'citizen') = (staff_id is not null))
);
create index sessions_citizen on sessions (citizen_id) where citizen_id is not null;

-- Notifications to send, written in the same transaction as the change that caused them.
create table outbox (
    id            bigserial primary key,
    citizen_id    bigint references citizens (id),
    phone         text not null,
    kind          text not null,
    template      text not null,
    params        jsonb not null default '{}'::jsonb,
    language      text not null default 'zh_Hans',
    urgent        boolean not null default false,
    status        text not null default 'created' check (status in
                    ('created', 'sending', 'sent', 'delivered',
                     'temporary-failure', 'permanent-failure', 'technical-failure')),
    channel       text,
    body          text,
    attempts      int not null default 0,
    provider_id   text,
    last_error    text,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    sent_at       timestamptz
);
create index outbox_pending on outbox (created_at) where status in ('created', 'temporary-failure');
create index outbox_phone on outbox (phone, id desc);

-- Every read of a citizen's personal data by staff (later: agents): who, what, why.
create table personal_data_reads (
    id           bigserial primary key,
    citizen_id   bigint not null references citizens (id),
    reader_kind  text not null check (reader_kind in ('staff', 'agent')),
    reader_id    bigint not null,
    what         text not null,
    purpose      text not null,
    created_at   timestamptz not null default now()
);
create index personal_data_reads_citizen on personal_data_reads (citizen_id, created_at desc);
