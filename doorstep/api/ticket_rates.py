"""/tickets/rates.csv: the ticket figures as CSV, for the spreadsheet on the supervisor's desk.

`?since=2026-11-01&until=2026-11-30&group_by=unit|region&region_level=6|9|12`, with
`Authorization: Bearer <token>` (staff: their unit; supervisors: their region; admins: all).
UTF-8 with a byte-order mark so spreadsheet programs read the Chinese names right.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Response

from doorstep.domain.errors import DomainError, InvalidInput, Unauthenticated
from doorstep.graphql.context import bearer_token
from doorstep.i18n import choose_language, translate
from doorstep.services import ticket_rates
from doorstep.services.auth import actor_for_token


def _day(raw: str | None, name: str) -> date:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        raise InvalidInput("ticket_rates.date_invalid", name=name) from None


@get("/tickets/rates.csv")
async def rates_csv(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    language = choose_language(None, request.headers.get("accept-language"))
    try:
        actor = await actor_for_token(
            state.deps, bearer_token(request.headers.get("authorization"))
        )
        if actor is None:
            raise Unauthenticated("auth.required")
        params = request.query_params
        group_by = params.get("group_by", "unit")
        if group_by not in ("unit", "region"):
            raise InvalidInput("ticket_rates.group_invalid")
        try:
            level = int(params.get("region_level", "6"))
        except ValueError:
            raise InvalidInput("ticket_rates.level_invalid") from None
        rows = await ticket_rates.rates(
            state.deps,
            actor,
            _day(params.get("since"), "since"),
            _day(params.get("until"), "until"),
            "unit" if group_by == "unit" else "region",
            level,
        )
    except DomainError as exc:
        status = (
            401
            if isinstance(exc, Unauthenticated)
            else (403 if exc.code.startswith("auth.") else 400)
        )
        return Response(
            {"code": exc.code, "message": translate(f"error.{exc.code}", language, **exc.params)},
            status_code=status,
        )
    return Response(
        "\ufeff" + ticket_rates.to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ticket-rates.csv"'},
    )
