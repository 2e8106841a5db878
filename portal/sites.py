"""The sites of the cluster: ``sites/<site-id>/site.yml``, one settings file per sub-site.

The county portal (``content/``, site id ``county``) is the centre of the cluster; every other site
(a department, a township, a 专题) is a folder ``sites/<site-id>/`` with a ``site.yml`` and its
documents in ``content/``. :func:`load` reads and validates one ``site.yml`` (every mistake with its
line, in Chinese); :func:`discover` lists the sub-sites of a repository. The Pelican settings of a
site are computed from ``pelicanconf`` and this file in ``portal.cluster.settings``, nowhere else.

The accent colours a site may choose are the theme's palette: the ``.gp-accent-<name>`` rules of
``theme/static/css/site.css`` (read here, so the palette is declared once), each dark enough for
white text (4.5:1, checked here too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from portal import departments as dept_registry
from portal import schema, yaml_errors
from portal.frontmatter import _Loader as _YamlLoader
from sitesearch.fields import DEFAULT_SITE, SITE_ID

REPO_ROOT = Path(__file__).resolve().parents[1]
SITES_DIR = "sites"
SITE_FILE = "site.yml"
CONTENT_DIR = "content"
TEMPLATES_DIR = "templates"  # a site's template overrides, searched before theme/templates
STATIC_DIR = "static"  # a site's own images (its logo), published under <site>/theme/
STYLESHEET = REPO_ROOT / "theme" / "static" / "css" / "site.css"

# What each kind of site is, in the words of the cluster page.
KINDS: dict[str, str] = {"department": "部门网站", "township": "乡镇网站", "topic": "专题网站"}
# The department registry's kinds a site of each kind may belong to (a topic site: any).
KIND_DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "department": ("政府工作部门", "直属机构", "部门管理机构", "议事协调机构", "事业单位"),
    "township": ("乡镇", "街道"),
}
# Sections a sub-site may show in its menu (pelicanconf.SECTIONS codes); hdjl and jg are the
# county's (one message service, one registry) and link there.
MENU_SECTIONS = ("home", "zwdt", "xxgk", "bsfw", "zsyz", "hdjl", "jg")
# The sections that belong to the county whatever site links to them.
COUNTY_SECTIONS = ("hdjl", "jg")
# The sections a sub-site has only with documents of their own (办事指南; 招商项目 and 投资环境;
# 意见征集 and 在线访谈): without, its menu and site map link to the county's, and it writes no
# empty list pages.
OPTIONAL_SECTIONS = ("bsfw", "zsyz", "hd")
SITE_ID_CODE_RE = re.compile(r"^[0-9A-Za-z]{10}$")  # 网站标识码: 10 characters
LOGO_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*\.svg$")
ACCENT_RULE_RE = re.compile(
    r"\.gp-accent-([a-z]+)\s*\{[^}]*--gp-red:\s*(#[0-9a-fA-F]{6})[^}]*--gp-red-dark:\s*(#[0-9a-fA-F]{6})")
MIN_CONTRAST = 4.5  # WCAG AA for the white text of the header and menu
KEYS = ("name", "short_name", "kind", "department", "site_id_code", "footer", "menu", "logo", "accent")
FOOTER_KEYS = ("sponsor", "organizer", "address", "postcode", "phone", "icp", "psb")


class SiteError(ValueError):
    """A site.yml that cannot be used: where (path, line) and why, in Chinese."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = str(path)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Site:
    """One sub-site of the cluster, as its site.yml declares it."""

    id: str
    root: Path
    name: str
    short_name: str
    kind: str
    department: str
    site_id_code: str
    accent: str
    logo: str = ""
    menu: tuple[str, ...] = ("home", "zwdt", "xxgk", "hdjl")
    footer: dict[str, str] = field(default_factory=dict)

    @property
    def content_dir(self) -> Path:
        return self.root / CONTENT_DIR

    @property
    def templates_dir(self) -> Path:
        return self.root / TEMPLATES_DIR

    @property
    def static_dir(self) -> Path:
        return self.root / STATIC_DIR

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    return tuple(channel(int(hex_colour[i:i + 2], 16)) for i in (1, 3, 5))  # type: ignore[return-value]


