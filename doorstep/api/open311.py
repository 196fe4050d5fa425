"""Open311 GeoReport v2 under /open311/v2/, so civic reporting apps can file and follow tickets.

Thin routes over the ticket services (JSON only; the .xml format is not offered):
- GET  services.json                 the ticket categories, as services
- GET  services/{service_code}.json  a service definition: the `kind` and `urgency` attributes
- POST requests.json                 file a ticket (form fields, see below)
- GET  requests.json                 the caller's tickets (service_request_id, service_code,
                                     start_date, end_date, status filters)
- GET  requests/{service_request_id}.json

Who files: the app sends its own API key as `api_key` (what Open311 clients send) or in
`X-Api-Key`: issued per app with `doorstep api-key issue`, scoped (open311:read, open311:write),
revocable, stored only as a hash. Tickets are personal data, so filing and reading also need
the citizen's session, in `Authorization: Bearer` (a session token is never an API key).
The service list and definitions are public.
Where: `address_id` carries the region code (GB/T 2260, 6, 9 or 12 digits); without it the
caller's own registered region is used; `lat`/`long` are kept as the ticket's coordinates.
Statuses: `closed` once the citizen confirmed it solved or it was closed unconfirmed, `open`
otherwise (a resolved ticket stays open until the citizen answers); `expected_datetime` is the
handling deadline. Refusals answer `[{"code": <HTTP status>, "description": ..., "error_code":
<our stable code>}]`.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.response import Response

from doorstep.api import json_body
from doorstep.domain.calendar import SHANGHAI
from doorstep.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
)
from doorstep.domain.policy import ANONYMOUS, Actor
from doorstep.domain.tickets import FINAL_STATUSES, Channel, TicketKind, Urgency
from doorstep.graphql.context import bearer_token, client_address
from doorstep.graphql.tickets.types import explanation
from doorstep.i18n import choose_language, translate
from doorstep.services import api_keys
from doorstep.services.auth import actor_for_token
from doorstep.services.deps import Deps
from doorstep.services.tickets import common, reading, submit
from doorstep.services.tickets.views import TicketView

PREFIX = "/open311/v2"
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
_STATUS_CODES: tuple[tuple[type[DomainError], int], ...] = (
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (RateLimited, 429),
    (InvalidInput, 400),
)


def _language(request: Request[Any, Any, Any], actor: Actor | None = None) -> str:
    preference = actor.language if actor is not None and actor.citizen_id is not None else None
    return choose_language(preference, request.headers.get("accept-language"))


def _error(
    request: Request[Any, Any, Any], exc: DomainError, actor: Actor | None = None
) -> Response[list[dict[str, Any]]]:
    status = next((s for cls, s in _STATUS_CODES if isinstance(exc, cls)), 400)
    description = translate(f"error.{exc.code}", _language(request, actor), **exc.params)
    headers = {}
    if "retry_after_seconds" in exc.params:
        headers["Retry-After"] = str(exc.params["retry_after_seconds"])
    return Response(
        [{"code": status, "description": description, "error_code": exc.code}],
        status_code=status,
        headers=headers,
    )


def _json_name(name: str) -> str:
    """`heating.json` -> `heating`; any other format is not offered."""
    if not name.endswith(".json") or len(name) <= 5:
        raise NotFound("open311.format_unsupported")
    return name[:-5]


async def _actor(
    request: Request[Any, Any, Any], deps: Deps, params: dict[str, str], scope: str
) -> Actor:
    """The app's key (`api_key`, or the X-Api-Key header) must allow `scope`; the citizen is
    the session in `Authorization: Bearer` (never in the URL)."""
    await api_keys.check(deps, request.headers.get("x-api-key") or params.get("api_key"), scope)
    token = bearer_token(request.headers.get("authorization"))
    actor = await actor_for_token(deps, token) if token else None
    if actor is None:
        raise Unauthenticated("auth.required")
    return actor


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(SHANGHAI).isoformat(timespec="seconds") if at else None


def _request(v: TicketView, language: str) -> dict[str, Any]:
    return {
        "service_request_id": v.number,
        "status": "closed" if v.status in FINAL_STATUSES else "open",
        "status_notes": translate(f"ticket_status.{v.status.value}", language),
        "service_name": v.category_name,
        "service_code": v.category_code,
        "description": v.description,
        "agency_responsible": v.lead_unit.name,
        "service_notice": explanation(
            v.dispatch.reason_key, v.dispatch.reason_params, language, False
        ),
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


def _service(code: str, name: str, description: str) -> dict[str, Any]:
    return {
        "service_code": code,
        "service_name": name,
        "description": description,
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": "",
    }


@get(f"{PREFIX}/services.json")
async def services(request: Request[Any, Any, Any], state: State) -> Response[list[dict[str, Any]]]:
    found = await reading.categories(state.deps, ANONYMOUS)
    return Response([_service(c.code, c.name, c.description) for c in found])


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
    try:
        code = _json_name(name)
        found = {c.code: c for c in await reading.categories(state.deps, ANONYMOUS)}
        if code not in found:
            raise NotFound("open311.service_unknown", service=code[:40])
    except DomainError as exc:
        return _error(request, exc)
    kinds = [(k.value, translate(f"ticket_kind.{k.value}", language)) for k in TicketKind]
    urgencies = [(u.value, translate(f"urgency.{u.value}", language)) for u in Urgency]
    return Response(
        {
            "service_code": code,
            "attributes": [
                _attribute("kind", 1, language, kinds),
                _attribute("urgency", 2, language, urgencies),
            ],
        }
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


@post(f"{PREFIX}/requests.json", status_code=201)
async def create_request(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    deps: Deps = state.deps
    actor: Actor | None = None
    try:
        params = await _params(request)
        actor = await _actor(request, deps, params, "open311:write")
        region = params.get("address_id", "").strip()
        if not region and actor.citizen_id is not None:
            region = await reading.citizen_region(deps, actor.citizen_id) or ""
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
        )
        view = await submit.submit_ticket(
            deps,
            actor,
            data,
            Channel.OPEN311,
            client_addr=client_address(deps, request.headers, request.scope),
        )
    except DomainError as exc:
        return _error(request, exc, actor)
    language = _language(request, actor)
    return Response(
        [
            {
                "service_request_id": view.number,
                "service_notice": explanation(
                    view.dispatch.reason_key, view.dispatch.reason_params, language, False
                ),
                "account_id": None,
            }
        ],
        status_code=201,
    )


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


@get(f"{PREFIX}/requests.json")
async def list_requests(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    deps: Deps = state.deps
    actor: Actor | None = None
    try:
        params = await _params(request)
        actor = await _actor(request, deps, params, "open311:read")
        numbers = _list(params, "service_request_id")
        start, end = _date(params, "start_date"), _date(params, "end_date")
        status = params.get("status", "").strip().lower()
        if status not in ("", "open", "closed"):
            raise InvalidInput("open311.bad_parameter", name="status")
        if numbers is not None:
            numbers = [common.parse_number(n) for n in numbers]
        elif start is None:
            start = (end or common.now_utc()) - timedelta(days=DEFAULT_DAYS)
        found = await reading.find_own(
            deps,
            actor,
            since=start,
            numbers=numbers,
            categories=_list(params, "service_code"),
            limit=MAX_REQUESTS,
        )
    except DomainError as exc:
        return _error(request, exc, actor)
    language = _language(request, actor)
    shown = [
        _request(v, language)
        for v in found
        if (end is None or v.created_at <= end)
        and (not status or (status == "closed") == (v.status in FINAL_STATUSES))
    ]
    return Response(shown)


@get(f"{PREFIX}/requests/{{name:str}}")
async def one_request(request: Request[Any, Any, Any], state: State, name: str) -> Response[Any]:
    deps: Deps = state.deps
    actor: Actor | None = None
    try:
        number = _json_name(name)
        params = await _params(request)
        actor = await _actor(request, deps, params, "open311:read")
        view = await reading.get_ticket(deps, actor, number)
    except DomainError as exc:
        return _error(request, exc, actor)
    return Response([_request(view, _language(request, actor))])


ROUTES = [services, service_definition, create_request, list_requests, one_request]
