-- The official holiday schedule of each year (国务院办公厅关于部分节假日安排的通知), entered by an
-- admin through GraphQL or the CLI. Versions are kept: a correction is a new version, the
-- latest one of a year is the one deadlines count with, and every one says who entered it.
create table holiday_schedules (
    id                   bigserial primary key,
    year                 int not null check (year between 2000 and 2200),
    version              int not null check (version > 0),
    holidays             date[] not null,
    workdays             date[] not null,
    source               text not null check (length(btrim(source)) > 0),
    note                 text not null default '',
    entered_by_staff_id  bigint not null references staff_members (id),
    entered_via          text not null check (entered_via in ('graphql', 'cli')),
    created_at           timestamptz not null default now(),
    unique (year, version)
);