def contrast_with_white(hex_colour: str) -> float:
    """WCAG contrast ratio of white text on ``hex_colour``."""
    r, g, b = _rgb(hex_colour)
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (lum + 0.05)


@lru_cache(maxsize=4)
def _palette(path: Path, _mtime_ns: int) -> dict[str, tuple[str, str]]:
    text = path.read_text(encoding="utf-8")
    return {m.group(1): (m.group(2), m.group(3)) for m in ACCENT_RULE_RE.finditer(text)}


def palette() -> dict[str, tuple[str, str]]:
    """The accent colours of the theme: name → (colour, dark colour), from site.css."""
    return _palette(STYLESHEET, STYLESHEET.stat().st_mtime_ns)


def accessible_accents() -> tuple[str, ...]:
    """The accents whose both colours carry white text at 4.5:1 or more."""
    return tuple(name for name, colours in palette().items()
                 if all(contrast_with_white(c) >= MIN_CONTRAST for c in colours))


def sites_root(repo: Path | None = None) -> Path:
    return Path(repo or REPO_ROOT) / SITES_DIR


def discover(repo: Path | None = None) -> list[str]:
    """The ids of the sub-sites of a repository (folders of sites/ with a site.yml), sorted."""
    root = sites_root(repo)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / SITE_FILE).is_file())


def _line(node: Any, key: str) -> int:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key:
                return v.start_mark.line + 1
    return 1


