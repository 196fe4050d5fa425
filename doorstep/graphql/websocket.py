"""graphql-transport-ws with our refusals: the subscription cap answers with a code; and
`next` messages whose data is one shared result (see `graphql.fanout`) are encoded once."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from litestar.exceptions import WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    Message,
    SubscribeMessage,
)

from doorstep.i18n import DEFAULT_LANGUAGE, translate

ENCODED_ENTRIES = 64


class EncodedPayloads:
    """The JSON of recent `next` payloads, by the identity of their data: a result shared by
    10,000 subscribers is encoded once. An entry keeps its data alive, so an identity found
    here is the very same object, never a newer one at a reused address."""

    def __init__(self, max_entries: int = ENCODED_ENTRIES) -> None:
        self._entries: OrderedDict[int, tuple[object, str]] = OrderedDict()
        self._max = max_entries
        self.encoded = 0

    def payload(self, data: object) -> str:
        entry = self._entries.get(id(data))
        if entry is not None and entry[0] is data:
            return entry[1]
        text = json.dumps({"data": data}, separators=(",", ":"))
        self.encoded += 1
        self._entries[id(data)] = (data, text)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
        return text


encoded_payloads = EncodedPayloads()


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

    async def send_message(self, message: Message) -> None:
        ws = getattr(self.websocket, "ws", None)  # the Litestar WebSocket
        payload: Any = message.get("payload")
        if (ws is None or message["type"] != "next" or not isinstance(payload, dict)
                or list(payload) != ["data"] or not isinstance(payload["data"], dict)):
            await super().send_message(message)
            return
        text = ('{"id":' + json.dumps(message["id"]) + ',"type":"next","payload":'
                + encoded_payloads.payload(payload["data"]) + "}")
        try:
            await ws.send_data(data=text)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc
