-- API keys of third-party apps (Open311 clients): only a hash is kept; a key is shown once,
-- when issued. Revoked keys stay, for the record of who had access when.
create table api_keys (
    id bigserial primary key,
    name text not null check (length(name) between 1 and 100),
    key_hash bytea not null unique,
    -- the first characters, to tell keys apart in a list without revealing them
    prefix text not null,
    scopes text[] not null check (cardinality(scopes) > 0),
    created_at timestamptz not null default now(),
    revoked_at timestamptz,
    last_used_at timestamptz
);
