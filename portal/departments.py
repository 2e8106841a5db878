"""The departments registry: ``content/departments.yml``, the one list of departments.

The site build renders a page per department from it, ``scripts/check`` validates references to it,
and ``formsvc`` syncs its routing targets from it. Nothing else lists departments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from portal import yaml_errors
from portal.frontmatter import FrontMatterError
from portal.frontmatter import _Loader as _YamlLoader
from portal.schema import DEPARTMENTS_FILE, Field
from portal.vocab import DEPARTMENT_KINDS

# Fields of one registry entry, in the order the department page shows them.
DEPARTMENT_FIELDS: tuple[Field, ...] = (
    Field("code", "代码", "str", required=True, help="小写拼音缩写，用于网址和引用，如 fgw"),
    Field("name", "名称", "str", required=True),
    Field("short_name", "简称", "str"),
    Field("org_code", "组织机构代码", "str", required=True, help="9 位，如 01234567-8；索引号以此开头"),
    Field("kind", "机构类别", "choice", required=True, choices=DEPARTMENT_KINDS),
    Field("parent", "上级机构", "str"),
    Field("duties", "主要职责", "list", required=True),
    Field("leaders", "领导信息", "records", item_fields=(
        Field("name", "姓名", "str", required=True),
        Field("title", "职务", "str", required=True),
        Field("portfolio", "分工", "str"),
    )),
    Field("address", "办公地址", "str", required=True),
    Field("hours", "办公时间", "str", required=True),
    Field("phone", "联系电话", "str", required=True),
    Field("fax", "传真", "str"),
    Field("email", "电子邮箱", "str"),
    Field("postcode", "邮政编码", "str"),
    # formsvc: messages to this department need a reviewer's approval before the reply is sent
    Field("review_required", "答复需审核", "bool"),
    # formsvc: the office that receives 依申请公开 requests (the 政府信息公开工作机构)
    Field("accepts_disclosure_requests", "受理依申请公开", "bool"),
)


@dataclass(frozen=True)
class Leader:
    name: str
    title: str
    portfolio: str = ""


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    org_code: str
    kind: str
    duties: tuple[str, ...]
    address: str
    hours: str
    phone: str
    short_name: str = ""
    parent: str = ""
    leaders: tuple[Leader, ...] = ()
    fax: str = ""
    email: str = ""
    postcode: str = ""
    review_required: bool = False
    accepts_disclosure_requests: bool = False
    line: int = 0  # where the entry starts in departments.yml, for error messages

    @property
    def url(self) -> str:
        return f"jg/{self.code}.html"

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


@dataclass
class Registry:
    departments: list[Department] = field(default_factory=list)
    path: Path | None = None

    def __post_init__(self) -> None:
        self.by_code: dict[str, Department] = {d.code: d for d in self.departments}

    def __iter__(self):
        return iter(self.departments)

    def __len__(self) -> int:
        return len(self.departments)

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def get(self, code: str) -> Department | None:
        return self.by_code.get(code)

    def children(self, code: str) -> list[Department]:
        return [d for d in self.departments if d.parent == code]


def read_raw(path: Path) -> tuple[list[dict[str, Any]], Any]:
    """The registry as plain data plus its YAML node (for line numbers)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FrontMatterError(f"找不到机构名录 {DEPARTMENTS_FILE}", 1) from None
    loader = _YamlLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        line, message = yaml_errors.describe(exc, text, 1)
        raise FrontMatterError(message, line) from None
    except ValueError:  # an impossible date such as 2024-13-01
        raise FrontMatterError("机构名录里有无法读取的值（如不存在的日期）；请检查格式", 1) from None
    finally:
        loader.dispose()
    entries = (data or {}).get("departments") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise FrontMatterError("机构名录应以 departments: 开头，下面是机构列表", 1)
    return entries, node


def _entry_lines(node: Any) -> list[int]:
    for key, value in getattr(node, "value", []):
        if getattr(key, "value", None) == "departments":
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in value) if isinstance(value, list) else ()


# A content tree without its own registry (a sub-site's, sites/<id>/content) uses the county's.
REPO_CONTENT = Path(__file__).resolve().parents[1] / "content"


def path_for(content_dir: Path | str) -> Path:
    """The departments.yml a content tree uses: its own, else the repository's (the county's)."""
    own = Path(content_dir) / DEPARTMENTS_FILE
    return own if own.is_file() else REPO_CONTENT / DEPARTMENTS_FILE


def load(content_dir: Path | str) -> Registry:
    """Load the registry, leniently: validation is ``portal.check``'s job."""
    path = path_for(content_dir)
    entries, node = read_raw(path)
    lines = _entry_lines(node)
    departments = []
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not isinstance(e.get("code"), str):
            continue
        departments.append(
            Department(
                code=str(e["code"]),
                name=str(e.get("name", "")),
                org_code=str(e.get("org_code", "")),
                kind=str(e.get("kind", "")),
                duties=_strings(e.get("duties")),
                address=str(e.get("address", "")),
                hours=str(e.get("hours", "")),
                phone=str(e.get("phone", "")),
                short_name=str(e.get("short_name") or ""),
                parent=str(e.get("parent") or ""),
                leaders=tuple(
                    Leader(str(x.get("name", "")), str(x.get("title", "")),
                           str(x.get("portfolio") or ""))
                    for x in (e.get("leaders") if isinstance(e.get("leaders"), list) else ())
                    if isinstance(x, dict)
                ),
                fax=str(e.get("fax") or ""),
                email=str(e.get("email") or ""),
                postcode=str(e.get("postcode") or ""),
                review_required=bool(e.get("review_required", False)),
                accepts_disclosure_requests=bool(e.get("accepts_disclosure_requests", False)),
                line=lines[i] if i < len(lines) else 0,
            )
        )
    return Registry(departments, path)
