"""Services that find people (服务找人): rules as versioned data, evaluated set-based in SQL;
offers that explain themselves and can be accepted, dismissed or appealed; welfare visits.

- The rules cron (`finding.evaluate_all`) runs every published rule over all citizens in one
  SQL statement per rule (no per-citizen loop), creating each offer once.
- `finding.notify_new_offers` reaches the citizen (and an agent whose delegation covers the
  offer) through the notification outbox with the plain-language reason; a welfare-check
  finding becomes a visit for the citizen's community unit instead.
- Accepting is one step: a pre-filled application through `applications.submit_application`,
  in the same transaction as the offer's change (`offers`).

One module per side: `rules` (supervisors), `finding` (the crons), `offers` (the citizen),
`staff` (appeals and visits); `views` is what they share.
"""
