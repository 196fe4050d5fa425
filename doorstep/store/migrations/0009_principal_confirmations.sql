-- An agent's action that moves money or property (applying for a bundle that pays out, or
-- accepting an offer of one) waits here for the principal's own confirmation, in the app or by
-- replying Y / N to an SMS. It is not an application yet: only a confirmation creates one, in
-- the same transaction that marks this row confirmed.
create table delegation_confirmations (
    id              bigserial primary key,
    delegation_id   bigint not null references delegations (id),
    agent_id        bigint not null references citizens (id),
    principal_id    bigint not null references citizens (id),
    -- the policy operation it stands for: application.submit or offer.respond (accept)
    operation       text not null check (operation in ('application.submit', 'offer.respond')),
    bundle_code     text not null,
    offer_id        bigint references opportunities (id),
    -- the form as the agent filled it (it may hold a resident ID or certificate numbers),
    -- AES-256-GCM under the data key
    payload_enc     bytea not null,
    status          text not null default 'pending' check (status in
                      ('pending', 'confirmed', 'refused', 'expired', 'cancelled')),
    created_at      timestamptz not null default now(),
    expires_at      timestamptz not null,
    decided_at      timestamptz,
    -- app or sms (the principal), system (it expired), delegation (it was revoked or ended)
    decided_by      text check (decided_by in ('app', 'sms', 'system', 'delegation')),
    application_id  bigint references applications (id),
    check (agent_id <> principal_id),
    check (expires_at > created_at),
    check ((status = 'confirmed') = (application_id is not null)),
    check ((status = 'pending') = (decided_at is null)),
    check ((operation = 'offer.respond') = (offer_id is not null))
);
create index delegation_confirmations_principal
    on delegation_confirmations (principal_id, created_at desc);
create index delegation_confirmations_agent on delegation_confirmations (agent_id, created_at desc);
create index delegation_confirmations_delegation on delegation_confirmations (delegation_id)
    where status = 'pending';
create index delegation_confirmations_expiry on delegation_confirmations (expires_at)
    where status = 'pending';
-- one question at a time: a bundle (and an offer) waits for one confirmation per delegation
create unique index delegation_confirmations_once
    on delegation_confirmations (delegation_id, bundle_code) where status = 'pending';
create unique index delegation_confirmations_offer on delegation_confirmations (offer_id)
    where status = 'pending';
