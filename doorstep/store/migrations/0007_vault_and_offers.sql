-- The once-only vault (一次采集、多次使用) and services that find people (服务找人).
--
-- Vault: documents (证照) and typed facts per citizen, each with the unit it came from; every
-- use of a vault item by a unit is logged for the citizen to see; "this is wrong" opens a
-- correction for the unit that owns the fact.
-- Offers: eligibility and risk rules are versioned data (a JSON condition compiled to SQL by
-- doorstep.domain.rules); the rules cron inserts opportunities set-based, at most one live
-- offer per rule and citizen (a partial unique index), and citizens accept, dismiss or appeal.

create table vault_documents (
    id                    bigserial primary key,
    citizen_id            bigint not null references citizens (id),
    doc_type              text not null check (doc_type ~ '^[a-z][a-z0-9_]{1,40}$'),
    -- the certificate number: AES-GCM ciphertext, HMAC blind index (to spot the same document
    -- twice), and a masked copy to show
    number_enc            bytea,
    number_index          bytea,
    number_masked         text,
    issuer                text not null,
    valid_until           date,
    -- the scan is kept elsewhere, by reference, and checked by its hash
    file_ref              text,
    file_sha256           text check (file_sha256 ~ '^[0-9a-f]{64}$'),
    -- the unit that issued or holds it; null: the citizen provided it (with an application)
    source_unit_id        bigint references units (id),
    source_application_id bigint references applications (id),
    created_at            timestamptz not null default now(),
    updated_at            timestamptz not null default now(),
    revoked_at            timestamptz,
    check ((number_enc is null) = (number_index is null)),
    check ((file_ref is null) = (file_sha256 is null))
);
create unique index vault_documents_once on vault_documents (citizen_id, doc_type, number_index)
    where revoked_at is null and number_index is not null;
create index vault_documents_citizen on vault_documents (citizen_id, doc_type)
    where revoked_at is null;

