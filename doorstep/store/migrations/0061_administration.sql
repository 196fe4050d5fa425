-- Administration: units' territories, retiring units and staff, and the catalog versioned with
-- an effective date so an application keeps the version it was made under.

-- The regions a unit serves citizens in (辖区): a street office's township, a community's
-- village. Two street offices (or two communities) may not share any part of one.
create table unit_territories (
    unit_id        bigint not null references units (id) on delete cascade,
    region_prefix  text not null check (region_prefix ~ '^[0-9]{6}([0-9]{3}){0,2}$'),
    primary key (unit_id, region_prefix)
);
create index unit_territories_prefix on unit_territories (region_prefix);
alter table units add column updated_at timestamptz not null default now();
alter table staff_members add column updated_at timestamptz not null default now();

-- Every change to an item or a bundle is a new version that takes effect on a date (Asia/
-- Shanghai); the row in service_items / bundles holds the version in force (version_id), so
-- the code that reads the catalog reads what is in force. A version may retire the item or
-- bundle from its date on.
create table service_item_versions (
    id                   bigserial primary key,
    item_id              bigint not null references service_items (id),
    version              int not null check (version > 0),
    effective_from       date not null,
    name                 text not null,
    unit_id              bigint not null references units (id),
    description          text not null default '',
    materials            jsonb not null default '[]'::jsonb,
    legal_days           int not null check (legal_days > 0),
    promised_days        int not null check (promised_days > 0),
    retired              boolean not null default false,
    created_by_staff_id  bigint references staff_members (id),
    created_at           timestamptz not null default now(),
    unique (item_id, version),
    check (promised_days <= legal_days)
);

create table bundle_versions (
    id                   bigserial primary key,
    bundle_id            bigint not null references bundles (id),
    version              int not null check (version > 0),
    effective_from       date not null,
    name                 text not null,
    description          text not null default '',
    is_single            boolean not null,
    item_ids             bigint[] not null,
    retired              boolean not null default false,
    created_by_staff_id  bigint references staff_members (id),
    created_at           timestamptz not null default now(),
    unique (bundle_id, version)
);

alter table service_items add column version_id bigint references service_item_versions (id);
alter table service_items add column retired_at timestamptz;
alter table bundles add column version_id bigint references bundle_versions (id);

-- what there is now becomes version 1, in force since it was made
insert into service_item_versions (item_id, version, effective_from, name, unit_id, description,
                                   materials, legal_days, promised_days)
select id, 1, (created_at at time zone 'Asia/Shanghai')::date, name, unit_id, description,
       materials, legal_days, promised_days
from service_items;
update service_items i set version_id = v.id
from service_item_versions v where v.item_id = i.id;

insert into bundle_versions (bundle_id, version, effective_from, name, description, is_single,
                             item_ids, retired)
select b.id, 1, (b.created_at at time zone 'Asia/Shanghai')::date, b.name, b.description,
       b.is_single,
       coalesce((select array_agg(bi.item_id order by bi.position) from bundle_items bi
                 where bi.bundle_id = b.id), '{}'),
       not b.active
from bundles b;
update bundles b set version_id = v.id from bundle_versions v where v.bundle_id = b.id;

-- An application and its tasks remember the versions in force when they were made.
alter table applications add column bundle_version_id bigint references bundle_versions (id);
alter table tasks add column item_version_id bigint references service_item_versions (id);
update applications a set bundle_version_id = b.version_id from bundles b where b.id = a.bundle_id;
update tasks t set item_version_id = i.version_id from service_items i where i.id = t.item_id;

create function remember_catalog_version() returns trigger language plpgsql as $$
begin
    if tg_table_name = 'applications' then
        if new.bundle_version_id is null then
            select version_id into new.bundle_version_id from bundles where id = new.bundle_id;
        end if;
    elsif new.item_version_id is null then
        select version_id into new.item_version_id from service_items where id = new.item_id;
    end if;
    return new;
end $$;
create trigger applications_catalog_version before insert on applications
    for each row execute function remember_catalog_version();
create trigger tasks_catalog_version before insert on tasks
    for each row execute function remember_catalog_version();
