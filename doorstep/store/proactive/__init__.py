"""SQL for services that find people: rules, set-based evaluation, offers, appeals, visits.

The modules: `rows` (the row types), `rules`, `evaluation` (set-based, bind parameters only),
`reaching` (telling people found), `offers`, `appeals`, `welfare_checks`, `reads`.
"""