-- One current value per citizen and key; earlier values go to vault_fact_history.
create table vault_facts (
    citizen_id      bigint not null references citizens (id),
    key             text not null check (key ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
    value_type      text not null check (value_type in ('bool', 'int', 'date', 'text')),
    flag            boolean,
    num             numeric,
    day             date,
    txt             text,
    source_unit_id  bigint not null references units (id),
    -- when the source unit says the value held (not when we stored it)
    as_of           timestamptz not null,
    recorded_at     timestamptz not null default now(),
    primary key (citizen_id, key),
    check (num_nonnulls(flag, num, day, txt) = 1),
    check (case value_type when 'bool' then flag is not null when 'int' then num is not null
                           when 'date' then day is not null else txt is not null end)
);
-- rules scan one key at a time: an index-only scan of that key's entries
create index vault_facts_by_key on vault_facts (key, citizen_id)
    include (flag, num, day, txt, source_unit_id, as_of);

create table vault_fact_history (
    id              bigserial primary key,
    citizen_id      bigint not null references citizens (id),
    key             text not null,
    value_type      text not null,
    flag            boolean,
    num             numeric,
    day             date,
    txt             text,
    source_unit_id  bigint not null references units (id),
    as_of           timestamptz not null,
    replaced_at     timestamptz not null default now(),
    replaced_by     text not null check (replaced_by in ('update', 'correction')),
    correction_id   bigint
);
create index vault_fact_history_citizen on vault_fact_history (citizen_id, key, id);

-- Which unit used which vault item, for what: shown to the citizen.
create table vault_uses (
    id              bigserial primary key,
    citizen_id      bigint not null references citizens (id),
    unit_id         bigint references units (id),
    -- application | offer | welfare_check | correction
    purpose         text not null,
    -- [{"kind": "document", "type": "...", "id": n} | {"kind": "fact", "key": "..."}]
    items           jsonb not null,
    application_id  bigint references applications (id),
    opportunity_id  bigint,
    created_at      timestamptz not null default now()
);
create index vault_uses_citizen on vault_uses (citizen_id, id desc);

-- "This data is wrong": a correction ticket for the unit that owns the fact.
create sequence correction_serial start 1;

create table fact_corrections (
    id                  bigserial primary key,
    number              text not null unique check (number ~ '^[0-9]+$'),
    citizen_id          bigint not null references citizens (id),
    fact_key            text not null,
    unit_id             bigint not null references units (id),
    flagged_value       jsonb,
    note                text not null,
    status              text not null default 'open'
                          check (status in ('open', 'corrected', 'confirmed')),
    corrected_value     jsonb,
    resolution_note     text,
    resolved_by_staff_id bigint references staff_members (id),
    resolved_at         timestamptz,
    -- what re-running the rules that read the fact did, per rule code
    rerun               jsonb,
    created_at          timestamptz not null default now()
);
create unique index fact_corrections_one_open on fact_corrections (citizen_id, fact_key)
    where status = 'open';
create index fact_corrections_unit on fact_corrections (unit_id, status, id);
create index fact_corrections_citizen on fact_corrections (citizen_id, id desc);

-- Rules: a stable code, and immutable versions; current_version is what the cron evaluates.
create table offer_rules (
    id               bigserial primary key,
    code             text not null unique check (code ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    current_version  int,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now()
);

create table offer_rule_versions (
    rule_id          bigint not null references offer_rules (id),
    version          int not null check (version > 0),
    kind             text not null check (kind in ('offer', 'alert', 'welfare_check')),
    category         text not null,
    bundle_code      text,
    -- the unit answerable for the rule: reviews its appeals; its region bounds who it reaches
    owner_unit_id    bigint not null references units (id),
    condition        jsonb not null,
    title            jsonb not null,
    explanation      jsonb not null,
    valid_days       int not null check (valid_days between 1 and 365),
    -- the vault keys the condition reads: a corrected fact re-runs exactly these rules
    fact_keys        text[] not null,
    published_by_staff_id bigint references staff_members (id),
    published_at     timestamptz not null default now(),
    primary key (rule_id, version),
    check ((kind = 'welfare_check') = (bundle_code is null))
);
create index offer_rule_versions_keys on offer_rule_versions using gin (fact_keys);

alter table offer_rules add foreign key (id, current_version)
    references offer_rule_versions (rule_id, version) deferrable initially deferred;

create table opportunities (
    id              bigserial primary key,
    citizen_id      bigint not null references citizens (id),
    rule_id         bigint not null references offer_rules (id),
    rule_version    int not null,
    kind            text not null,
    category        text not null,
    -- the values that produced it: {"field": {"v": value, "unit": unit id, "at": as_of}}
    evidence        jsonb not null,
    status          text not null default 'open' check (status in
                      ('open', 'accepted', 'dismissed', 'appealed', 'withdrawn', 'lapsed',
                       'expired', 'resolved')),
    status_reason   text,
    created_at      timestamptz not null default now(),
    expires_at      timestamptz not null,
    notified_at     timestamptz,
    decided_at      timestamptz,
    application_id  bigint references applications (id),
    foreign key (rule_id, rule_version) references offer_rule_versions (rule_id, version)
);
-- once: no new offer of a rule while one is open, appealed, accepted, dismissed or withdrawn;
-- after it expired, lapsed (the data changed) or was resolved (a visit done) it may come again
create unique index opportunities_once on opportunities (rule_id, citizen_id)
    where status in ('open', 'appealed', 'accepted', 'dismissed', 'withdrawn');
create index opportunities_citizen on opportunities (citizen_id, id desc);
create index opportunities_to_notify on opportunities (id)
    where notified_at is null and status = 'open';
create index opportunities_open_expiry on opportunities (expires_at)
    where status = 'open' and kind <> 'welfare_check';

create table offer_opt_outs (
    citizen_id   bigint not null references citizens (id),
    category     text not null,
    created_at   timestamptz not null default now(),
    primary key (citizen_id, category)
);

-- "This is not right": a human reviews it (the rule owner's unit, or the region's supervisor).
create table offer_appeals (
    id                bigserial primary key,
    opportunity_id    bigint not null unique references opportunities (id),
    citizen_id        bigint not null references citizens (id),
    unit_id           bigint not null references units (id),
    reason            text not null,
    status            text not null default 'pending'
                        check (status in ('pending', 'upheld', 'rejected')),
    reviewer_staff_id bigint references staff_members (id),
    decision_note     text,
    created_at        timestamptz not null default now(),
    decided_at        timestamptz
);
create index offer_appeals_queue on offer_appeals (unit_id, status, id);

-- A welfare-check finding becomes a visit for the citizen's community unit.
create table welfare_checks (
    id              bigserial primary key,
    opportunity_id  bigint not null unique references opportunities (id),
    citizen_id      bigint not null references citizens (id),
    unit_id         bigint not null references units (id),
    status          text not null default 'open' check (status in ('open', 'done')),
    due_on          date not null,
    outcome         text check (outcome in ('safe', 'needs_help', 'not_reached')),
    note            text,
    staff_id        bigint references staff_members (id),
    created_at      timestamptz not null default now(),
    done_at         timestamptz
);
create index welfare_checks_unit on welfare_checks (unit_id, status, due_on);
