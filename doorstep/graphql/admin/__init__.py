"""Administration over GraphQL: the working-day calendar, units, staff and the catalog."""
