-- Tickets: per-citizen and per-address filing limits, and the ticket catalog (categories, what
-- each unit serves, each region's fallback unit) managed by supervisors and admins.

-- The address a ticket was filed from (the app, Open311), for the per-address limit; none for
-- tickets a hotline clerk typed in (a call centre is one address: callers are limited by phone).
alter table tickets add column client_addr text;
create index tickets_client_recent on tickets (client_addr, created_at)
    where client_addr is not null;
-- the per-citizen limit counts the citizen's tickets of the last day
create index tickets_citizen_recent on tickets (citizen_id, created_at);

-- A retired category takes no new tickets; the tickets that name it keep it.
alter table ticket_categories add column retired_at timestamptz;
alter table ticket_categories add column updated_at timestamptz not null default now();

-- One number that grows with every change to the catalog dispatch reads (fallback units,
-- categories, service areas): each API process rebuilds its compiled rules when it moves, so a
-- new fallback unit routes the next ticket in every process at once.
create table ticket_catalog_version (
    id       boolean primary key default true check (id),
    version  bigint not null default 0
);
insert into ticket_catalog_version (id, version) values (true, 0);

create function ticket_catalog_changed() returns trigger language plpgsql as $$
begin
    update ticket_catalog_version set version = version + 1;
    return null;
end $$;
create trigger ticket_catalog_regions after insert or update or delete on regions
    for each statement execute function ticket_catalog_changed();
create trigger ticket_catalog_categories after insert or update or delete on ticket_categories
    for each statement execute function ticket_catalog_changed();
create trigger ticket_catalog_areas after insert or update or delete on unit_service_areas
    for each statement execute function ticket_catalog_changed();
