-- The rating question by SMS after an application is finished ("reply 1-5"), for those who
-- read SMS only or in elder mode: when it was asked, so a bare digit reply finds it.
alter table applications add column rating_asked_at timestamptz;
create index applications_rating_asked on applications (citizen_id, rating_asked_at desc)
    where rating_asked_at is not null;
