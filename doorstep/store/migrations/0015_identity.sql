-- Real identity (实名认证): a resident ID is bound to an account only once verified, online
-- through the identity provider (a face check against the ID) or at the counter by a clerk who
-- saw the ID card. A verified ID wanted by a second account goes to a person (conflicts).
-- Staff: a second factor (TOTP), and a record of every staff log-in.
alter table citizens
    add column identity_verified_at timestamptz,
    add column identity_method text
        check (identity_method in ('aliyun', 'dev', 'counter', 'seed', 'review')),
    -- the provider's certify id, or the counter consent's application number
    add column identity_ref text,
    -- the clerk who checked the card (counter) or the reviewer who decided (review)
    add column identity_staff_id bigint references staff_members (id),
    add check ((identity_verified_at is null) = (identity_method is null)),
    add check (identity_verified_at is null or resident_id_index is not null);

create table identity_verifications (
    id bigserial primary key,
    citizen_id bigint not null references citizens (id),
    provider text not null,
    -- the provider's id of this check (set once the provider answered): unique, so a
    -- certify id is finished at most once
    certify_id text unique,
    name text not null,
    resident_id_enc bytea not null,
    resident_id_index bytea not null,
    resident_id_masked text not null,
    status text not null default 'started'
        check (status in ('started', 'passed', 'failed', 'conflict')),
    -- the provider's sub code of a finished check
    result_code text,
    created_at timestamptz not null default now(),
    finished_at timestamptz
);
create index identity_verifications_citizen on identity_verifications (citizen_id, created_at);

create table identity_conflicts (
    id bigserial primary key,
    verification_id bigint not null unique references identity_verifications (id),
    claimant_id bigint not null references citizens (id),
    holder_id bigint not null references citizens (id),
    resident_id_index bytea not null,
    resident_id_masked text not null,
    status text not null default 'open' check (status in ('open', 'moved', 'kept')),
    decided_by bigint references staff_members (id),
    decided_at timestamptz,
    reason text,
    created_at timestamptz not null default now(),
    check ((status = 'open') = (decided_at is null))
);
create index identity_conflicts_open on identity_conflicts (created_at) where status = 'open';

create table staff_totp (
    staff_id bigint primary key references staff_members (id),
    secret_enc bytea not null,
    enrolled_at timestamptz not null default now(),
    -- the last 30-second step accepted: a code is good once (no replay within its window)
    last_step bigint not null default 0
);

create table staff_logins (
    id bigserial primary key,
    staff_id bigint references staff_members (id),
    phone_masked text not null,
    client_addr text,
    success boolean not null,
    -- why a failure failed (a stable code); null on success
    reason text,
    created_at timestamptz not null default now()
);
create index staff_logins_created on staff_logins (created_at desc);
