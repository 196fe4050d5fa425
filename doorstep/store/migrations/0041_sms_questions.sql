-- SMS alone: the rating question sent after a ticket closed (a reply 1-5 answers it).
alter table tickets add column rating_asked_at timestamptz;
create index tickets_rating_asked on tickets (citizen_id, rating_asked_at desc)
    where rating_asked_at is not null and rating is null;