def _read(path: Path) -> tuple[dict[str, Any], Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SiteError(path, 1, f"找不到网站设置文件 {SITE_FILE}") from None
    except UnicodeDecodeError:
        raise SiteError(path, 1, "文件不是 UTF-8 编码；请用 UTF-8 保存") from None
    if (mistake := yaml_errors.key_mistake(text, 1)) is not None:
        raise SiteError(path, *mistake)
    try:
        node = yaml.compose(text, Loader=_YamlLoader)
        data = yaml.load(text, Loader=_YamlLoader)  # noqa: S506 (the project's safe loader)
    except yaml.MarkedYAMLError as exc:
        raise SiteError(path, *yaml_errors.describe(exc, text, 1)) from None
    if not isinstance(data, dict):
        raise SiteError(path, 1, "网站设置应是“键: 值”的列表，如 name: 示范县农业农村局")
    return data, node


def load(site_dir: Path, registry: dept_registry.Registry | None = None) -> Site:
    """Read and check ``<site_dir>/site.yml``; :class:`SiteError` names the first mistake."""
    site_dir = Path(site_dir)
    path = site_dir / SITE_FILE
    data, node = _read(path)
    site_id = site_dir.name

    def fail(key: str, message: str) -> SiteError:
        return SiteError(path, _line(node, key), message)

    if not SITE_ID.fullmatch(site_id) or site_id == DEFAULT_SITE:
        raise SiteError(path, 1, f"网站文件夹名 {site_id} 不能用作网站代码：只能用小写字母、数字、- 和 _，"
                                 f"以字母或数字开头，最多 40 个字符，且不能是 {DEFAULT_SITE}")
    for key in data:
        if key not in KEYS:
            raise fail(str(key), f"未知的设置项 {key}；可用：{'、'.join(KEYS)}")
    for key in ("name", "kind", "department", "site_id_code", "accent"):
        if data.get(key) in (None, ""):
            raise SiteError(path, 1, f"缺少必填项 {key}")
        if not isinstance(data[key], str):
            raise fail(key, f"{key} 应是一段文字，例如用引号括起来：{key}: \"…\"")
    kind = data["kind"]
    if kind not in KINDS:
        raise fail("kind", f"kind 应是 {'、'.join(f'{k}（{v}）' for k, v in KINDS.items())} 之一，而不是 {kind}")
    if not SITE_ID_CODE_RE.fullmatch(data["site_id_code"]):
        raise fail("site_id_code", "网站标识码 site_id_code 应是 10 位数字或字母（由国务院办公厅政府网站"
                                   "管理平台分配），写在引号里")
    registry = registry if registry is not None else dept_registry.load(REPO_ROOT / CONTENT_DIR)
    code = data["department"]
    dept = registry.get(code)
    if dept is None:
        raise fail("department", f"机构代码 {code} 不在机构名录 content/departments.yml 中")
    allowed = KIND_DEPARTMENTS.get(kind)
    if allowed is not None and dept.kind not in allowed:
        raise fail("department", f"{KINDS[kind]}应属于{'或'.join(allowed)}，而 {dept.name} 是{dept.kind}")
    accents = accessible_accents()
    if data["accent"] not in accents:
        raise fail("accent", f"主题色 accent 应是网站配色中的一种：{'、'.join(accents)}"
                             f"（与白色文字的对比度不低于 {MIN_CONTRAST}:1）")
    logo = data.get("logo") or ""
    if logo:
        if not isinstance(logo, str) or not LOGO_RE.fullmatch(logo):
            raise fail("logo", "标志 logo 应是 static/ 下的一个 SVG 文件名，如 logo.svg")
        if not (site_dir / STATIC_DIR / logo).is_file():
            raise fail("logo", f"找不到标志文件 {site_dir.name}/{STATIC_DIR}/{logo}")
    menu = data.get("menu", ["home", "zwdt", "xxgk", "hdjl"])
    if not isinstance(menu, list) or not menu or any(m not in MENU_SECTIONS for m in menu):
        raise fail("menu", f"菜单 menu 应是栏目代码的列表，可用：{'、'.join(MENU_SECTIONS)}")
    if menu[0] != "home":
        raise fail("menu", "菜单 menu 的第一项应是 home（首页）")
    footer = data.get("footer") or {}
    if not isinstance(footer, dict) or any(k not in FOOTER_KEYS or not isinstance(v, str)
                                           for k, v in footer.items()):
        raise fail("footer", f"页脚 footer 只能写这些项（每项一段文字）：{'、'.join(FOOTER_KEYS)}")
    for key in ("name", "short_name"):
        if key in data and not isinstance(data[key], str):
            raise fail(key, f"{key} 应是一段文字")
    return Site(id=site_id, root=site_dir, name=data["name"],
                short_name=str(data.get("short_name") or data["name"]), kind=kind,
                department=code, site_id_code=data["site_id_code"], accent=data["accent"],
                logo=logo, menu=tuple(menu), footer=dict(footer))


def _has_documents(content_dir: Path, section: str) -> bool:
    folders = [Path(content_dir) / t.directory for t in schema.DOC_TYPES if t.section == section]
    return any(next(folder.rglob("*.md"), None) is not None for folder in folders if folder.is_dir())


def county_sections(content_dir: Path) -> tuple[str, ...]:
    """The sections whose pages are the county's for the sub-site of this tree: its menu and site
    map link there, and its build and check know it has no list pages of them."""
    return COUNTY_SECTIONS + tuple(code for code in OPTIONAL_SECTIONS if not _has_documents(content_dir, code))


def content_dirs(repo: Path | None = None) -> list[Path]:
    """Every content tree of the cluster: the county's, then each sub-site's."""
    root = Path(repo or REPO_ROOT)
    return [root / CONTENT_DIR, *(sites_root(repo) / s / CONTENT_DIR for s in discover(repo))]


def content_dir(site_id: str | None, given: Path | None = None, repo: Path | None = None) -> Path:
    """The content tree of ``--site`` (default the county's), or ``given`` when one is named."""
    if given is not None:
        if site_id is not None:
            raise SiteError("--site", 1, "--site 和内容目录只能指定一个")
        return Path(given)
    if site_id in (None, DEFAULT_SITE):
        return Path(repo or REPO_ROOT) / CONTENT_DIR
    if site_id not in discover(repo):
        raise SiteError(SITES_DIR, 1, f"没有网站 {site_id}；可用：{'、'.join([DEFAULT_SITE, *discover(repo)])}")
    return sites_root(repo) / site_id / CONTENT_DIR


def load_all(repo: Path | None = None) -> list[Site]:
    """Every sub-site of a repository; :class:`SiteError` at the first broken site.yml."""
    registry = dept_registry.load(Path(repo or REPO_ROOT) / CONTENT_DIR)
    return [load(sites_root(repo) / site_id, registry) for site_id in discover(repo)]


__all__ = ["KINDS", "Site", "SiteError", "accessible_accents", "contrast_with_white", "discover",
           "load", "load_all", "palette"]
