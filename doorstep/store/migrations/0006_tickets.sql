-- Tickets (诉求 / 工单): regions and what each unit serves, versioned dispatch rules, tickets
-- with their assignments, extensions, follow-ups, ratings and rectifications, deadline alerts,
-- and ticket events in the one event log.

-- Region codes (GB/T 2260, extended to township and village) that tickets may name, and the unit
-- that takes a ticket no rule routes (the nearest one up the tree: community, street, district).
create table regions (
    code              text primary key check (code ~ '^[0-9]{6}([0-9]{3}){0,2}$'),
    name              text not null,
    parent_code       text references regions (code),
    fallback_unit_id  bigint references units (id),
    check (parent_code is null or code like parent_code || '%')
);
create index regions_parent on regions (parent_code);

create table ticket_categories (
    code         text primary key check (code ~ '^[a-z][a-z0-9_-]{1,39}$'),
    name         text not null,
    description  text not null default '',
    position     int not null default 0,
    active       boolean not null default true
);

-- What each unit serves: a category in the regions under a prefix.
create table unit_service_areas (
    unit_id        bigint not null references units (id),
    category_code  text not null references ticket_categories (code),
    region_prefix  text not null check (region_prefix ~ '^[0-9]{2,12}$'),
    primary key (unit_id, category_code, region_prefix)
);
create index unit_service_areas_category on unit_service_areas (category_code, region_prefix);

-- Dispatch rules are data, versioned as whole sets: supervisors edit a draft copied from the
-- published set, dry-run it, and publish it; the published set is then immutable and the one
-- before it is kept (superseded) so every decision can name the rule and version it used.
create table dispatch_rule_sets (
    id                     bigserial primary key,
    status                 text not null
                           check (status in ('draft', 'published', 'superseded', 'discarded')),
    -- the published set a draft was copied from: publishing a stale draft is refused
    base_id                bigint references dispatch_rule_sets (id),
    author_staff_id        bigint references staff_members (id),
    note                   text not null default '',
    published_by_staff_id  bigint references staff_members (id),
    published_at           timestamptz,
    -- the warnings shown when it was published (never-matching, shadowed rules)
    warnings               jsonb not null default '[]'::jsonb,
    created_at             timestamptz not null default now(),
    updated_at             timestamptz not null default now()
);
create unique index dispatch_rule_sets_one_published on dispatch_rule_sets ((true))
    where status = 'published';
create unique index dispatch_rule_sets_one_draft_each on dispatch_rule_sets (author_staff_id)
    where status = 'draft';

-- rule numbers are stable across sets; a rule's version grows each time its content changes
create sequence dispatch_rule_no start 1;

create table dispatch_rules (
    rule_set_id         bigint not null references dispatch_rule_sets (id),
    rule_no             int not null check (rule_no > 0),
    version             int not null check (version > 0),
    -- tried in ascending order: priority 1 first
    priority            int not null check (priority between 1 and 1000000),
    kinds               text[] not null default '{}',
    categories          text[] not null default '{}',
    region_prefixes     text[] not null default '{}',
    keywords            text[] not null default '{}',
    urgencies           text[] not null default '{}',
    lead_unit_id        bigint not null references units (id),
    assisting_unit_ids  bigint[] not null default '{}',
    deadline_profile    text check (deadline_profile in ('urgent', 'enquiry', 'help', 'complaint')),
    note                text not null default '',
    primary key (rule_set_id, rule_no),
    unique (rule_set_id, priority)
);

create function dispatch_rules_frozen() returns trigger language plpgsql as $$
declare
    v_status text;
begin
    if tg_op in ('UPDATE', 'DELETE') then
        select status into v_status from dispatch_rule_sets where id = old.rule_set_id;
        if v_status is distinct from 'draft' then
            raise exception 'dispatch rules of a % set are immutable', v_status
                using errcode = 'insufficient_privilege';
        end if;
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        select status into v_status from dispatch_rule_sets where id = new.rule_set_id;
        if v_status is distinct from 'draft' then
            raise exception 'dispatch rules of a % set are immutable', v_status
                using errcode = 'insufficient_privilege';
        end if;
        return new;
    end if;
    return old;
end $$;
create trigger dispatch_rules_frozen before insert or update or delete on dispatch_rules
    for each row execute function dispatch_rules_frozen();

