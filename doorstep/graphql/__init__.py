"""The GraphQL API: strawberry schema, one module per area."""
