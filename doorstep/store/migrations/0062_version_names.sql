-- The names an application and its tasks were made under, kept on the rows themselves: the
-- application pages read them without a look-up per row (a correlated read of the version
-- added a sixth to myApplications' two queries, bench/version_names_bench.py).
alter table applications add column bundle_name text;
alter table tasks add column item_name text;
update applications a set bundle_name = v.name from bundle_versions v
where v.id = a.bundle_version_id;
update applications a set bundle_name = b.name from bundles b
where b.id = a.bundle_id and a.bundle_name is null;
update tasks t set item_name = v.name from service_item_versions v
where v.id = t.item_version_id;
update tasks t set item_name = i.name from service_items i
where i.id = t.item_id and t.item_name is null;

create or replace function remember_catalog_version() returns trigger language plpgsql as $$
begin
    if tg_table_name = 'applications' then
        if new.bundle_version_id is null then
            select version_id into new.bundle_version_id from bundles where id = new.bundle_id;
        end if;
        if new.bundle_name is null then
            select name into new.bundle_name from bundles where id = new.bundle_id;
        end if;
    else
        if new.item_version_id is null then
            select version_id into new.item_version_id from service_items where id = new.item_id;
        end if;
        if new.item_name is null then
            select name into new.item_name from service_items where id = new.item_id;
        end if;
    end if;
    return new;
end $$;