-- a set leaves 'draft' once (published or discarded); a published set can only be superseded
create function dispatch_rule_sets_frozen() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        raise exception 'dispatch rule sets are kept' using errcode = 'insufficient_privilege';
    end if;
    if old.status = 'draft' then
        return new;
    end if;
    if old.status = 'published' and new.status = 'superseded'
       and (new.id, new.base_id, new.author_staff_id, new.note, new.published_by_staff_id,
            new.published_at, new.warnings)
           is not distinct from
           (old.id, old.base_id, old.author_staff_id, old.note, old.published_by_staff_id,
            old.published_at, old.warnings) then
        return new;
    end if;
    raise exception 'a % dispatch rule set cannot be changed', old.status
        using errcode = 'insufficient_privilege';
end $$;
create trigger dispatch_rule_sets_frozen before update or delete on dispatch_rule_sets
    for each row execute function dispatch_rule_sets_frozen();

create sequence ticket_serial start 1;

create table tickets (
    id                    bigserial primary key,
    number                text not null unique check (number ~ '^[0-9]+$'),
    citizen_id            bigint not null references citizens (id),
    -- a hotline clerk who typed it in on the citizen's behalf
    submitted_by_staff_id bigint references staff_members (id),
    channel               text not null check (channel in ('app', 'hotline', 'sms', 'open311')),
    kind                  text not null
                          check (kind in ('enquiry', 'help', 'complaint', 'report', 'suggestion')),
    category_code         text not null references ticket_categories (code),
    description           text not null check (length(description) between 1 and 2000),
    region_code           text not null references regions (code),
    latitude              double precision check (latitude between -90 and 90),
    longitude             double precision check (longitude between -180 and 180),
    urgency               text not null check (urgency in ('normal', 'urgent', 'danger')),
    status                text not null check (status in
                            ('dispatched', 'acknowledged', 'returned', 'resolved', 'reopened',
                             'closed', 'closed_unconfirmed')),
    lead_unit_id          bigint not null references units (id),
    assisting_unit_ids    bigint[] not null default '{}',
    -- the first dispatch decision: which rule and version, and why (key + params, translated
    -- when shown); no rule or a keyword guess sends it to review
    dispatch_basis        text not null
                          check (dispatch_basis in ('rule', 'keyword_guess', 'no_rule')),
    rule_set_id           bigint references dispatch_rule_sets (id),
    rule_no               int,
    rule_version          int,
    dispatch_reason       jsonb not null default '{}'::jsonb,
    needs_review          boolean not null default false,
    deadline_profile      text not null
                          check (deadline_profile in ('urgent', 'enquiry', 'help', 'complaint')),
    -- the current assignment's clock: acknowledge within hours, handle within working days
    assigned_at           timestamptz not null,
    ack_due_at            timestamptz not null,
    ack_remind_at         timestamptz not null,
    acknowledged_at       timestamptz,
    handle_days           int not null check (handle_days >= 0),
    extended_days         int not null default 0,
    extensions            int not null default 0,
    handle_due_on         date not null,
    handle_due_at         timestamptz not null,
    -- when 75% of the handling time is used: the start of that working day, or for a
    -- same-day deadline three quarters of the hours left
    handle_remind_at      timestamptz not null,
    resolved_at           timestamptz,
    resolution_note       text,
    -- follow-up (回访): asks so far in this round, the last ask, and the citizen's answer
    follow_up_asks        int not null default 0,
    follow_up_asked_at    timestamptz,
    solved                boolean,
    finished_at           timestamptz,
    returns_count         int not null default 0,
    reopen_count          int not null default 0,
    -- the same category in the same place within 30 days: linked, and if the earlier one had
    -- been resolved, a recurrence counted against the unit that resolved it
    previous_ticket_id    bigint references tickets (id),
    recurrence_unit_id    bigint references units (id),
    rating                smallint check (rating between 1 and 5),
    rating_comment        text,
    rated_at              timestamptz,
    created_at            timestamptz not null default now(),
    updated_at            timestamptz not null default now(),
    check ((latitude is null) = (longitude is null)),
    check ((status in ('closed', 'closed_unconfirmed')) = (finished_at is not null)),
    check (status <> 'closed' or solved is true)
);
create index tickets_citizen on tickets (citizen_id, id desc);
create index tickets_unit_open on tickets (lead_unit_id, status, handle_due_on)
    where status not in ('closed', 'closed_unconfirmed');
create index tickets_review on tickets (created_at)
    where status = 'returned' or (needs_review and status = 'dispatched');
create index tickets_same_place on tickets (category_code, region_code, created_at desc);
create index tickets_created on tickets (created_at);
create index tickets_ack_remind on tickets (ack_remind_at) where status = 'dispatched';
create index tickets_handle_remind on tickets (handle_remind_at)
    where status in ('dispatched', 'acknowledged', 'reopened');
create index tickets_follow_up on tickets (follow_up_asked_at) where status = 'resolved';

-- Every dispatch of a ticket to a unit: by a rule, to a fallback, by a supervisor, or after too
-- many returns; whether the unit acknowledged or returned it, and in time.
create table ticket_assignments (
    id               bigserial primary key,
    ticket_id        bigint not null references tickets (id),
    unit_id          bigint not null references units (id),
    -- the ticket's region, kept here so rates per region need no join
    region_code      text not null,
    basis            text not null check (basis in
                       ('rule', 'keyword_guess', 'no_rule', 'supervisor', 'return_limit')),
    by_staff_id      bigint references staff_members (id),
    note             text,
    ack_due_at       timestamptz not null,
    acknowledged_at  timestamptz,
    acknowledged_by  bigint references staff_members (id),
    returned_at      timestamptz,
    return_reason    text,
    returned_by      bigint references staff_members (id),
    created_at       timestamptz not null default now()
);
create index ticket_assignments_ticket on ticket_assignments (ticket_id, id);

create table ticket_extensions (
    id          bigserial primary key,
    ticket_id   bigint not null references tickets (id),
    unit_id     bigint not null references units (id),
    staff_id    bigint references staff_members (id),
    days        int not null check (days between 1 and 60),
    reason      text not null,
    due_before  date not null,
    due_after   date not null,
    created_at  timestamptz not null default now()
);
create index ticket_extensions_ticket on ticket_extensions (ticket_id);

-- Each ask (回访) and its answer, per round (a reopened ticket is asked again).
create table ticket_follow_ups (
    id              bigserial primary key,
    ticket_id       bigint not null references tickets (id),
    round           int not null,
    ask_no          int not null check (ask_no between 1 and 2),
    asked_at        timestamptz not null default now(),
    answered_at     timestamptz,
    solved          boolean,
    answer_channel  text check (answer_channel in ('app', 'sms', 'hotline', 'open311')),
    unique (ticket_id, round, ask_no)
);

