"""What people read for a code: column names and enumerated values in the chosen language.

The codes themselves (CSV headers and values, JSON keys) never change; these labels are for
the report, the terminal tables and the workbook. In English a label is the code itself.
"""

from __future__ import annotations

from typing import Any

from staffpool.domain.instance import Instance
from staffpool.i18n import _, language, pgettext


def _columns() -> dict[str, str]:
    return {
        "staff_id": pgettext("column", "staff_id"), "name": pgettext("column", "name"),
        "status": pgettext("column", "status"), "title": pgettext("column", "title"),
        "specialty": pgettext("column", "specialty"), "from_institution": pgettext("column", "from_institution"),
        "to_institution": pgettext("column", "to_institution"),
        "from_institution_name": pgettext("column", "from_institution_name"),
        "to_institution_name": pgettext("column", "to_institution_name"), "moved": pgettext("column", "moved"),
        "distance_km": pgettext("column", "distance_km"), "post_funding": pgettext("column", "post_funding"),
        "post_source": pgettext("column", "post_source"), "change": pgettext("column", "change"),
        "id": pgettext("column", "id"), "tier": pgettext("column", "tier"), "funding": pgettext("column", "funding"),
        "community": pgettext("column", "community"), "staff_before": pgettext("column", "staff_before"),
        "staff_after": pgettext("column", "staff_after"), "need": pgettext("column", "need"),
        "short": pgettext("column", "short"), "institution": pgettext("column", "institution"),
        "min_title": pgettext("column", "min_title"), "weight": pgettext("column", "weight"),
        "covered": pgettext("column", "covered"), "level": pgettext("column", "level"),
        "value": pgettext("column", "value"), "unit": pgettext("column", "unit"), "key": pgettext("column", "key"),
        "mode": pgettext("column", "mode"), "solver": pgettext("column", "solver"),
        "instance": pgettext("column", "instance"), "salary": pgettext("column", "salary"),
        "treasury_pays": pgettext("column", "treasury_pays"),
        "preference_rank": pgettext("column", "preference_rank"),
    }


