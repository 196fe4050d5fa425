-- 陪同办 booked by SMS: a citizen texts "陪同" and is offered the next free slot of her district
-- ("reply 1 to book"); the offer is kept so the "1" books that very slot (its extend code names
-- the offer).
create table escort_sms_offers (
    id          bigserial primary key,
    citizen_id  bigint not null references citizens (id),
    slot_id     bigint not null references escort_slots (id),
    asked_at    timestamptz not null default now(),
    answered_at timestamptz
);
create index escort_sms_offers_citizen on escort_sms_offers (citizen_id, asked_at desc);
