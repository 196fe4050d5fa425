-- Notifications that reach everyone: attempts, provider receipts, channel pauses.
--
-- Statuses stay GOV.UK Notify's (created, sending, sent, delivered, temporary-failure,
-- permanent-failure, technical-failure). 'sending' is a claim: the attempt is recorded and
-- committed before the provider is called, so a crash between the call and the record leaves
-- a 'sending' row that is reconciled with the provider before anything is sent again.

alter table outbox
    -- when a held or failed row may be tried again (null: at once)
    add column next_attempt_at  timestamptz,
    -- why a due row waits: backoff, provider_limit, paused, quiet_hours, digest, cap
    add column hold_reason      text,
    -- set while an attempt (or a look-up at the provider) is in flight
    add column sending_since    timestamptz,
    add column last_attempt_at  timestamptz,
    -- retryable failures so far (network, 5xx, throttling); attempts counts every call
    add column retries          int not null default 0,
    -- the last attempt's outcome is unknown (timeout after the request left): look before
    -- sending again
    add column reconcile_first  boolean not null default false,
    add column sms_parts        int,
    add column delivered_at     timestamptz,
    add column receipt_code     text,
    add column receipt_polled_at timestamptz;

create index outbox_due on outbox (coalesce(next_attempt_at, updated_at))
    where status in ('created', 'temporary-failure');
create index outbox_sending on outbox (sending_since) where status = 'sending';
create index outbox_awaiting_receipt on outbox (sent_at) where status = 'sent';
create index outbox_provider_id on outbox (provider_id) where provider_id is not null;

-- Every call to a provider for a row: when, through which channel, what came back.
create table outbox_attempts (
    outbox_id      bigint not null references outbox (id),
    attempt        int not null,
    channel        text not null,
    started_at     timestamptz not null default now(),
    finished_at    timestamptz,
    -- sent, delivered, retry, unknown, defer, pause, permanent, technical, reconciled:<status>
    outcome        text,
    provider_code  text,
    provider_id    text,
    error          text,
    primary key (outbox_id, attempt)
);

-- Delivery reports: pushed by the provider (SmsReport), polled (QuerySendDetails) or found when
-- reconciling. dedupe_key makes a repeated push a no-op.
create table sms_receipts (
    id            bigserial primary key,
    outbox_id     bigint not null references outbox (id),
    source        text not null check (source in ('push', 'poll', 'reconcile')),
    dedupe_key    text not null unique,
    biz_id        text,
    out_id        text,
    phone         text not null,
    success       boolean,
    err_code      text,
    err_msg       text,
    send_time     text,
    report_time   text,
    applied       boolean not null,
    received_at   timestamptz not null default now()
);
create index sms_receipts_outbox on sms_receipts (outbox_id);

-- A channel stopped for every message (out of credit, keys refused) until paused_until or
-- until an operator resumes it; rows wait with hold_reason 'paused'.
create table channel_pauses (
    channel       text primary key,
    code          text not null,
    reason        text not null,
    paused_at     timestamptz not null default now(),
    paused_until  timestamptz not null
);

-- Digest: updates to one application that pile up within a few minutes go as one SMS. The row
-- that goes carries the others; each of them points at it and follows its status.
alter table outbox add column merged_into bigint references outbox (id);
create index outbox_merged on outbox (merged_into) where merged_into is not null;
create index outbox_application_pending on outbox (phone, (params ->> 'number'))
    where status in ('created', 'temporary-failure') and merged_into is null;
create index outbox_recent_sends on outbox (phone, last_attempt_at)
    where last_attempt_at is not null;

-- "How we told you": every decision about a notification, with its reason.
create table notification_decisions (
    id          bigserial primary key,
    outbox_id   bigint not null references outbox (id),
    citizen_id  bigint references citizens (id),
    -- channel: which one and why; held: waits until `until` (quiet hours, digest, cap,
    -- provider limit, paused, retry); merged: went inside another row's SMS; digest: carried n;
    -- fallback: an SMS follows because this push failed or went unread
    decision    text not null check (decision in ('channel', 'held', 'merged', 'digest',
                                                  'fallback')),
    channel     text,
    reason      text not null,
    until       timestamptz,
    detail      jsonb not null default '{}'::jsonb,
    created_at  timestamptz not null default now()
);
create index notification_decisions_outbox on notification_decisions (outbox_id, id);
create index notification_decisions_citizen on notification_decisions (citizen_id, id desc)
    where citizen_id is not null;
create unique index notification_decisions_one_channel on notification_decisions (outbox_id)
    where decision = 'channel';

-- Web Push: a citizen's browsers and phones that accept push messages.
create table push_subscriptions (
    id               bigserial primary key,
    citizen_id       bigint not null references citizens (id),
    endpoint         text not null unique,
    p256dh           text not null,
    auth             text not null,
    created_at       timestamptz not null default now(),
    last_success_at  timestamptz
);
create index push_subscriptions_citizen on push_subscriptions (citizen_id);

alter table outbox
    -- the channel this row must use (a fallback SMS); null: the policy chooses
    add column via          text check (via in ('push', 'sms')),
    -- an SMS sent because this push failed or went unread
    add column fallback_of  bigint references outbox (id),
    add column opened_at    timestamptz;
create unique index outbox_one_fallback on outbox (fallback_of) where fallback_of is not null;
create index outbox_push_unread on outbox (sent_at)
    where channel = 'push' and opened_at is null;

-- SMS replies (SmsUp pushes): each kept once, with what we did about it.
create table sms_inbound (
    id           bigserial primary key,
    dedupe_key   text not null unique,
    phone        text not null,
    content      text not null,
    dest_code    text,
    sequence_id  text,
    send_time    text,
    citizen_id   bigint references citizens (id),
    -- what it was: delegation, follow_up, status, unsubscribe, help, help_skipped, unknown_number
    outcome      text,
    received_at  timestamptz not null default now()
);
create index sms_inbound_phone on sms_inbound (phone, received_at desc);

-- "TD" / "退订": no more non-essential SMS (offers); everything about one's own affairs still
-- goes
alter table citizens add column sms_opt_out_at timestamptz;
