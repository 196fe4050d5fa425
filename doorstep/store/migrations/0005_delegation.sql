-- Citizens' own preferences, delegation (帮办代办), agents' actions, staff-assisted applications.

-- A language the citizen chose (setLanguage, or the demo data) is used everywhere; a citizen
-- created at log-in only has the language of that first request, and the API follows each
-- request's Accept-Language until they choose.
alter table citizens add column language_chosen boolean not null default true;
-- when the citizen turned elder mode on or off themselves: those of 60 or more are offered it
-- at log-in until they decide
alter table citizens add column elder_mode_chosen_at timestamptz;

-- An agent acting for a principal for chosen themes and a period. Nothing is allowed until
-- the principal consents (in the app, by replying Y to the SMS, or at a counter where staff
-- record that they checked identity and understanding).
create table delegations (
    id                   bigserial primary key,
    agent_id             bigint not null references citizens (id),
    principal_id         bigint not null references citizens (id),
    themes               text[] not null check (cardinality(themes) > 0 and themes <@
                           array['applications', 'social_security', 'medical_insurance',
                                 'elderly_subsidy', 'all']),
    status               text not null default 'requested' check (status in
                           ('requested', 'active', 'revoked', 'expired', 'refused')),
    requested_at         timestamptz not null default now(),
    valid_from           timestamptz not null,
    valid_until          timestamptz not null,
    consent_method       text check (consent_method in ('app', 'sms', 'in_person')),
    consented_at         timestamptz,
    -- in person: who checked, and what
    consent_staff_id     bigint references staff_members (id),
    identity_checked     boolean,
    understanding_checked boolean,
    consent_note         text,
    ended_at             timestamptz,
    -- principal, agent, staff, sms, system (the expiry sweep)
    ended_by             text,
    expiry_warned_at     timestamptz,
    -- the last day the principal was told their agent looked at their applications
    read_notice_on       date,
    check (agent_id <> principal_id),
    check (valid_until > valid_from),
    check ((status = 'active') <= (consent_method is not null)),
    check (consent_method <> 'in_person'
           or (consent_staff_id is not null and identity_checked and understanding_checked))
);
-- one open delegation (asked or active) per agent and principal
create unique index delegations_open_pair on delegations (agent_id, principal_id)
    where status in ('requested', 'active');
create index delegations_principal on delegations (principal_id, requested_at desc);
create index delegations_agent on delegations (agent_id, requested_at desc);
create index delegations_active_until on delegations (valid_until) where status = 'active';
create index delegations_requested on delegations (requested_at) where status = 'requested';

-- Every action of an agent for a principal, with both people.
create table delegation_actions (
    id              bigserial primary key,
    delegation_id   bigint not null references delegations (id),
    agent_id        bigint not null references citizens (id),
    principal_id    bigint not null references citizens (id),
    -- the policy operation, e.g. application.submit, materials.supply, application.read
    operation       text not null,
    application_id  bigint references applications (id),
    detail          jsonb not null default '{}'::jsonb,
    created_at      timestamptz not null default now()
);
create index delegation_actions_principal on delegation_actions (principal_id, created_at desc);
create index delegation_actions_delegation on delegation_actions (delegation_id, created_at desc);

-- A clerk submitting for a walk-in citizen records what they checked and that the citizen
-- agreed.
create table assisted_consents (
    id                bigserial primary key,
    application_id    bigint not null unique references applications (id),
    citizen_id        bigint not null references citizens (id),
    staff_id          bigint not null references staff_members (id),
    unit_id           bigint references units (id),
    identity_checked  boolean not null check (identity_checked),
    consent_given     boolean not null check (consent_given),
    -- how identity was checked, e.g. "身份证原件"
    identity_document text not null,
    note              text,
    created_at        timestamptz not null default now()
);

-- who read: for agents, the delegation they read under
alter table personal_data_reads add column delegation_id bigint references delegations (id);
