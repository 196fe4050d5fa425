"""graphql-transport-ws with our refusals: the subscription cap answers with a code."""

from __future__ import annotations

from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage

from doorstep.i18n import DEFAULT_LANGUAGE, translate


class TransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        limit = self.max_subscriptions_per_connection
        if (self.connection_acknowledged and limit is not None
                and len(self.operations) >= limit and message["id"] not in self.operations):
            language = getattr(self.context, "language", DEFAULT_LANGUAGE)
            await self.send_message({
                "id": message["id"], "type": "error",
                "payload": [{"message": translate("error.ws.too_many_subscriptions", language,
                                                  limit=limit),
                             "extensions": {"code": "ws.too_many_subscriptions"}}],
            })
            return
        await super().handle_subscribe(message)
