"""Other names accepted for tables, columns and values (Chinese, for a personnel office's
roster), and how a header is matched to a column.

The one table of aliases: to accept a new name, add it here (and to the table in
docs/input.md). A name is matched after `normalise`: surrounding spaces dropped, letters
lower-cased, runs of spaces, `-` and `_` read as one `_`. Values are read into the English
codes; outputs keep the English codes.
"""

from __future__ import annotations

import re

# Table (workbook sheet, JSON/YAML key) → other names. A folder keeps the English file names.
TABLE_ALIASES: dict[str, tuple[str, ...]] = {
    "instance": ("实例",),
    "communities": ("医共体",),
    "institutions": ("机构",),
    "staff": ("人员",),
    "requirements": ("需求",),
    "workload": ("工作量",),
    "pins": ("既定安排",),
    "budgets": ("年度预算",),
}

# Table → column → other names. A column added to io.TABLE_COLUMNS needs no entry here
# unless it has another name.
COLUMN_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "instance": {"key": ("键", "项目"), "value": ("值",)},
    "communities": {
        "id": ("编码", "医共体编码"),
        "name": ("名称", "医共体名称"),
        "hiring_budget": ("招聘预算",),
        "max_moves": ("最多调动人数",),
        "treasury_budget": ("财政预算", "财政增人预算"),
        "insurance_balance": ("医保结余", "医保基金结余"),
    },
    "institutions": {
        "id": ("机构编码",),
        "name": ("机构名称",),
        "community": ("医共体",),
        "tier": ("层级",),
        "funding": ("经费形式",),
        "approved_posts": ("核定编制数",),
        "service_population": ("服务人口",),
        "x_km": ("横坐标km", "横坐标"),
        "y_km": ("纵坐标km", "纵坐标"),
        "capacity": ("容量",),
    },
    "staff": {
        "id": ("工号",),
        "name": ("姓名",),
        "status": ("人员类别",),
        "title": ("职称",),
        "specialty": ("专业",),
        "post_funding": ("编制经费形式",),
        "quota_holder": ("编制所在机构",),
        "posted_at": ("工作机构",),
        "community": ("医共体",),
        "mobile": ("可调动",),
        "grassroots_due": ("需下基层",),
        "leaves": ("离岗年份",),
        "birth_year": ("出生年份",),
        "arrives": ("到岗年份",),
        "grassroots_years": ("基层服务年限",),
    },
    "requirements": {
        "institution": ("机构编码",),
        "specialty": ("专业",),
        "min_title": ("最低职称",),
        "need": ("需求人数",),
        "weight": ("权重",),
        "year": ("年份",),
    },
    "pins": {
        "staff_id": ("工号",),
        "year": ("年份",),
        "at": ("安排至",),
        "stay": ("留任",),
        "not_at": ("不安排至",),
    },
    "budgets": {
        "community": ("医共体",),
        "year": ("年份",),
        "hiring_budget": ("招聘预算",),
        "max_moves": ("最多调动人数",),
        "treasury_budget": ("财政预算", "财政增人预算"),
    },
    "workload": {
        "institution": ("机构编码",),
        "specialty": ("专业",),
        "min_title": ("最低职称",),
        "activity": ("活动",),
        "kind": ("类型",),
        "annual_volume": ("年工作量",),
        "unit_minutes": ("单位耗时分钟",),
        "hours_per_year": ("年工时",),
        "staff_doing": ("承担人数",),
    },
}

# Kind of value → English code → other names.
VALUE_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "tier": {"county": ("县级",), "township": ("乡镇",), "village": ("村",)},
    "funding": {
        "full": ("全额拨款", "全额"),
        "differential": ("差额拨款", "差额"),
        "none": ("无",),
    },
    "status": {"on_staff": ("在编",), "contract": ("编外",), "candidate": ("拟招聘",)},
    "title": {
        "village_doctor": ("乡村医生",),
        "resident": ("住院医师", "医师"),
        "attending": ("主治医师",),
        "deputy_chief": ("副主任医师",),
        "chief": ("主任医师",),
    },
    "boolean": {"true": ("是",), "false": ("否",)},
    "specialty": {
        "general_practice": ("全科",),
        "internal_medicine": ("内科",),
        "surgery": ("外科",),
        "pediatrics": ("儿科",),
        "obstetrics": ("产科",),
        "emergency": ("急诊科", "急诊"),
        "tcm": ("中医", "中医科"),
        "public_health": ("公共卫生",),
        "*": ("全部",),
    },
}

_SEPARATORS = re.compile(r"[\s_\-]+")


def normalise(name: str) -> str:
    """`Posted At`, `posted-at`, ` POSTED_AT ` → `posted_at`."""
    return _SEPARATORS.sub("_", name.strip().lower()).strip("_")


def column_lookup(table: str, columns: tuple[str, ...]) -> dict[str, str]:
    """Every accepted spelling (normalised) of the columns of `table` → the column."""
    out = {normalise(c): c for c in columns}
    for column, names in COLUMN_ALIASES.get(table, {}).items():
        if column in columns:
            out.update({normalise(n): column for n in names})
    return out


def table_lookup(tables: tuple[str, ...]) -> dict[str, str]:
    """Every accepted name (normalised) of the tables → the table."""
    out = {normalise(t): t for t in tables}
    for table, names in TABLE_ALIASES.items():
        if table in tables:
            out.update({normalise(n): table for n in names})
    return out


def value_lookup(kind: str) -> dict[str, str]:
    """The other names of the values of `kind`, as written → the English code."""
    return {name: code for code, names in VALUE_ALIASES.get(kind, {}).items() for name in names}


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (names are short)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def near_misses(name: str, lookup: dict[str, str]) -> list[str]:
    """The accepted spellings a header is one slip away from: after normalising and dropping
    separators, at most 1 edit (insert, delete, change a character) from a name of up to 7
    characters, 2 from a longer one. `Mobil`, `capacty`, `postedat`, `机构编号` are near misses."""
    key = normalise(name).replace("_", "")
    found = []
    for spelling in lookup:
        target = spelling.replace("_", "")
        if _distance(key, target) <= (1 if len(target) < 8 else 2):
            found.append(spelling)
    return found


def similar(name: str, lookup: dict[str, str], n: int = 4) -> list[str]:
    """A few accepted spellings that look like `name` (for a message), closest first."""
    import difflib

    return difflib.get_close_matches(normalise(name), list(lookup), n=n, cutoff=0.5)


def spelled(spellings: list[str], lookup: dict[str, str]) -> str:
    """`mobile (可调动)`-style list of the columns behind some spellings."""
    columns = list(dict.fromkeys(lookup[s] for s in spellings))
    parts = []
    for column in columns:
        others = [s for s, c in lookup.items() if c == column and s != column]
        parts.append(column + (" ({others})".format(others=", ".join(others)) if others else ""))
    return ", ".join(parts)