def _values() -> dict[tuple[str, str], str]:
    return {
        ("tier", "county"): pgettext("tier", "county"), ("tier", "township"): pgettext("tier", "township"),
        ("tier", "village"): pgettext("tier", "village"),
        ("funding", "full"): pgettext("funding", "full"), ("funding", "differential"): pgettext("funding", "differential"),
        ("funding", "none"): pgettext("funding", "none"), ("funding", "unified"): pgettext("funding", "unified"),
        ("status", "on_staff"): pgettext("status", "on_staff"), ("status", "contract"): pgettext("status", "contract"),
        ("status", "candidate"): pgettext("status", "candidate"),
        ("title", "chief"): pgettext("title", "chief"), ("title", "deputy_chief"): pgettext("title", "deputy_chief"),
        ("title", "attending"): pgettext("title", "attending"), ("title", "resident"): pgettext("title", "resident"),
        ("title", "village_doctor"): pgettext("title", "village_doctor"),
        ("specialty", "general_practice"): pgettext("specialty", "general_practice"),
        ("specialty", "internal_medicine"): pgettext("specialty", "internal_medicine"),
        ("specialty", "surgery"): pgettext("specialty", "surgery"),
        ("specialty", "pediatrics"): pgettext("specialty", "pediatrics"),
        ("specialty", "obstetrics"): pgettext("specialty", "obstetrics"),
        ("specialty", "emergency"): pgettext("specialty", "emergency"),
        ("specialty", "tcm"): pgettext("specialty", "tcm"),
        ("specialty", "public_health"): pgettext("specialty", "public_health"),
        ("specialty", "*"): pgettext("specialty", "*"),
        ("change", "stay"): pgettext("change", "stay"), ("change", "move"): pgettext("change", "move"),
        ("change", "hire"): pgettext("change", "hire"), ("change", "regularise"): pgettext("change", "regularise"),
        ("change", "regularise_move"): pgettext("change", "regularise_move"),
        ("change", "not_hired"): pgettext("change", "not_hired"),
        ("post_source", "existing"): pgettext("post_source", "existing"),
        ("post_source", "regularised"): pgettext("post_source", "regularised"),
        ("post_source", "hired"): pgettext("post_source", "hired"),
        ("mode", "separate"): pgettext("mode", "separate"), ("mode", "county_pool"): pgettext("mode", "county_pool"),
        ("mode", "unified"): pgettext("mode", "unified"),
        ("solve_status", "optimal"): pgettext("solve_status", "optimal"),
        ("solve_status", "time_limit"): pgettext("solve_status", "time_limit"),
        ("solve_status", "infeasible"): pgettext("solve_status", "infeasible"),
        ("solve_status", "feasible"): pgettext("solve_status", "feasible"),
        ("level", "shortfall"): pgettext("level", "shortfall"), ("level", "moves"): pgettext("level", "moves"),
        ("level", "distance"): pgettext("level", "distance"), ("level", "hiring_cost"): pgettext("level", "hiring_cost"),
        ("level", "unregularised"): pgettext("level", "unregularised"),
        ("level", "treasury_cost"): pgettext("level", "treasury_cost"),
        ("level", "preference"): pgettext("level", "preference"),
        ("rule", "preference"): pgettext("rule", "preference"),
        # summary.json `preferences`: people with wishes and where they were posted
        ("wishes", "people"): pgettext("wishes", "people with wishes"),
        ("wishes", "first_choice"): pgettext("wishes", "at their first choice"),
        ("wishes", "listed"): pgettext("wishes", "at an institution they listed"),
        ("wishes", "unlisted"): pgettext("wishes", "at an institution they did not list"),
        ("rule", "posting"): pgettext("rule", "posting"), ("rule", "community_mobility"): pgettext("rule", "community_mobility"),
        ("rule", "village_title"): pgettext("rule", "village_title"), ("rule", "distance"): pgettext("rule", "distance"),
        ("rule", "post_use"): pgettext("rule", "post_use"), ("rule", "vacancy"): pgettext("rule", "vacancy"),
        ("rule", "capacity"): pgettext("rule", "capacity"), ("rule", "hiring_budget"): pgettext("rule", "hiring_budget"),
        ("rule", "max_moves"): pgettext("rule", "max_moves"),
        ("bool", "true"): pgettext("bool", "true"), ("bool", "false"): pgettext("bool", "false"),
        ("count", "staff"): pgettext("count", "staff"), ("count", "institutions"): pgettext("count", "institutions"),
        ("count", "moves"): pgettext("count", "moves"), ("count", "hires"): pgettext("count", "hires"),
        ("count", "regularised"): pgettext("count", "regularised"),
        # the community limits a sweep varies, and its other totals (sweep_column)
        ("limit", "max_distance_km"): pgettext("limit", "max_distance_km"),
        ("limit", "hiring_budget"): pgettext("limit", "hiring_budget"),
        ("limit", "treasury_budget"): pgettext("limit", "treasury_budget"),
        ("limit", "max_moves"): pgettext("limit", "max_moves"),
        ("limit", "insurance_balance"): pgettext("limit", "insurance_balance"),
        ("sweep", "scenario"): pgettext("sweep", "scenario"), ("sweep", "communities"): pgettext("sweep", "communities"),
        ("sweep", "status"): pgettext("solve", "status"),
        ("sweep", "treasury_before"): pgettext("column", "treasury_before"),
        ("sweep", "treasury_after"): pgettext("column", "treasury_after"),
        ("sweep", "treasury_added"): pgettext("column", "treasury_added"),
        ("sweep", "institutions_before"): pgettext("column", "institutions_before"),
        ("sweep", "institutions_after"): pgettext("column", "institutions_after"),
        ("sweep", "salary_fund"): pgettext("column", "salary_fund"),
        # rules the first list missed, and the post-use switches explain names
        ("rule", "treasury_budget"): pgettext("rule", "treasury_budget"), ("rule", "pins"): pgettext("rule", "pins"),
        ("rule", "grassroots"): pgettext("rule", "grassroots"), ("rule", "rotation"): pgettext("rule", "rotation"),
        ("post_use", "county_managed_township_used"): pgettext("post_use", "county_managed_township_used"),
        ("post_use", "county_managed_village_used"): pgettext("post_use", "county_managed_village_used"),
        ("post_use", "township_used_at_county"): pgettext("post_use", "township_used_at_county"),
        ("post_use", "township_recruited_village_used"): pgettext("post_use", "township_recruited_village_used"),
        # the sheets of an input workbook, as the office names them (aliases.TABLE_ALIASES)
        ("input_sheet", "instance"): pgettext("input sheet", "instance"),
        ("input_sheet", "communities"): pgettext("input sheet", "communities"),
        ("input_sheet", "institutions"): pgettext("input sheet", "institutions"),
        ("input_sheet", "staff"): pgettext("input sheet", "staff"),
        ("input_sheet", "requirements"): pgettext("input sheet", "requirements"),
        ("input_sheet", "preferences"): pgettext("input sheet", "preferences"),
    }


