"""The registry: every rule of model.md, hard and soft, and the functions that implement it.

Option rules (`allow`) filter the (institution, post) options of a cohort; constraint
rules (`define`) add named constraints; level rules add an objective expression. Each has
its form over years beside it in the same module: `allow_years` narrows the options of a
class in a year (where its members may be, move, stay unhired: `model/arcspace.py` asks
them), `define_years` adds the rows and level terms of one year (`model/years.py`), so
one year and the program over years are built through this one registry. The
solver-free checker (`staffpool.check`) has one function per rule under the same name.
docs/rules.md lists them; tests/test_docs.py keeps it in step with this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from staffpool.i18n import N_
from staffpool.model.cohorts import Cohort
from staffpool.model.community import CommunityModel, Option
from staffpool.model.horizon import ArcSpace, HorizonModel, Klass, YearOptions
from staffpool.model.rules.budget import define_hiring_budget, define_hiring_budget_years
from staffpool.model.rules.capacity import define_capacity, define_capacity_years
from staffpool.model.rules.distance import allow_distance, allow_distance_years
from staffpool.model.rules.grassroots import allow_grassroots, allow_grassroots_years
from staffpool.model.rules.levels import define_levels, define_levels_years
from staffpool.model.rules.mobility import allow_community_and_mobility, allow_community_and_mobility_years
from staffpool.model.rules.moves import define_max_moves, define_max_moves_years
from staffpool.model.rules.pins import allow_pins, allow_pins_years, define_pins
from staffpool.model.rules.posting import define_posting, define_posting_years
from staffpool.model.rules.posts import allow_post_use, allow_post_use_years, define_vacancies, define_vacancies_years
from staffpool.model.rules.preference import define_preference, define_preference_years
from staffpool.model.rules.shortfall import define_shortfall, define_shortfall_years
from staffpool.model.rules.treasury import (
    define_treasury_budget,
    define_treasury_budget_years,
    define_treasury_cost,
    define_treasury_cost_years,
)
from staffpool.model.rules.village import allow_village_title, allow_village_title_years


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str  # "hard" or "level"
    spec: str  # where model.md states it
    summary: str
    # allow(cm, cohort, options) -> the options the rule leaves (a list in, a list out).
    allow: Callable[[CommunityModel, Cohort, list[Option]], list[Option]] | None = None
    define: Callable[[CommunityModel], None] | None = None
    # The forms over years. allow_years(space, class, year, options) -> the options the
    # rule leaves that year; define_years(hm, year) adds the rule's rows and level terms of
    # that year. A rule of one year has its form over years (or says why it needs none).
    allow_years: Callable[[ArcSpace, Klass, int, YearOptions], YearOptions] | None = None
    define_years: Callable[[HorizonModel, int], None] | None = None


RULES: tuple[Rule, ...] = (
    Rule("posting", "hard", "Hard rules 1",
         N_("each on_staff/contract member posted exactly once, a candidate at most once (posted ⇔ hired)"),
         define=define_posting, define_years=define_posting_years),
    Rule("community_mobility", "hard", "Hard rules 2; Modes (separate)",
         N_("same community only; mobile: false (and everyone in separate mode) stays at posted_at"),
         allow=allow_community_and_mobility, allow_years=allow_community_and_mobility_years),
    Rule("village_title", "hard", "Hard rules 3",
         N_("village_doctor only at village tier"), allow=allow_village_title,
         allow_years=allow_village_title_years),
    Rule("distance", "hard", "Hard rules 4",
         N_("a move is at most max_distance_km (whole metres)"), allow=allow_distance,
         allow_years=allow_distance_years),
    Rule("post_use", "hard", "Post-use rules; Hard rules 5",
         N_("county_pool: a post of funding f only at the tiers the post-use table allows"),
         allow=allow_post_use, allow_years=allow_post_use_years),
    Rule("vacancy", "hard", "Modes; Hard rules 5",
         N_("new posts taken (regularised + hired) ≤ vacancies of the pool"), define=define_vacancies,
         define_years=define_vacancies_years),
    Rule("capacity", "hard", "Hard rules 6",
         N_("staff posted at an institution ≤ capacity"), define=define_capacity,
         define_years=define_capacity_years),
    Rule("hiring_budget", "hard", "Hard rules 7",
         N_("Σ salary of hired candidates ≤ community hiring_budget"), define=define_hiring_budget,
         define_years=define_hiring_budget_years),
    Rule("max_moves", "hard", "Hard rules 8",
         N_("moved people ≤ community max_moves"), define=define_max_moves,
         define_years=define_max_moves_years),
    Rule("pins", "hard", "Pins (pins.csv)",
         N_("a pinned person is posted at (or not at) the institution the pin names, in the pin's year"),
         allow=allow_pins, define=define_pins, allow_years=allow_pins_years),
    Rule("grassroots", "hard", "Years: grassroots_years",
         N_("a targeted graduate, once hired, serves at township or village tier for grassroots_years years"),
         allow=allow_grassroots, allow_years=allow_grassroots_years),
    Rule("treasury_budget", "hard", "Money: hard rule 9",
         N_("Σ salary × treasury share of new posts (regularised + hired) ≤ community treasury_budget"),
         define=define_treasury_budget, define_years=define_treasury_budget_years),
    Rule("shortfall", "level", "Objective: shortfall",
         N_("Σ weight × max(0, need − matching staff posted there)"), define=define_shortfall,
         define_years=define_shortfall_years),
    Rule("levels", "level", "Objective: moves, distance, hiring_cost, unregularised",
         N_("the other objective levels as expressions"), define=define_levels,
         define_years=define_levels_years),
    Rule("preference", "level", "Objective: preference (wishes)",
         N_("Σ over people posted of their wish cost: rank − 1 where listed, their number of rows elsewhere, 0 without rows"),
         define=define_preference, define_years=define_preference_years),
    Rule("treasury_cost", "level", "Money: optional level",
         N_("the treasury's added payroll: Σ salary × share of the post taken, over new posts"),
         define=define_treasury_cost, define_years=define_treasury_cost_years),
)

__all__ = ["RULES", "Rule"]
