"""An instance written with Chinese sheet names, headers and values, in every input form.

The tables here are copied by hand from the Chinese names the product promises (the table
in docs/input.md), not imported from staffpool: this is the oracle the reader is tested
against. Short forms (全额, 差额, 医师) are used on every other row so both spellings are read.

`python -m tests.zh_forms` writes the bundled instances/sanming-county-zh.xlsx from
instances/sanming-county (Chinese names for its institutions and staff, too).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from staffpool.domain.instance import Instance

ROOT = Path(__file__).resolve().parents[1]

SHEETS = {"instance": "实例", "communities": "医共体", "institutions": "机构", "staff": "人员", "requirements": "需求",
          "preferences": "意向"}
HEADERS = {
    "communities": {"id": "编码", "name": "名称", "hiring_budget": "招聘预算", "max_moves": "最多调动人数",
                    "treasury_budget": "财政预算", "insurance_balance": "医保结余"},
    "institutions": {
        "id": "机构编码", "name": "机构名称", "community": "医共体", "tier": "层级", "funding": "经费形式",
        "approved_posts": "核定编制数", "service_population": "服务人口", "x_km": "横坐标km", "y_km": "纵坐标km",
        "capacity": "容量",
    },
    "staff": {
        "id": "工号", "name": "姓名", "status": "人员类别", "title": "职称", "specialty": "专业",
        "post_funding": "编制经费形式", "quota_holder": "编制所在机构", "posted_at": "工作机构", "community": "医共体",
        "mobile": "可调动", "grassroots_due": "需下基层", "rotation_windows": "可轮岗窗口",
    },
    "requirements": {"institution": "机构编码", "specialty": "专业", "min_title": "最低职称", "need": "需求人数", "weight": "权重"},
    "preferences": {"staff_id": "人员编号", "institution": "机构", "rank": "志愿顺序"},
}
TIER = {"county": "县级", "township": "乡镇", "village": "村"}
FUNDING = {"full": ("全额拨款", "全额"), "differential": ("差额拨款", "差额"), "none": ("无", "无")}
STATUS = {"on_staff": "在编", "contract": "编外", "candidate": "拟招聘"}
TITLE = {
    "chief": ("主任医师",) * 2, "deputy_chief": ("副主任医师",) * 2, "attending": ("主治医师",) * 2,
    "resident": ("住院医师", "医师"), "village_doctor": ("乡村医生",) * 2,
}
BOOLEAN = {True: "是", False: "否"}
SPECIALTY = {
    "general_practice": "全科", "internal_medicine": "内科", "surgery": "外科", "pediatrics": "儿科",
    "obstetrics": "产科", "emergency": "急诊科", "tcm": "中医", "public_health": "公共卫生", "*": "全部",
}
COLUMNS = {
    "communities": tuple(HEADERS["communities"]),
    "institutions": tuple(HEADERS["institutions"]),
    "staff": tuple(HEADERS["staff"]),
    "requirements": tuple(HEADERS["requirements"]),
    "preferences": tuple(HEADERS["preferences"]),
}


def _value(column: str, value: Any, n: int) -> Any:
    """The Chinese cell for an English value (row n picks the long or the short form)."""
    if value is None:
        return None
    if column == "tier":
        return TIER[value]
    if column in ("funding", "post_funding"):
        return FUNDING[value][n % 2]
    if column == "status":
        return STATUS[value]
    if column in ("title", "min_title"):
        return TITLE[value][n % 2]
    if column in ("mobile", "grassroots_due"):
        return BOOLEAN[value]
    if column == "specialty":
        return SPECIALTY.get(value, value)
    if column == "rotation_windows":
        return "；".join(map(str, value)) or None  # a Chinese office types the full-width semicolon
    return value


def tables(inst: Instance) -> dict[str, list[dict[str, Any]]]:
    """Each table as rows of {Chinese header: Chinese value}."""
    items = {"communities": inst.communities, "institutions": inst.institutions, "staff": inst.staff,
             "requirements": inst.requirements, **({"preferences": inst.preferences} if inst.preferences else {})}
    out: dict[str, list[dict[str, Any]]] = {}
    for table, rows in items.items():
        out[table] = []
        for n, item in enumerate(rows):
            data = item.model_dump(mode="json")
            out[table].append({HEADERS[table][c]: _value(c, data[c], n) for c in COLUMNS[table]})
    return out


def _policy_pairs(inst: Instance) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = [("name", inst.name)]

    def flat(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                flat(f"{prefix}.{k}", v)
        elif isinstance(value, list):
            pairs.append((prefix, json.dumps(value) if value and isinstance(value[0], dict) else ",".join(map(str, value))))
        elif value is not None:
            pairs.append((prefix, value))

    flat("policy", inst.policy.model_dump(mode="json"))
    return pairs


def _cell(v: Any) -> str:
    return "" if v is None else str(v)


def write_folder(inst: Instance, folder: Path, encoding: str = "utf-8") -> None:
    """A folder: English file names (as the product keeps them), Chinese headers and values."""
    import yaml

    folder.mkdir(parents=True)
    data = tables(inst)
    meta = {"name": inst.name, "policy": inst.policy.model_dump(mode="json"), "医共体": data["communities"]}
    (folder / "instance.yaml").write_bytes(yaml.safe_dump(meta, allow_unicode=True).encode(encoding))
    for table in ("institutions", "staff", "requirements", *(["preferences"] if "preferences" in data else [])):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(HEADERS[table].values())
        for row in data[table]:
            w.writerow([_cell(v) for v in row.values()])
        (folder / f"{table}.csv").write_bytes(buf.getvalue().encode(encoding))


def write_json(inst: Instance, path: Path) -> None:
    data = tables(inst)
    doc = {"name": inst.name, "policy": inst.policy.model_dump(mode="json"),
           **{SHEETS[t]: rows for t, rows in data.items()}}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


def write_workbook(inst: Instance, path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEETS["instance"]
    ws.append(["键", "值"])
    for key, value in _policy_pairs(inst):
        ws.append([key, value])
    for table, rows in tables(inst).items():
        sheet = wb.create_sheet(SHEETS[table])
        sheet.append(list(HEADERS[table].values()))
        for row in rows:
            sheet.append(list(row.values()))
    wb.save(path)


# ---------------------------------------------------------------- the bundled instance

TOWNS = ["城关", "西城", "洋中", "新阳", "管前", "台溪", "中仙", "梅仙", "联合", "汤川"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建文"


def chinese_names(inst: Instance) -> Instance:
    """The same instance with Chinese names for its community, institutions and staff."""
    def inst_name(name: str) -> str:
        if name.startswith("County General Hospital"):
            return "县总医院"
        if name.startswith("County TCM Hospital"):
            return "县中医院"
        k = int(name.rsplit("-", 1)[1])
        if name.startswith("Township Centre"):
            return f"{TOWNS[(k - 1) % len(TOWNS)]}镇卫生院"
        return f"第{k}村卫生室"

    def person(k: int) -> str:
        return SURNAMES[k % len(SURNAMES)] + GIVEN[(k * 7) % len(GIVEN)] + GIVEN[(k * 11 + 3) % len(GIVEN)]

    return inst.model_copy(update={
        "communities": tuple(c.model_copy(update={"name": "三明县医共体"}) for c in inst.communities),
        "institutions": tuple(i.model_copy(update={"name": inst_name(i.name)}) for i in inst.institutions),
        "staff": tuple(s.model_copy(update={"name": person(k)}) for k, s in enumerate(inst.staff)),
    })


def main() -> None:
    from staffpool.inputs.validate import load_instance

    base = load_instance(ROOT / "instances" / "sanming-county")
    write_workbook(chinese_names(base), ROOT / "instances" / "sanming-county-zh.xlsx")


if __name__ == "__main__":
    main()
