"""Tickets (诉求 / 工单) in GraphQL: citizens file and follow them; units acknowledge, return,
extend and resolve; supervisors review and redispatch. One module per service module of
`services.tickets` (`types` mirrors its `views`); the dispatch rules, the ticket catalog and the
figures have theirs beside this package (`graphql.dispatch_rules`, `graphql.ticket_catalog`,
`graphql.ticket_rates`)."""
