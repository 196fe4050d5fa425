"""Live updates: how a change reaches a subscriber's socket, in one package.

Step by step, for a citizen's `myUpdates` or `applicationProgress` subscription:

1. A use case in `services/` appends an event in its transaction (`store.events.append`); the
   database's `append_event` sends a NOTIFY that is heard only if and when it commits.
2. `event_hub` (one per API process, started by `api.app`) holds one LISTEN connection
   (`store.listener`). A hint, or its periodic tick when hints are lost, makes it read every
   event past the highest sequence it has seen: one query per process, not per subscriber.
3. Before handing them out, the hub lets `fanout.prefetch_states` read, once for all, the state
   of each application someone here follows; then it pushes the rows to the `Subscription` of
   each application and citizen they belong to.
4. `progress` turns one subscription into a stream: the state now, then each event once and in
   order (a read from the database first, then what the hub pushes; re-read on overflow). It
   authorizes at the start and, for an agent, re-checks the delegation as it goes.
5. `subscriptions` is the GraphQL face (`Subscription.applicationProgress`, `myUpdates`): it
   builds one `ProgressUpdate` message per (event, language, elder mode), shared through
   `fanout`, so 10,000 subscribers of one change share one message.
6. `short_path` executes that message once per (document, variables, language, elder mode)
   for our own fields; anything else goes through strawberry's `Schema.stream`.
7. `session` is one graphql-transport-ws session per socket: it runs operations, encodes each
   shared result once and sends `next` messages (an idle subscriber is served by the hub's
   push there and then, without waking its task).
8. `connection` is the socket itself (uvicorn's `ws` protocol class): WebSocket frames by the
   `websockets` library, one frame built per shared message, keepalive and flow control.

Staff queues (`Subscription.unitQueueUpdates`) ride the same hub under one key
(`event_hub.STAFF_KEY`): `staff_queue` keeps the events of the caller's units, `staff_updates`
is its GraphQL face. Staff ticket queues (`Subscription.ticketQueueUpdates`) likewise, under
`event_hub.TICKETS_KEY`: `staff_tickets` and its face `ticket_updates`. Both staff streams run
one exactly-once loop, `streams.follow`.

Layers (transports -> services -> store/domain):
- transport: `connection`, `session`, `short_path`, `subscriptions`, `fanout` (a per-process
  cache in front of `services.applications` for the subscribers of one change); they import
  `graphql` (schema, context, errors) and `services`, never `store`.
- service: `event_hub`, `progress`, `staff_queue` (use cases over `store.events`, `store.listener`,
  `store.delegation` and `services`); they import no transport.
Nothing in `services/`, `store/` or `domain/` imports this package; `graphql.schema` imports
`subscriptions` and `graphql.context` the `EventHub` type, both transport to live.

The response cache of `myApplications` (`graphql.response_cache`) stays with the HTTP GraphQL
transport: it answers queries, not subscriptions, and neither the hub nor a socket takes part
(it checks a version read from the event log on each request).
"""
