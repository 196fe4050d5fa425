"""Open311 GeoReport v2 under /open311/v2/, so civic reporting apps (FixMyStreet's Open311
client among them) can file and follow tickets. Every endpoint answers `.xml` (the spec's
required format) and `.json`:
- GET  /open311/discovery.{fmt}       Service Discovery (also under /open311/v2/)
- GET  services.{fmt}                 the ticket categories, with their keywords and group
- GET  services/{service_code}.{fmt}  a service definition: the `kind` and `urgency` attributes
- POST requests.{fmt}                 file a ticket (form fields, as FixMyStreet sends them)
- GET  requests.{fmt}                 tickets: service_request_id (a comma list, which overrides
                                      every other filter), service_code (comma list), status
                                      (`open`, `closed` or both, comma list), start_date, end_date
- GET  requests/{service_request_id}.{fmt}

Keys: each app has its own (`api_key`, or the X-Api-Key header): issued with `doorstep api-key
issue`, scoped (open311:read, open311:write), revocable, stored only as a hash; a missing or
wrong key answers 403, as the spec says. Filing needs the key; a citizen's session in
`Authorization: Bearer` files as that citizen, and without one the app files for the reporter
it names in `phone` (who is told by SMS). Reading needs no key: without one every ticket shows
its public fields only (no personal data, the place cut to the street and about a kilometre);
with the key and the citizen's session, the citizen's own tickets show in full.
Refusals answer in the spec's error shape, `[{"code": <HTTP status>, "description": ...}]` or
`<errors><error>...`, with our stable code as `error_code` besides.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.response import Response

from doorstep.api import json_body
from doorstep.api.open311_format import format_of, respond, split_name
from doorstep.api.refusals import refusal_status
from doorstep.domain.calendar import SHANGHAI
from doorstep.domain.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    Unauthenticated,
)
from doorstep.domain.policy import ANONYMOUS, Actor
from doorstep.domain.tickets import FINAL_STATUSES, Channel, TicketKind, TicketStatus, Urgency
from doorstep.graphql.context import bearer_token, client_address
from doorstep.graphql.tickets.types import explanation
from doorstep.i18n import choose_language, translate
from doorstep.services import api_keys
from doorstep.services.auth import actor_for_token
from doorstep.services.deps import Deps
from doorstep.services.tickets import common, public, reading, submit
from doorstep.services.tickets.public import PublicTicket
from doorstep.services.tickets.views import TicketView

PREFIX = "/open311/v2"
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# when the list of endpoints last changed (Service Discovery's `changeset`)
DISCOVERY_CHANGESET = "2026-12-07T00:00:00+08:00"
# refusals the spec answers with 404: a service_code nobody offers (any more)
_NOT_FOUND_CODES = frozenset({"ticket.category_unknown", "ticket.category_retired"})


def _language(request: Request[Any, Any, Any], actor: Actor | None = None) -> str:
    preference = actor.language if actor is not None and actor.citizen_id is not None else None
    return choose_language(preference, request.headers.get("accept-language"))


def _error(
    request: Request[Any, Any, Any], fmt: str, exc: DomainError, actor: Actor | None = None
) -> Response[Any]:
    status = refusal_status(exc)
    if exc.code in _NOT_FOUND_CODES:
        status = 404
    description = translate(f"error.{exc.code}", _language(request, actor), **exc.params)
    headers = {}
    if "retry_after_seconds" in exc.params:
        headers["Retry-After"] = str(exc.params["retry_after_seconds"])
    body = [{"code": status, "description": description, "error_code": exc.code}]
    return respond(fmt, "errors", body, status, headers)


def _number(raw: str) -> str:
    """A ticket number; a mistyped one is a request nobody has (404), as the spec says."""
    try:
        return common.parse_number(raw)
    except InvalidInput:
        raise NotFound("ticket.not_found") from None


def _key(request: Request[Any, Any, Any], params: dict[str, str]) -> str | None:
    return request.headers.get("x-api-key") or params.get("api_key") or None


async def _session(request: Request[Any, Any, Any], deps: Deps) -> Actor | None:
    """The citizen whose session is in `Authorization: Bearer` (never in the URL); None when
    there is none; a session that does not work is refused."""
    token = bearer_token(request.headers.get("authorization"))
    if not token:
        return None
    actor = await actor_for_token(deps, token)
    if actor is None:
        raise Unauthenticated("auth.required")
    return actor


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(SHANGHAI).isoformat(timespec="seconds") if at else None


def _open_or_closed(status: TicketStatus) -> str:
    return "closed" if status in FINAL_STATUSES else "open"


def _request(v: TicketView, language: str) -> dict[str, Any]:
    notice = explanation(v.dispatch.reason_key, v.dispatch.reason_params, language, False)
    return _fields(v, language, v.description, v.lead_unit.name, notice)


def _public_request(v: PublicTicket, language: str) -> dict[str, Any]:
    """The same fields, with nothing personal: no description, the place coarsened."""
    return _fields(v, language, None, v.unit_name, None)


def _fields(
    v: TicketView | PublicTicket,
    language: str,
    description: str | None,
    agency: str | None,
    notice: str | None,
) -> dict[str, Any]:
    return {
        "service_request_id": v.number,
        "status": _open_or_closed(v.status),
        "status_notes": translate(f"ticket_status.{v.status.value}", language),
        "service_name": v.category_name,
        "service_code": v.category_code,
        "description": description,
        "agency_responsible": agency,
        "service_notice": notice,
        "requested_datetime": _iso(v.created_at),
        "updated_datetime": _iso(v.updated_at),
        "expected_datetime": _iso(v.handle_due_at),
        "address": v.region_name,
        "address_id": v.region_code,
        "zipcode": None,
        "lat": v.latitude,
        "long": v.longitude,
        "media_url": None,
    }


def _service(c: reading.Category) -> dict[str, Any]:
    return {
        "service_code": c.code,
        "service_name": c.name,
        "description": c.description,
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(c.keywords),
        "group": c.group,
    }


def _discovery(request: Request[Any, Any, Any], deps: Deps) -> dict[str, Any]:
    language = _language(request)
    base = str(request.base_url).rstrip("/")
    phone = deps.settings.support_phone
    return {
        "changeset": DISCOVERY_CHANGESET,
        "contact": translate("open311_discovery.contact", language, phone=phone),
        "key_service": translate("open311_discovery.key_service", language),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{base}{PREFIX}",
                "changeset": DISCOVERY_CHANGESET,
                "type": "test" if deps.settings.dev_mode else "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


@get(
    [
        "/open311/discovery.json",
        "/open311/discovery.xml",
        f"{PREFIX}/discovery.json",
        f"{PREFIX}/discovery.xml",
    ]
)
async def discovery(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    return respond(format_of(request.url.path), "discovery", _discovery(request, state.deps))


@get([f"{PREFIX}/services.json", f"{PREFIX}/services.xml"])
async def services(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    found = await reading.categories(state.deps, ANONYMOUS)
    return respond(format_of(request.url.path), "services", [_service(c) for c in found])


_ATTRIBUTE_KEYS = {"kind": "open311_attribute.kind", "urgency": "open311_attribute.urgency"}


def _attribute(
    code: str,
    order: int,
    language: str,
    values: list[tuple[str, str]],
) -> dict[str, Any]:
    return {
        "variable": True,
        "code": code,
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": None,
        "order": order,
        "description": translate(_ATTRIBUTE_KEYS[code], language),
        "values": [{"key": key, "name": name} for key, name in values],
    }


@get(f"{PREFIX}/services/{{name:str}}")
async def service_definition(
    request: Request[Any, Any, Any], state: State, name: str
) -> Response[Any]:
    language = _language(request)
    fmt = format_of(name)
    try:
        code, fmt = split_name(name)
        found = {c.code: c for c in await reading.categories(state.deps, ANONYMOUS)}
        if code not in found:
            raise NotFound("open311.service_unknown", service=code[:40])
    except DomainError as exc:
        return _error(request, fmt, exc)
    kinds = [(k.value, translate(f"ticket_kind.{k.value}", language)) for k in TicketKind]
    urgencies = [(u.value, translate(f"urgency.{u.value}", language)) for u in Urgency]
    return respond(
        fmt,
        "service_definition",
        {
            "service_code": code,
            "attributes": [
                _attribute("kind", 1, language, kinds),
                _attribute("urgency", 2, language, urgencies),
            ],
        },
    )


def _float(params: dict[str, str], name: str) -> float | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput("open311.bad_parameter", name=name) from None
    if not math.isfinite(value):
        raise InvalidInput("ticket.coordinates_invalid")
    return value


async def _params(request: Request[Any, Any, Any]) -> dict[str, str]:
    """Query parameters, then the form (or JSON object) body; first value of each."""
    params = {k: v for k, v in request.query_params.items() if isinstance(v, str)}
    if request.method == "POST":
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            try:
                body = json_body.loads(await request.body())
            except ValueError:
                raise InvalidInput("open311.bad_parameter", name="body") from None
            if not isinstance(body, dict):
                raise InvalidInput("open311.bad_parameter", name="body")
            params.update({str(k): str(v) for k, v in body.items() if v is not None})
        else:
            form = await request.form()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
    if any("\x00" in v for v in params.values()):
        raise InvalidInput("input.nul_character")
    return params


@post([f"{PREFIX}/requests.json", f"{PREFIX}/requests.xml"], status_code=201)
async def create_request(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    deps: Deps = state.deps
    fmt = format_of(request.url.path)
    actor: Actor | None = None
    try:
        params = await _params(request)
        app = await api_keys.check(deps, _key(request, params), api_keys.WRITE_SCOPE)
        actor = await _session(request, deps)
        phone = params.get("phone", "").strip() if actor is None else ""
        region = params.get("address_id", "").strip()
        if not region and actor is not None and actor.citizen_id is not None:
            region = await reading.citizen_region(deps, actor.citizen_id) or ""
        if not region and phone:
            region = await reading.reporter_region(deps, phone) or ""
        if not region:
            raise InvalidInput("open311.location_required")
        description = params.get("description", "")
        address = params.get("address_string", "").strip()
        if address:
            description = f"{description}\n{address}" if description.strip() else address
        data = submit.TicketInput(
            kind=params.get("attribute[kind]", TicketKind.REPORT.value),
            category_code=params.get("service_code", ""),
            description=description,
            region_code=region,
            urgency=params.get("attribute[urgency]", Urgency.NORMAL.value),
            latitude=_float(params, "lat"),
            longitude=_float(params, "long"),
            citizen_phone=phone or None,
        )
        view = await submit.submit_ticket(
            deps,
            actor or ANONYMOUS,
            data,
            Channel.OPEN311,
            client_addr=client_address(deps, request.headers, request.scope),
            app=app if actor is None else None,
        )
    except DomainError as exc:
        return _error(request, fmt, exc, actor)
    language = _language(request, actor)
    created = {
        "service_request_id": view.number,
        "service_notice": explanation(
            view.dispatch.reason_key, view.dispatch.reason_params, language, False
        ),
        "account_id": None,
    }
    return respond(fmt, "service_requests", [created], 201)


def _date(params: dict[str, str], name: str) -> datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("open311.bad_parameter", name=name) from None
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


def _list(params: dict[str, str], name: str) -> list[str] | None:
    raw = params.get(name, "").strip()
    return [p.strip() for p in raw.split(",") if p.strip()][:MAX_REQUESTS] if raw else None


def _statuses(params: dict[str, str]) -> list[TicketStatus] | None:
    """`open`, `closed` or both (a comma list) as our statuses; None: any."""
    wanted = {s.lower() for s in _list(params, "status") or []}
    if wanted - {"open", "closed"}:
        raise InvalidInput("open311.bad_parameter", name="status")
    if len(wanted) != 1:
        return None
    closed = wanted == {"closed"}
    return [s for s in TicketStatus if (s in FINAL_STATUSES) == closed]


async def _reader(
    request: Request[Any, Any, Any], deps: Deps, params: dict[str, str]
) -> Actor | None:
    """The citizen reading their own tickets in full (the app's key and their session), or
    None for the public view (no key, or a key without a session)."""
    key = _key(request, params)
    has_session = bool(bearer_token(request.headers.get("authorization")))
    if key is None and not has_session:
        return None
    await api_keys.check(deps, key, api_keys.READ_SCOPE)
    return await _session(request, deps)


@get([f"{PREFIX}/requests.json", f"{PREFIX}/requests.xml"])
async def list_requests(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    deps: Deps = state.deps
    fmt = format_of(request.url.path)
    actor: Actor | None = None
    try:
        params = await _params(request)
        actor = await _reader(request, deps, params)
        language = _language(request, actor)
        raw_numbers = _list(params, "service_request_id")
        if raw_numbers is not None:
            # the ids override every other filter; a mistyped one matches nothing
            numbers = []
            for raw in raw_numbers:
                try:
                    numbers.append(common.parse_number(raw))
                except InvalidInput:
                    continue
            if actor is None:
                found = await public.find_public(deps, ANONYMOUS, numbers=numbers)
                return respond(
                    fmt, "service_requests", [_public_request(v, language) for v in found]
                )
            own = await reading.find_own(deps, actor, numbers=numbers, limit=MAX_REQUESTS)
            return respond(fmt, "service_requests", [_request(v, language) for v in own])
        start, end = _date(params, "start_date"), _date(params, "end_date")
        if start is not None and end is not None and end < start:
            raise InvalidInput("open311.bad_parameter", name="end_date")
        if start is None:
            start = (end or common.now_utc()) - timedelta(days=DEFAULT_DAYS)
        statuses = _statuses(params)
        categories = _list(params, "service_code")
        if actor is None:
            found = await public.find_public(
                deps, ANONYMOUS, categories=categories, statuses=statuses, since=start, until=end
            )
            return respond(fmt, "service_requests", [_public_request(v, language) for v in found])
        own = await reading.find_own(
            deps, actor, since=start, categories=categories, limit=MAX_REQUESTS
        )
    except DomainError as exc:
        return _error(request, fmt, exc, actor)
    shown = [
        _request(v, language)
        for v in own
        if (end is None or v.created_at <= end) and (statuses is None or v.status in statuses)
    ]
    return respond(fmt, "service_requests", shown)


@get(f"{PREFIX}/requests/{{name:str}}")
async def one_request(request: Request[Any, Any, Any], state: State, name: str) -> Response[Any]:
    deps: Deps = state.deps
    fmt = format_of(name)
    actor: Actor | None = None
    try:
        raw, fmt = split_name(name)
        number = _number(raw)
        params = await _params(request)
        actor = await _reader(request, deps, params)
        language = _language(request, actor)
        if actor is None:
            found = await public.get_public(deps, ANONYMOUS, number)
            return respond(fmt, "service_requests", [_public_request(found, language)])
        view = await reading.get_ticket(deps, actor, number)
    except DomainError as exc:
        return _error(request, fmt, exc, actor)
    return respond(fmt, "service_requests", [_request(view, language)])


ROUTES = [discovery, services, service_definition, create_request, list_requests, one_request]
