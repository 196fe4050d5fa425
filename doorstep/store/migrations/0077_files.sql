-- Materials as real files. A citizen asks for an upload grant (short-lived, single use), puts
-- the bytes with it, and the file is kept encrypted in object storage under a key of ours; the
-- database holds its type, size, SHA-256 and where it lies. A file is attached to an
-- application as one of its materials; clerks open it only through the service.
create table upload_grants (
    id          bigserial primary key,
    token_hash  bytea not null unique,
    citizen_id  bigint not null references citizens (id),
    expires_at  timestamptz not null,
    used_at     timestamptz,
    created_at  timestamptz not null default now()
);

create table stored_files (
    id           bigserial primary key,
    citizen_id   bigint not null references citizens (id),
    media_type   text not null check (media_type in ('image/jpeg', 'image/png', 'application/pdf')),
    size_bytes   int not null check (size_bytes > 0),
    sha256       text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    storage_key  text not null unique,
    -- the virus-scanning hook's verdict; only clean files are ever served
    scan_status  text not null check (scan_status in ('clean', 'infected')),
    grant_id     bigint not null unique references upload_grants (id),
    created_at   timestamptz not null default now(),
    deleted_at   timestamptz
);
create index stored_files_citizen on stored_files (citizen_id, created_at desc);

create table application_files (
    application_id  bigint not null references applications (id),
    material_code   text not null check (length(material_code) between 1 and 80),
    file_id         bigint not null references stored_files (id),
    attached_at     timestamptz not null default now(),
    primary key (application_id, file_id)
);
