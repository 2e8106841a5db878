"""Where the list pages of the portal live: facet keys and the folder of each kind of list.

The ``catalogs`` plugin writes the list pages at these folders; :func:`list_pages` answers,
from the documents' front matter alone, which of them a build writes, so ``portal.check`` can
tell a link to ``/xxgk/ml/zt/01/`` that exists from one to ``/zsyz/tz/`` that does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from portal import vocab

# Stable ASCII keys for facet values, declared once; URLs use them, so never renumber.
# 主题分类: position in vocab.TOPICS, 1-based and zero-padded ("01" 综合政务 … "21" 其他).
TOPIC_KEYS: dict[str, str] = {t: f"{i:02d}" for i, t in enumerate(vocab.TOPICS, 1)}
INDUSTRY_KEYS: dict[str, str] = {
    "现代农业": "xdny",
    "农产品加工": "ncpjg",
    "装备制造": "zbzz",
    "新材料": "xcl",
    "新能源": "xny",
    "文化旅游": "whly",
    "现代物流": "xdwl",
    "康养服务": "kyfw",
    "电子信息": "dzxx",
    "城市建设": "csjs",
}
ITEM_TYPE_KEYS: dict[str, str] = {
    "行政许可": "xzxk",
    "行政处罚": "xzcf",
    "行政强制": "xzqz",
    "行政征收": "xzzs",
    "行政给付": "xzgf",
    "行政检查": "xzjc",
    "行政确认": "xzqr",
    "行政奖励": "xzjl",
    "行政裁决": "xzcj",
    "其他行政权力": "qtxzql",
    "公共服务": "ggfw",
}
AUDIENCE_KEYS: dict[str, str] = {"个人": "gr", "法人": "fr"}
LIFE_EVENT_KEYS: dict[str, str] = {
    "生育收养": "sysy",
    "户籍办理": "hjbl",
    "教育科研": "jyky",
    "就业创业": "jycy",
    "婚姻登记": "hydj",
    "社会保障": "shbz",
    "医疗卫生": "ylws",
    "住房保障": "zfbz",
    "交通出行": "jtcx",
    "农业农村": "nync",
    "退休养老": "txyl",
    "死亡殡葬": "swbz",
    "设立变更": "slbg",
    "准营准办": "zyzb",
    "投资立项": "tzlx",
    "工程建设": "gcjs",
    "税费缴纳": "sfjn",
    "人力资源": "rlzy",
    "农林牧渔": "nlmy",
    "注销退出": "zxtc",
}
# audience a life event belongs to (its browse page lives under that audience's folder)
LIFE_EVENT_AUDIENCE: dict[str, str] = {
    e: aud for aud, events in vocab.LIFE_EVENTS.items() for e in events
}


def _keys_for(values: Iterable[str], declared: dict[str, str], prefix: str) -> dict[str, str]:
    """Declared keys, plus a positional fallback for values added to vocab later."""
    keys = dict(declared)
    for i, value in enumerate(values, 1):
        keys.setdefault(value, f"{prefix}{i:02d}")
    return keys


INDUSTRY_KEYS = _keys_for(vocab.INDUSTRIES, INDUSTRY_KEYS, "cy")
ITEM_TYPE_KEYS = _keys_for(vocab.ITEM_TYPES, ITEM_TYPE_KEYS, "lx")
LIFE_EVENT_KEYS = _keys_for(vocab.ALL_LIFE_EVENTS, LIFE_EVENT_KEYS, "sj")
AUDIENCE_KEYS = _keys_for(vocab.AUDIENCES, AUDIENCE_KEYS, "dx")

# Every kind of list page: the pattern of its folder and the path key of a value. Values that
# are Chinese words (主题分类, 产业 …) go through the key tables above.
LIST_FOLDERS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "news_column": ("zwdt/{}/", str),
    "topic": ("xxgk/ml/zt/{}/", lambda topic: TOPIC_KEYS.get(topic, "00")),
    "publisher": ("xxgk/ml/jg/{}/", str),
    "year": ("xxgk/ml/nd/{}/", str),
    "guide_department": ("bsfw/bm/{}/", str),
    "item_type": ("bsfw/lx/{}/", lambda item_type: ITEM_TYPE_KEYS.get(item_type, "qt")),
    "audience": ("bsfw/{}/", lambda audience: AUDIENCE_KEYS.get(audience, "qt")),
    # a life event's page lives under the folder of the audience it belongs to
    "life_event": ("bsfw/{}/", lambda event: AUDIENCE_KEYS.get(LIFE_EVENT_AUDIENCE.get(event, ""), "qt")
                   + "/" + LIFE_EVENT_KEYS.get(event, "qt")),
    "industry": ("zsyz/xm/cy/{}/", lambda industry: INDUSTRY_KEYS.get(industry, "qt")),
    # 职权目录 (权力事项): by 职权类别 (the same keys as 事项类型) and by 实施主体
    "power_category": ("xxgk/ql/lb/{}/", lambda category: ITEM_TYPE_KEYS.get(category, "qt")),
    "power_department": ("xxgk/ql/bm/{}/", str),
}


# The 职权目录's front page, written when at least one 权力事项 is published.
POWER_CATALOGUE = "xxgk/ql/"

# Fixed pages the build writes itself unless content/pages has its own (preferred): URL → template.
REPLACEABLE_PAGES: dict[str, str] = {"accessibility.html": "accessibility", "contact.html": "contact"}

def fixed_folders(news_columns: Iterable[str]) -> set[str]:
    """List pages every build writes, whatever the content: the section pages, each 政务动态 column
    of columns.yml and each 服务对象 (written even when empty, so the menus never lead to a 404).
    A sub-site's build leaves out those of the county's sections (portal.sites.county_sections)."""
    return ({"zwdt/", "xxgk/", "xxgk/ml/", "bsfw/", "zsyz/", "zsyz/xm/", "jg/", "hd/"}
            | {folder("news_column", c) for c in news_columns}
            | {folder("audience", a) for a in vocab.AUDIENCES})


def folder(kind: str, value: Any) -> str:
    """The folder of one list page, e.g. ("topic", "综合政务") → "xxgk/ml/zt/01/"."""
    pattern, key = LIST_FOLDERS[kind]
    return pattern.format(key(value))


def _year(value: Any) -> int | None:
    year = getattr(value, "year", None)
    if isinstance(year, int):
        return year
    text = str(value or "").strip()
    return int(text[:4]) if text[:4].isdigit() else None


def list_folders(items: Iterable[tuple[str, dict[str, Any]]], news_columns: Iterable[str]) -> set[str]:
    """Folders of every list page a build writes for documents given as (type name, front matter).

    Mirrors the groupings of the catalogs plugin's ``Index``: a facet page exists only for a
    value some document has (a topic, a publisher, a year, an industry …).
    """
    found = fixed_folders(news_columns)

    def add(kind: str, value: Any) -> None:
        if isinstance(value, (str, int)) and not isinstance(value, bool):  # wrong kinds are errors elsewhere
            found.add(folder(kind, value))

    for doctype, meta in items:
        if doctype == "disclosure":
            add("topic", meta.get("topic"))
            add("publisher", meta.get("publisher"))
            add("year", _year(meta.get("date")))
        elif doctype == "guide":
            add("guide_department", meta.get("department"))
            add("item_type", meta.get("item_type"))
            events = meta.get("life_events")
            for event in events if isinstance(events, list) else ():
                add("life_event", event)
        elif doctype == "project":
            add("industry", meta.get("industry"))
        elif doctype == "power":
            found.add(POWER_CATALOGUE)
            add("power_category", meta.get("power_type"))
            add("power_department", meta.get("department"))
    return found


def newest_first(article: Any) -> tuple[int, int, int, str]:
    """Pelican's ``ARTICLE_ORDER_BY``: newest first, documents of the same time by source path.

    Pelican collects the files to read in a set, so without the path two builds of one tree list
    same-dated documents in different orders (and an incremental build could never match a
    full one byte for byte).
    """
    d = article.date
    return (-d.toordinal(), -(d.hour * 3600 + d.minute * 60 + d.second), -d.microsecond,
            str(article.relative_source_path))
