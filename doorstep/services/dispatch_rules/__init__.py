"""Dispatch rules as versioned data: read, edit a draft, dry-run it, publish it.

A supervisor edits a personal draft copied from the published set; every saved rule is checked
at once (an invalid rule is refused with its reason). A dry run replays the last 30 days of
tickets of the supervisor's region through both sets and lists what would go elsewhere. Publish
checks the whole set again, refuses it if anything is invalid or the draft is stale (someone
published since it was copied), and otherwise publishes it with its warnings: rules that can
never match, rules hidden behind earlier ones, units that do not serve what a rule sends them.
Published sets never change; each ticket names the set, rule and version that routed it.

The modules: `views`, `engine` (what submissions route with), `reading`, `drafts`, `publishing`
(dry run, publish).
"""

from doorstep.services.dispatch_rules.drafts import discard_draft, remove_rule, save_rule
from doorstep.services.dispatch_rules.engine import current_engine, known, rule_from
from doorstep.services.dispatch_rules.publishing import dry_run, publish
from doorstep.services.dispatch_rules.reading import my_draft, problems, rule_set
from doorstep.services.dispatch_rules.views import ProblemView, RuleInput, RuleSetView, RuleView

__all__ = [
    "ProblemView",
    "RuleInput",
    "RuleSetView",
    "RuleView",
    "current_engine",
    "discard_draft",
    "dry_run",
    "known",
    "my_draft",
    "problems",
    "publish",
    "remove_rule",
    "rule_from",
    "rule_set",
    "save_rule",
]
