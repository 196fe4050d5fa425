-- Open311 GeoReport v2: a category's keywords (synonyms a citizen might use, also what an SMS
-- is matched against to guess its category) and its group; and descriptions up to the
-- 4,000 characters the spec allows.
alter table ticket_categories add column keywords text[] not null default '{}';
alter table ticket_categories add column group_name text not null default '';

alter table tickets drop constraint tickets_description_check;
alter table tickets add constraint tickets_description_check
    check (length(description) between 1 and 4000);
