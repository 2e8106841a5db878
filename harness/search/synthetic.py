"""A synthetic corpus of county-government documents for ``scripts/bench-search`` (seeded, reproducible).

Documents look like the portal's: a title in the usual 关于…的通知 form, 1,000–2,500 characters of
body built from government phrases (each term in a realistic share of documents, a few in most),
a department, a 主题分类, a 文号 and a 索引号 on disclosure documents, and dates over six years.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass

from harness import REPO_ROOT, synth
from portal import departments, vocab
from sitesearch.fields import DEFAULT_SITE
from sitesearch.indexer import Document

# The departments the corpus is spread over. Names and organisation codes come from the registry,
# 文号 prefixes from the build benchmark's generator, so the two synthetic corpora and the demo
# content agree on every one of these facts.
DEPT_CODES = (
    "xzfb", "fgw", "jyj", "mzj", "czj", "rsj", "zrzyj", "zjj", "nyncj", "wsjkj", "scjgj", "xzspj",
)
CONTENT_DIR = REPO_ROOT / "content"


@functools.cache
def depts() -> tuple[tuple[str, str, str, str], ...]:
    """(code, name, 组织机构代码, 文号 prefix) of each corpus department, in a fixed order."""
    registry = departments.load(CONTENT_DIR)
    return tuple(
        (code, registry.by_code[code].name, registry.by_code[code].org_code,
         synth.DOC_NO_PREFIX[code])
        for code in DEPT_CODES
    )

# Government terms: (term, share of documents containing it).
TERMS = (
    ("行政审批", 0.12), ("政府信息公开", 0.15), ("依申请公开", 0.05), ("营商环境", 0.10),
    ("乡村振兴", 0.12), ("最低生活保障", 0.06), ("城乡居民基本养老保险", 0.05),
    ("安全生产", 0.14), ("食品安全", 0.08), ("招商引资", 0.07), ("重点项目", 0.10),
    ("高标准农田", 0.04), ("义务教育", 0.06), ("医疗保障", 0.06), ("就业创业", 0.06),
    ("住房公积金", 0.03), ("不动产登记", 0.04), ("生态环境保护", 0.08), ("河长制", 0.03),
    ("疫情防控", 0.05), ("财政预算", 0.07), ("政府采购", 0.05), ("专项资金", 0.09),
    ("防汛抗旱", 0.04), ("森林防火", 0.03), ("双随机一公开", 0.03), ("放管服", 0.04),
    ("一网通办", 0.04), ("营业执照", 0.05), ("许可证", 0.06), ("社会保险", 0.07),
    ("老旧小区改造", 0.03), ("农村人居环境", 0.05), ("产业园区", 0.05), ("安置补偿", 0.02),
    ("政务服务", 0.12), ("督查督办", 0.04), ("信访", 0.05), ("应急管理", 0.06),
    ("残疾人两项补贴", 0.02), ("临时救助", 0.03), ("特困人员", 0.03), ("耕地保护", 0.04),
)
COMMON = (
    "各乡镇人民政府", "县直各有关单位", "认真贯彻落实", "进一步加强", "切实做好", "统筹推进",
    "工作要求", "责任分工", "组织领导", "监督检查", "确保取得实效", "结合本地实际", "现印发给你们",
    "请认真组织实施", "为深入贯彻", "根据上级有关要求", "经县人民政府同意", "推动高质量发展",
    "全面落实", "健全工作机制", "强化宣传引导", "加强协调配合", "按照职责分工", "压实工作责任",
    "定期通报进展情况", "及时报送工作信息", "广泛听取意见", "依法依规", "公开透明", "便民高效",
    "主要目标", "重点任务", "保障措施", "实施步骤", "附件", "联系人", "联系电话",
)
GENRE_TITLES = ("通知", "实施意见", "工作方案", "管理办法", "公告", "通告", "报告", "批复")
START = dt.datetime(2020, 1, 1, 9, 0)


def document(i: int, seed: int = 2024, site: str = DEFAULT_SITE, site_name: str = "") -> Document:
    """Document number ``i`` of the corpus: the same text for the same (i, seed) on any site.

    Each document has a generator of its own, so any range of the corpus can be made in any
    process (the benchmark builds sites in parallel) and a corpus split over 100 sites holds the
    same texts as one site of the same size. Another site's documents have its id in their path
    and URL.
    """
    rng = random.Random(seed * 1_000_003 + i)
    code, name, org_code, prefix = rng.choice(depts())
    date = START + dt.timedelta(days=rng.randrange(6 * 365), hours=rng.randrange(8))
    chosen = [t for t, share in TERMS if rng.random() < share] or [rng.choice(TERMS)[0]]
    main = chosen[0]
    genre = rng.choice(GENRE_TITLES)
    title = f"{name}关于{rng.choice(('做好', '加强', '推进', '开展', '印发'))}{main}工作的{genre}"
    length = rng.randrange(1000, 2500)
    parts: list[str] = []
    size = 0
    while size < length:
        piece = rng.choice(chosen) if rng.random() < 0.35 else rng.choice(COMMON)
        sep = rng.choice(("，", "，", "。", "；", "、"))
        if rng.random() < 0.03:
            piece += f"{rng.randrange(1, 300)}万元"
        parts.append(piece + sep)
        size += len(piece) + 1
        if rng.random() < 0.05:
            parts.append("\n")
    body = "".join(parts)
    year = date.year
    # a serial per department and year, as if each issued one document in twelve of the corpus
    serial = i // len(DEPT_CODES) % 99_999 + 1
    disclosure = i % 3 != 2
    kind = "xxgk" if disclosure else "zwdt"
    where = "" if site == DEFAULT_SITE else f"{site}/"
    return Document(
        path=f"{where}{kind}/{year}/doc-{i:06d}.md",
        url=f"/{where}{kind}/wj/doc-{i:06d}.html",
        title=title,
        body=body,
        summary=body[:120],
        section=kind,
        section_label="信息公开" if disclosure else "政务动态",
        doctype="disclosure" if disclosure else "news",
        doctype_label="信息公开文件" if disclosure else "政务动态",
        dept=code,
        dept_name=name,
        topic=rng.choice(vocab.TOPICS) if disclosure else "",
        date=date,
        index_no=f"{org_code}/{year}-{serial:05d}" if disclosure else "",
        doc_no=f"{prefix}〔{year}〕{serial}号" if disclosure else "",
        keywords=chosen[:3],
        site=site,
        site_name=site_name,
    )


def documents(count: int, seed: int = 2024, start: int = 0, site: str = DEFAULT_SITE,
              site_name: str = "") -> Iterator[Document]:
    """Documents ``start`` … ``start + count - 1``, identical for the same seed."""
    for i in range(start, start + count):
        yield document(i, seed, site, site_name)


@dataclass(frozen=True)
class Site:
    """One site of a synthetic cluster and its share of the corpus (documents start … start+count)."""

    id: str
    name: str
    start: int
    count: int


def cluster(total: int, sites: int) -> list[Site]:
    """``total`` documents over ``sites`` sites as a county's cluster has them.

    The county portal first, with a fifth of the documents (a tenth above 10 sites: it lists the
    others' documents, it does not hold them), then the departments of the registry, townships and
    专题 sites sharing the rest equally.
    """
    registry = departments.load(CONTENT_DIR)
    names = [(DEFAULT_SITE, "示范县人民政府")]
    # the county government's own entry (示范县人民政府) is the portal itself
    names += [(d.code, d.name) for d in registry if d.name != names[0][1]][: max(0, sites - 1)]
    n = 1
    while len(names) < sites:
        kind = n % 3
        names.append((f"xz{n:02d}", f"示范县第{n}乡镇人民政府") if kind else
                     (f"zt{n:02d}", f"{TERMS[n % len(TERMS)][0]}专题"))
        n += 1
    if sites == 1:
        return [Site(*names[0], 0, total)]
    county = total // (5 if sites <= 10 else 10)
    rest = total - county
    out = [Site(*names[0], 0, county)]
    start = county
    for k, (site_id, name) in enumerate(names[1:]):
        count = rest // (sites - 1) + (1 if k < rest % (sites - 1) else 0)
        out.append(Site(site_id, name, start, count))
        start += count
    return out


def query_words(count: int, seed: int = 7) -> list[str]:
    """Queries of one to three words as citizens type them, drawn from the corpus vocabulary."""
    rng = random.Random(seed)
    words = [t for t, _ in TERMS] + ["审批", "公开", "补贴", "养老", "招商", "农田", "登记", "救助"]
    out = []
    for _ in range(count):
        n = rng.choice((1, 1, 2, 2, 3))
        out.append(" ".join(rng.sample(words, n)))
    return out