# The fields whose column holds each kind of code.
FIELD_KIND = {"tier": "tier", "funding": "funding", "post_funding": "funding", "status": "status", "title": "title",
              "min_title": "title", "specialty": "specialty", "change": "change", "post_source": "post_source",
              "mode": "mode", "moved": "bool", "level": "level"}


_CACHE: dict[tuple[str, str], dict[Any, str]] = {}


def _table(which: str) -> dict[Any, str]:
    """The labels of the current language, built once per language (a workbook labels
    hundreds of thousands of cells)."""
    key = (which, language())
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = dict(_columns()) if which == "columns" else dict(_values())
    return found


def column(name: str, table: str = "") -> str:
    """A column's header for people (the code itself in English); `table` tells apart an
    institution's id and name from others."""
    special = {"id": pgettext("column", "institution id"), "name": pgettext("column", "institution name")} \
        if table == "institutions" else {}
    if table in ("assignments", "changes"):
        special["name"] = pgettext("column", "staff name")
    if table == "years":  # a plan over years: the year, each level, staff and shortfall per tier
        kind, _sep, tier = name.partition(" ")
        if name == "year":
            return pgettext("column", "year")
        if ("level", name) in _table("values"):
            return value("level", name)
        if kind == "staff" and tier:
            return _("staff {tier}").format(tier=value("tier", tier))
        if kind == "short" and tier:
            return _("short {tier}").format(tier=value("tier", tier))
    label = special.get(name)
    if label is not None and label not in ("institution id", "institution name", "staff name"):
        return label
    return _table("columns").get(name, name)  # English: the code, as in the CSV header


def value(kind: str, code: object) -> str:
    """An enumerated value for people; a code without a label (an id, a free-text
    specialty) is shown as it is."""
    key = str(code).lower() if isinstance(code, bool) else str(code)
    return _table("values").get((kind, key), str(code))


def cell(field: str, code: object) -> object:
    """The value of column `field` for people: enumerations labelled, the rest unchanged."""
    kind = FIELD_KIND.get(field)
    if kind is None or code is None or code == "":
        return code
    return value(kind, code)


def sweep_column(name: str) -> str:
    """A column of a sweep's totals (sweep_totals.csv) for people: a level, a community
    limit, the solve status (not the staff's status), a count or a payroll figure."""
    for kind in ("level", "limit", "sweep", "count"):
        if (kind, name) in _table("values"):
            return value(kind, name)
    return column(name)


def unit(level: str) -> str:
    """The unit a level's figure is in ("" for counts): km, yuan a year."""
    return {"distance": _("km"), "hiring_cost": _("yuan/year"), "treasury_cost": _("yuan/year")}.get(str(level), "")


def joined(items: list[str], clauses: bool = False) -> str:
    """Items of a list in a sentence: "a, b" in English; in Chinese "a、b" for names,
    "a，b" for `clauses` (changes, each with a figure)."""
    return (pgettext("clause separator", ", ") if clauses else pgettext("list separator", ", ")).join(items)


def pool(where: str, names: dict[str, str] | None = None) -> str:
    """A vacancy pool for people: "C000 differential posts" for a community's pool of one
    funding (county_pool), "H posts" for an institution's or a community's own; with
    `names` (id -> name), the place's name beside its id."""
    place, _sep, funding = where.partition(",")
    if names:
        place = named(place, names.get(place))
    if funding:
        return _("{place} {funding} posts").format(place=place, funding=value("funding", funding))
    return _("{place} posts").format(place=place)


def names_of(instance: Instance) -> dict[str, str]:
    """Every community, institution and person of `instance` that has a name: id -> name."""
    out = {c.id: c.name for c in instance.communities if c.name}
    out.update((i.id, i.name) for i in instance.institutions if i.name)
    out.update((p.id, p.name) for p in instance.staff if p.name)
    return out


def named(code: str, name: str | None) -> str:
    """An id with its name beside it, "C000-V044 (Xiyang village clinic)"; the id alone without a name."""
    return _("{id} ({name})").format(id=code, name=name) if name and name != code else code


def level_unit(level: str) -> str:
    """The unit of an objective level's value, for people: people (weighted for the
    shortfall), km, yuan a year."""
    units = {"shortfall": pgettext("unit", "people (weighted)"), "moves": pgettext("unit", "people"),
             "unregularised": pgettext("unit", "people"), "distance": _("km"),
             "hiring_cost": _("yuan/year"), "treasury_cost": _("yuan/year")}
    return units.get(level, "")
