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
    "preferences": ("意向",),
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
        "x_km": ("横坐标km", "横坐标", "横坐标(km)", "横坐标(公里)"),
        "y_km": ("纵坐标km", "纵坐标", "纵坐标(km)", "纵坐标(公里)"),
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
        "rotation_windows": ("可轮岗窗口",),
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
    "preferences": {
        "staff_id": ("人员编号",),
        "institution": ("机构",),
        "rank": ("志愿顺序",),
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
    "mode": {"separate": ("各自管理",), "county_pool": ("县管乡用",), "unified": ("统一管理",)},
    "level": {
        "shortfall": ("加权缺口",), "moves": ("调动人数",), "distance": ("调动距离",),
        "hiring_cost": ("招聘成本",), "unregularised": ("未转编人数",), "treasury_cost": ("财政成本",),
        "preference": ("意向偏离",),
        # rotation.objective's own levels (its `distance` is the one above)
        "covered": ("覆盖岗位",), "longest_trip": ("最长单程",),
    },
    "requirements_from": {"wisn": ("工作负荷",), "norms": ("配置标准",)},
    # WISN's activities (workload.kind): health service, support, additional (individual)
    "kind": {"service": ("卫生服务",), "support": ("支持活动",), "individual": ("个人附加活动",)},
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

# The instance sheet: each part of a dotted key (`policy.max_distance_km`) → other names;
# a key is written part by part (`政策.最远调动距离km`). Titles (salary, retirement_age) and
# fundings (treasury_share) are named as in VALUE_ALIASES.
KEY_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("名称", "实例名称"),
    "policy": ("政策",),
    "horizon": ("规划期",),
    "start": ("起始年份",),
    "years": ("年数",),
    "mode": ("管理模式", "模式"),
    "objective": ("优化目标",),
    "max_distance_km": ("最远调动距离km", "最远调动距离", "最远调动距离(km)", "最远调动距离(公里)"),
    "salary": ("年薪",),
    "county_managed_township_used": ("县管编制可用于乡镇",),
    "county_managed_village_used": ("县管编制可用于村",),
    "township_used_at_county": ("乡镇编制可用于县级",),
    "township_recruited_village_used": ("乡招村用",),
    "rotation": ("轮岗",),
    "periods": ("轮岗期数",),
    "window": ("轮岗窗口期数",),
    "max_away_fraction": ("最大外派比例",),
    "host_capacity": ("接收容量",),
    "host_tiers": ("接收层级",),
    "wisn": ("工作负荷",),
    "working_days": ("工作日数",),
    "public_holidays": ("法定节假日",),
    "annual_leave": ("年休假",),
    "sick_leave": ("病假",),
    "other_leave": ("其他假",),
    "hours_per_day": ("每日工时",),
    "requirements_from": ("需求来源",),
    "norms": ("配置标准",),
    "retirement_age": ("退休年龄",),
    "treasury_share": ("财政负担比例",),
    "unified": ("统一管理编制",),
    "balance_to_salary": ("医保结余用于薪酬比例",),
}

# The instance sheet's keys whose values are codes of a kind of VALUE_ALIASES (by last part).
KEY_VALUE_KIND: dict[str, str] = {
    "mode": "mode", "objective": "level", "requirements_from": "requirements_from", "host_tiers": "tier",
    "county_managed_township_used": "boolean", "county_managed_village_used": "boolean",
    "township_used_at_county": "boolean", "township_recruited_village_used": "boolean",
}

# The fields of a population norm (policy.norms, JSON records in one cell) → other names.
NORM_ALIASES: dict[str, tuple[str, ...]] = {
    "tier": ("层级",), "specialty": ("专业",), "min_title": ("最低职称",), "staff": ("人数",),
    "per_population": ("服务人口",), "weight": ("权重",),
}
NORM_VALUE_KIND = {"tier": "tier", "specialty": "specialty", "min_title": "title"}

_SEPARATORS = re.compile(r"[\s_\-()（）]+")  # a unit in brackets reads as a part: `x (km)` is `x_km`


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


def key_part_lookup() -> dict[str, str]:
    """Every accepted name (normalised) of a part of an instance-sheet key → the part."""
    out = {normalise(k): k for k in KEY_ALIASES}
    for kind in ("title", "funding"):
        for code, names in VALUE_ALIASES[kind].items():
            out[normalise(code)] = code
            out.update({normalise(n): code for n in names})
    for part, names in KEY_ALIASES.items():
        out.update({normalise(n): part for n in names})
    return out


def chinese(kind: str, code: str) -> str:
    """The first other name of a code (what a Chinese workbook writes), or the code."""
    table = KEY_ALIASES if kind == "key" else NORM_ALIASES if kind == "norm" else VALUE_ALIASES.get(kind, {})
    if kind == "key" and code not in KEY_ALIASES:
        table = {**VALUE_ALIASES["title"], **VALUE_ALIASES["funding"]}
    names = table.get(code)
    return names[0] if names else code


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
