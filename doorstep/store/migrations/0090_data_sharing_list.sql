-- 数据共享责任清单, the data-sharing responsibility list: for each fact and document type of the
-- vault, the unit that owns it (the only one that may state or correct it), the units that may
-- read it, for which service items or bundles (or welfare visits), and the legal basis.
-- Published as whole versions; the version in force on a day is the latest one published whose
-- effective date has come (domain/sharing.py decides with it).

create table sharing_list_versions (
    id                     bigserial primary key,
    version                integer not null unique,
    effective_from         date not null,
    note                   text not null default '',
    published_by_staff_id  bigint references staff_members (id),
    published_at           timestamptz not null default now()
);
create index sharing_list_versions_in_force on sharing_list_versions (effective_from, version);

create table sharing_entries (
    id             bigserial primary key,
    list_id        bigint not null references sharing_list_versions (id),
    subject_kind   text not null check (subject_kind in ('fact', 'document')),
    subject_key    text not null,
    owner_unit_id  bigint not null references units (id),
    legal_basis    text not null,
    unique (list_id, subject_kind, subject_key)
);

create table sharing_grants (
    id              bigserial primary key,
    entry_id        bigint not null references sharing_entries (id),
    reader_unit_id  bigint not null references units (id),
    item_codes      text[] not null default '{}',
    bundle_codes    text[] not null default '{}',
    welfare_check   boolean not null default false,
    legal_basis     text not null,
    unique (entry_id, reader_unit_id)
);

-- a staff read the list refused is recorded too, and shown to the citizen as refused; the vault
-- items a read concerned ("fact:<key>", "document:<type>") join reads to the list
alter table personal_data_reads add column refused boolean not null default false;
alter table personal_data_reads add column subjects text[];