-- 整改: a rating of 不满意 or worse makes the unit put it right by its own deadline.
create table rectifications (
    id          bigserial primary key,
    ticket_id   bigint not null unique references tickets (id),
    unit_id     bigint not null references units (id),
    rating      smallint not null,
    comment     text,
    status      text not null default 'open' check (status in ('open', 'done')),
    due_on      date not null,
    due_at      timestamptz not null,
    remind_at   timestamptz not null,
    note        text,
    done_at     timestamptz,
    done_by     bigint references staff_members (id),
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
create index rectifications_unit_open on rectifications (unit_id, due_on) where status = 'open';
create index rectifications_remind on rectifications (remind_at) where status = 'open';

-- Each reminder (75%) and escalation (overdue) once per ticket, clock and deadline, whatever
-- the number of workers or restarts; an extended or new deadline earns new alerts.
create table ticket_alerts (
    ticket_id   bigint not null references tickets (id),
    threshold   text not null check (threshold in
                  ('ack_reminder', 'ack_overdue', 'handle_reminder', 'handle_overdue',
                   'rectify_reminder', 'rectify_overdue')),
    deadline    timestamptz not null,
    unit_id     bigint not null references units (id),
    created_at  timestamptz not null default now(),
    primary key (ticket_id, threshold, deadline)
);
create index ticket_alerts_unit on ticket_alerts (unit_id, created_at desc);

-- Ticket events share the one append-only log (and its per-citizen ordering and hint).
alter table events add column ticket_id bigint references tickets (id);
create index events_ticket on events (ticket_id, seq) where ticket_id is not null;

create function append_ticket_event(p_ticket_id bigint, p_citizen_id bigint, p_kind text,
                                    p_actor_kind text, p_actor_id bigint, p_data jsonb)
returns bigint language plpgsql as $$
declare
    v_seq bigint;
begin
    if p_citizen_id is not null then
        perform pg_advisory_xact_lock(hashtextextended('events:citizen:' || p_citizen_id, 0));
    end if;
    insert into events (ticket_id, citizen_id, kind, actor_kind, actor_id, data)
    values (p_ticket_id, p_citizen_id, p_kind, p_actor_kind, p_actor_id,
            coalesce(p_data, '{}'::jsonb))
    returning seq into v_seq;
    perform pg_notify('doorstep_events', v_seq::text);
    return v_seq;
end $$;

-- The figures (response, resolution, satisfaction, on-time rates, returns, reopens,
-- recurrences) per Asia/Shanghai day, unit and region code, kept exact by triggers: every
-- insert or update of a ticket or an assignment takes back what the old row counted and adds
-- what the new row counts. A period's figures then sum a few rows per day instead of reading
-- every ticket (a year of a city's hotline is tens of millions). `ticket_figures_recount` is
-- the same counted from scratch, set-based, for `rebuild_ticket_figures()` and for checks.
create table ticket_figures (
    day                date not null,
    unit_id            bigint not null,
    region_code        text not null,
    -- tickets finished that day (closed or closed unconfirmed), by the unit that had them
    finished           int not null default 0,
    solved             int not null default 0,
    rated              int not null default 0,
    satisfied          int not null default 0,
    on_time            int not null default 0,
    reopened           int not null default 0,
    -- dispatches made that day, and those answered (acknowledged or returned) in time
    assigned           int not null default 0,
    responded_in_time  int not null default 0,
    -- returns made that day
    returns            int not null default 0,
    -- new tickets that day recurring one the unit had resolved
    recurrences        int not null default 0,
    primary key (day, unit_id, region_code)
);

create function ticket_figures_add(p_day date, p_unit bigint, p_region text, p_finished int,
                                   p_solved int, p_rated int, p_satisfied int, p_on_time int,
                                   p_reopened int, p_assigned int, p_responded int,
                                   p_returns int, p_recurrences int)
returns void language sql as $$
    insert into ticket_figures as f (day, unit_id, region_code, finished, solved, rated,
        satisfied, on_time, reopened, assigned, responded_in_time, returns, recurrences)
    values (p_day, p_unit, p_region, p_finished, p_solved, p_rated, p_satisfied, p_on_time,
            p_reopened, p_assigned, p_responded, p_returns, p_recurrences)
    on conflict (day, unit_id, region_code) do update set
        finished = f.finished + excluded.finished, solved = f.solved + excluded.solved,
        rated = f.rated + excluded.rated, satisfied = f.satisfied + excluded.satisfied,
        on_time = f.on_time + excluded.on_time, reopened = f.reopened + excluded.reopened,
        assigned = f.assigned + excluded.assigned,
        responded_in_time = f.responded_in_time + excluded.responded_in_time,
        returns = f.returns + excluded.returns, recurrences = f.recurrences + excluded.recurrences
$$;

create function ticket_figures_count_ticket(r tickets, sign int) returns void
language plpgsql as $$
begin
    if r.finished_at is not null then
        perform ticket_figures_add(
            timezone('Asia/Shanghai', r.finished_at)::date, r.lead_unit_id, r.region_code, sign,
            sign * (r.solved is true)::int, sign * (r.rating is not null)::int,
            sign * (coalesce(r.rating, 0) >= 3)::int,
            sign * coalesce(r.resolved_at <= r.handle_due_at, false)::int,
            sign * (r.reopen_count > 0)::int, 0, 0, 0, 0);
    end if;
    if r.recurrence_unit_id is not null then
        perform ticket_figures_add(timezone('Asia/Shanghai', r.created_at)::date,
                                   r.recurrence_unit_id, r.region_code,
                                   0, 0, 0, 0, 0, 0, 0, 0, 0, sign);
    end if;
end $$;

create function ticket_figures_of_ticket() returns trigger language plpgsql as $$
begin
    if tg_op = 'UPDATE' and (old.finished_at, old.lead_unit_id, old.region_code, old.solved,
            old.rating, old.resolved_at, old.handle_due_at, old.reopen_count,
            old.recurrence_unit_id, old.created_at)
        is not distinct from (new.finished_at, new.lead_unit_id, new.region_code, new.solved,
            new.rating, new.resolved_at, new.handle_due_at, new.reopen_count,
            new.recurrence_unit_id, new.created_at) then
        return null;
    end if;
    if tg_op in ('UPDATE', 'DELETE') then
        perform ticket_figures_count_ticket(old, -1);
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        perform ticket_figures_count_ticket(new, 1);
    end if;
    return null;
end $$;
create trigger ticket_figures_of_ticket after insert or update or delete on tickets
    for each row execute function ticket_figures_of_ticket();

create function ticket_figures_count_assignment(r ticket_assignments, sign int) returns void
language plpgsql as $$
begin
    perform ticket_figures_add(
        timezone('Asia/Shanghai', r.created_at)::date, r.unit_id, r.region_code,
        0, 0, 0, 0, 0, 0, sign,
        sign * coalesce(coalesce(r.acknowledged_at, r.returned_at) <= r.ack_due_at, false)::int,
        0, 0);
    if r.returned_at is not null then
        perform ticket_figures_add(timezone('Asia/Shanghai', r.returned_at)::date, r.unit_id,
                                   r.region_code, 0, 0, 0, 0, 0, 0, 0, 0, sign, 0);
    end if;
end $$;

create function ticket_figures_of_assignment() returns trigger language plpgsql as $$
begin
    if tg_op = 'UPDATE' and (old.created_at, old.unit_id, old.region_code, old.ack_due_at,
            old.acknowledged_at, old.returned_at)
        is not distinct from (new.created_at, new.unit_id, new.region_code, new.ack_due_at,
            new.acknowledged_at, new.returned_at) then
        return null;
    end if;
    if tg_op in ('UPDATE', 'DELETE') then
        perform ticket_figures_count_assignment(old, -1);
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        perform ticket_figures_count_assignment(new, 1);
    end if;
    return null;
end $$;
create trigger ticket_figures_of_assignment after insert or update or delete
    on ticket_assignments for each row execute function ticket_figures_of_assignment();

create view ticket_figures_recount as
select day, unit_id, region_code,
       sum(finished)::int as finished, sum(solved)::int as solved, sum(rated)::int as rated,
       sum(satisfied)::int as satisfied, sum(on_time)::int as on_time,
       sum(reopened)::int as reopened, sum(assigned)::int as assigned,
       sum(responded_in_time)::int as responded_in_time, sum(returns)::int as returns,
       sum(recurrences)::int as recurrences
from (
    select timezone('Asia/Shanghai', finished_at)::date as day, lead_unit_id as unit_id,
           region_code, 1 as finished, (solved is true)::int as solved,
           (rating is not null)::int as rated, (coalesce(rating, 0) >= 3)::int as satisfied,
           coalesce(resolved_at <= handle_due_at, false)::int as on_time,
           (reopen_count > 0)::int as reopened, 0 as assigned, 0 as responded_in_time,
           0 as returns, 0 as recurrences
    from tickets where finished_at is not null
    union all
    select timezone('Asia/Shanghai', created_at)::date, recurrence_unit_id, region_code,
           0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    from tickets where recurrence_unit_id is not null
    union all
    select timezone('Asia/Shanghai', created_at)::date, unit_id, region_code, 0, 0, 0, 0, 0, 0,
           1, coalesce(coalesce(acknowledged_at, returned_at) <= ack_due_at, false)::int, 0, 0
    from ticket_assignments
    union all
    select timezone('Asia/Shanghai', returned_at)::date, unit_id, region_code,
           0, 0, 0, 0, 0, 0, 0, 0, 1, 0
    from ticket_assignments where returned_at is not null
) counted
group by day, unit_id, region_code;

create function rebuild_ticket_figures() returns bigint language plpgsql as $$
declare
    v_rows bigint;
begin
    lock table tickets, ticket_assignments in share mode;
    delete from ticket_figures;
    insert into ticket_figures select * from ticket_figures_recount;
    get diagnostics v_rows = row_count;
    return v_rows;
end $$;
