"""Synthetic but realistic content trees for benchmarks: N documents of every type, by seed.

``generate(dest, n, seed)`` writes a content/ tree that passes ``scripts/check`` (the registry is
copied from the real content/; attachments are small placeholder PDFs). The same ``(n, seed)``
always gives the same files, byte for byte, so two machines or two runs measure the same input.
``to_plain(src, dest)`` converts such a tree for plain Pelican (``Title:``/``Date:`` metadata, the
structured front matter rendered as Markdown in the body), so both builds read the same text.

Used by ``scripts/bench`` and ``tests/bench``; never by the site build itself.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness import REPO_ROOT
from portal import columns as portal_columns
from portal import schema, vocab
from portal.departments import load as load_registry

REAL_CONTENT = REPO_ROOT / "content"

# Newest date any synthetic document carries: fixed, so a seed gives the same tree on any day
# (and never a future date for scripts/check on a machine whose clock is past it).
NEWEST = dt.datetime(2026, 10, 30, 17, 0)
OLDEST = dt.datetime(2021, 1, 4, 9, 0)

# Share of each type in a county portal's corpus (counted on real county sites: disclosure
# documents and news dominate, guides are a few hundred, projects and investment pages a few dozen).
SHARES = (("disclosure", 0.45), ("news", 0.36), ("guide", 0.13), ("project", 0.04),
          ("investment", 0.02))
FIXED_PAGES = (
    ("xxgk/zn", "示范县人民政府信息公开指南", "信息公开"),
    ("xxgk/zd", "示范县政府信息公开制度", "信息公开"),
    ("xxgk/nb/2024", "示范县人民政府2024年政府信息公开工作年度报告", "信息公开"),
    ("xxgk/nb/2025", "示范县人民政府2025年政府信息公开工作年度报告", "信息公开"),
    ("about", "县情概况", "首页"),
    ("contact", "联系我们", "首页"),
    ("privacy", "隐私声明", "首页"),
    ("accessibility", "无障碍声明", "首页"),
)

# 文号 prefixes per department (示政发 for the county government, 示政办 for its office …).
DOC_NO_PREFIX = {
    "xzf": "示政发", "xzfb": "示政办", "fgw": "示发改", "jyj": "示教", "gxj": "示工信",
    "gaj": "示公", "mzj": "示民", "czj": "示财", "rsj": "示人社", "zrzyj": "示自然资",
    "zjj": "示建", "nyncj": "示农", "swj": "示商", "wsjkj": "示卫健", "scjgj": "示市监",
    "xzspj": "示审批", "ylbzj": "示医保", "cgz": "城政", "hxz": "河政",
}

# --- words ---------------------------------------------------------------------------------------

SUBJECTS = (
    "农村人居环境整治", "城镇老旧小区改造", "高标准农田建设", "安全生产专项整治", "森林防火",
    "防汛抗旱", "城乡居民医疗保险参保缴费", "最低生活保障", "义务教育招生", "营商环境优化",
    "招商引资", "重点项目建设", "冬春救助", "就业创业扶持", "食品安全监管", "燃气安全排查",
    "生活垃圾分类", "河湖长制", "耕地保护", "秸秆综合利用", "乡村振兴", "数字政府建设",
    "政务服务“一网通办”", "12345政务服务便民热线", "校园食品安全", "养老服务体系建设",
    "困难群众临时救助", "农业机械化", "黄桃产业发展", "冷链物流体系建设", "城区停车管理",
    "消防安全", "道路交通安全", "信访工作", "统计调查", "财政预算管理", "国有资产管理",
    "地质灾害防治", "饮用水水源保护", "大气污染防治", "非煤矿山安全", "电动自行车充电安全",
)
ACTIONS = ("印发", "做好", "开展", "进一步加强", "调整", "公布", "实施", "推进", "规范", "启动")
DOC_KINDS = ("工作方案", "实施意见", "管理办法", "实施细则", "行动计划", "工作要点", "考核办法",
             "专项行动方案", "补助标准", "事项清单")
TERMS = (
    "政务公开", "放管服", "营商环境", "乡村振兴", "政务服务", "安全生产", "依申请公开", "一网通办",
    "最多跑一次", "社会救助", "医疗保障", "就业创业", "财政资金", "项目建设", "招商引资", "优化服务",
    "民生实事", "基层治理", "应急管理", "生态环境", "耕地保护", "粮食安全", "人居环境", "公共服务",
    "行政许可", "告知承诺", "信用监管", "双随机一公开", "网格化管理", "数字乡村", "养老服务",
    "教育公平", "食品安全", "疫苗接种", "防汛抗旱", "河湖长制", "林长制", "城乡融合", "产业园区",
    "标准厂房", "冷链物流", "农产品加工", "文化旅游", "人才引进", "稳岗就业", "低保边缘", "临时救助",
)
PLACES = ("城关镇", "河西镇", "县经济开发区", "河西产业园", "人民路", "解放路", "沙河", "柳河",
          "南山", "大柳村", "小柳村", "东关社区", "西关社区", "县政务服务中心", "县人民医院",
          "县第一中学", "示范南站")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国海燕文斌宇浩凯晨悦欣怡"
PINYIN = ("xian", "zhen", "cun", "gongzuo", "fangan", "tongzhi", "yijian", "banfa", "jihua",
          "anquan", "nongye", "jiaoyu", "yiliao", "shebao", "jiuye", "zhaoshang", "xiangmu",
          "jianshe", "huanjing", "zhengwu", "fuwu", "chengguan", "hexi", "shahe", "liuhe",
          "nanshan", "huangtao", "lenglian", "wuliu", "yanglao", "jiuzhu", "fanghuo", "fangxun",
          "ranqi", "tingche", "gaizao", "shucai", "liangshi", "gengdi", "shuili", "dianshang")
NUMERALS = "一二三四五六七八九十"

# Sentence patterns: {s} subject, {t}/{t2} terms, {p} place, {d} department, {n}/{m} numbers,
# {y} year, {md} month-day.
SENTENCES = (
    "为深入贯彻落实上级关于{s}的决策部署，切实做好{t}工作，结合我县实际，制定本方案。",
    "{y}年以来，{d}坚持以人民为中心的发展思想，围绕{t}和{t2}，扎实推进{s}各项任务。",
    "截至{md}，全县累计完成投资{n}万元，惠及群众{m}户，{s}工作取得阶段性成效。",
    "各乡镇、各部门要提高思想认识，把{s}列入重要议事日程，主要负责同志亲自抓、负总责。",
    "坚持问题导向和目标导向，聚焦{t}中的堵点难点，建立台账、挂图作战、逐项销号。",
    "{p}要结合实际细化工作措施，明确责任单位和完成时限，确保{s}各项任务落到实处。",
    "县财政安排专项资金{n}万元，重点支持{t}、{t2}等领域，资金实行专账管理、专款专用。",
    "对工作推进不力、群众反映强烈的，由县政府督查室通报批评并约谈相关负责人。",
    "各责任单位要于每月{day}日前将工作进展情况报送{d}，年底前形成工作总结。",
    "{d}会同相关部门开展联合检查{m}次，发现问题隐患{n2}处，已全部督促整改到位。",
    "通过政府网站、政务新媒体和村（社区）公开栏等渠道做好政策宣传解读，提高群众知晓率。",
    "群众可拨打12345政务服务便民热线或通过县政府网站“互动交流”栏目反映问题、提出建议。",
    "下一步，{d}将持续深化{t}，推动{s}提质增效，不断增强人民群众的获得感、幸福感、安全感。",
    "会议强调，要统筹发展和安全，守牢{t}底线，确保全县经济社会大局和谐稳定。",
    "{md}，县政府召开专题会议，研究部署{s}工作，县直有关部门和各乡镇主要负责同志参加会议。",
    "{p}共排查整治问题{m}个，新建改建设施{n2}处，群众满意度达到{pct}%以上。",
    "本项工作实行“县级统筹、部门主责、乡镇落实”的推进机制，形成上下联动、齐抓共管的工作格局。",
    "对符合条件的申请人，经审核确认后按月发放补助资金，标准为每人每月{n2}0元。",
    "严格落实“双随机、一公开”监管要求，对检查中发现的违法违规行为依法依规严肃处理。",
    "该项目总投资{n}万元，建成后预计年产值{m}万元，可带动周边群众就业{n2}0余人。",
)

DEPT_KEYS_DISCLOSURE = tuple(DOC_NO_PREFIX)
GUIDE_CONDITIONS = (
    "申请人具有完全民事行为能力",
    "具有本县户籍或者持有本县居住证",
    "已取得营业执照或者其他主体资格证明文件",
    "申请材料齐全、符合法定形式",
    "近三年内无相关违法违规记录",
    "家庭人均收入低于本县当年城乡最低生活保障标准",
    "具有与申请事项相适应的场所、设备和专业技术人员",
    "符合国土空间规划和用途管制要求",
)
GUIDE_STEPS = (
    ("申请", "申请人通过示范省政务服务网在线申报，或者到县政务服务中心综合受理窗口提交材料。"),
    ("受理", "窗口对材料进行审查，材料齐全、符合法定形式的当场受理；不齐全的一次性告知需要补正的全部内容。"),
    ("审查", "{d}对申请材料进行审查，需要现场核查的，自受理之日起5个工作日内完成核查。"),
    ("决定", "符合条件的作出准予决定；不符合条件的作出不予决定并说明理由，告知申请行政复议或者提起行政诉讼的权利。"),
    ("送达", "结果可选择窗口领取或者免费邮寄，电子证照同步推送至申请人账户。"),
)


def _indent_dumper() -> type:
    class Dumper(yaml.SafeDumper):
        """Indent list items under their key, as the demo content and scripts/new do."""

        def increase_indent(self, flow: bool = False, indentless: bool = False):  # noqa: ARG002
            return super().increase_indent(flow, False)

    return Dumper


_DUMPER = _indent_dumper()


def dump_front_matter(meta: dict[str, Any]) -> str:
    """YAML front matter with keys in schema order, unicode kept, list items indented."""
    return yaml.dump(meta, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=4096)


@dataclass
class Writer:
    """Random choices and the running counters of one generated tree."""

    rng: random.Random
    registry: Any
    serials: dict[tuple[str, int], int] = field(default_factory=dict)
    docnos: dict[tuple[str, int], int] = field(default_factory=dict)
    slugs: set[str] = field(default_factory=set)
    files: list[str] = field(default_factory=list)

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def date(self) -> dt.datetime:
        span = int((NEWEST - OLDEST).total_seconds() // 60)
        # more recent documents are more common: a county site grows every year
        frac = self.rng.random() ** 0.7
        d = OLDEST + dt.timedelta(minutes=int(span * frac))
        return d.replace(hour=self.rng.choice((8, 9, 10, 11, 14, 15, 16, 17)),
                         minute=self.rng.randrange(0, 60, 5))

    def person(self) -> str:
        return self.pick(SURNAMES) + "".join(self.pick(GIVEN) for _ in range(self.rng.choice((1, 2))))

    def slug(self, prefix: str, year: int | None = None) -> str:
        while True:
            words = "-".join(self.pick(PINYIN) for _ in range(2))
            base = f"{prefix}-{words}" if prefix else words
            s = f"{base}-{year}-{self.rng.randrange(1000, 10000)}" if year else \
                f"{base}-{self.rng.randrange(1000, 100000)}"
            if s not in self.slugs:
                self.slugs.add(s)
                return s

    def sentence(self, dept: str, year: int) -> str:
        tpl = self.pick(SENTENCES)
        t, t2 = self.rng.sample(TERMS, 2)
        return tpl.format(
            s=self.pick(SUBJECTS), t=t, t2=t2, p=self.pick(PLACES), d=dept, y=year,
            md=f"{self.rng.randint(1, 12)}月{self.rng.randint(1, 28)}日",
            n=self.rng.randint(120, 98000), m=self.rng.randint(30, 9000),
            n2=self.rng.randint(3, 60), day=self.rng.randint(1, 25), pct=self.rng.randint(85, 98))

    def paragraph(self, dept: str, year: int, sentences: tuple[int, int] = (3, 6)) -> str:
        return "".join(self.sentence(dept, year) for _ in range(self.rng.randint(*sentences)))

    def body(self, dept: str, year: int, target: int, *, headings: bool = True,
             links: tuple[str, ...] = ()) -> str:
        """Markdown of about ``target`` characters: numbered headings, paragraphs, a list or table."""
        out: list[str] = []
        size = 0
        section = 0
        while size < target:
            if headings and (section == 0 or self.rng.random() < 0.35):
                out.append(f"## {NUMERALS[section % 10]}、{self.pick(SUBJECTS)}")
                section += 1
            para = self.paragraph(dept, year)
            out.append(para)
            size += len(para)
            roll = self.rng.random()
            if roll < 0.08:
                rows = [f"| {self.pick(PLACES)} | {self.rng.randint(3, 900)} | "
                        f"{self.rng.randint(10, 9999)} |" for _ in range(self.rng.randint(3, 6))]
                out.append("| 单位 | 完成数量（个） | 投入资金（万元） |\n| --- | ---: | ---: |\n"
                           + "\n".join(rows))
            elif roll < 0.18:
                out.append("\n".join(f"{i}. {self.sentence(dept, year)}"
                                     for i in range(1, self.rng.randint(3, 5))))
        if links:
            out.append("相关链接：" + "；".join(f"[{text}]({url})" for url, text in
                                          ((u.split("|", 1)[0], u.split("|", 1)[1]) for u in links)))
        return "\n\n".join(out) + "\n"


def _write(path: Path, meta: dict[str, Any], body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{dump_front_matter(meta)}---\n\n{body}", encoding="utf-8")


def _placeholder_pdf(title: str) -> bytes:
    # A tiny but well-formed PDF: the build copies it, uploads detection would accept it.
    return (b"%PDF-1.4\n% " + title.encode("utf-8") + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


def counts_for(n: int) -> dict[str, int]:
    """How many documents of each type a tree of n documents holds (pages included)."""
    rest = max(0, n - len(FIXED_PAGES))
    counts = {name: int(rest * share) for name, share in SHARES}
    counts["disclosure"] += rest - sum(counts.values())
    counts["page"] = min(n, len(FIXED_PAGES))
    return counts


def generate(dest: Path | str, n: int, seed: int = 1, site: str = "") -> dict[str, int]:
    """Write a content tree of n documents into dest (created; must be empty or absent);
    ``site``: the sub-site id when the tree is one (``sites/<id>/content``): its links to its own
    pages are under ``/<id>/``, as a root link from a sub-site names the county's page."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REAL_CONTENT / schema.DEPARTMENTS_FILE, dest / schema.DEPARTMENTS_FILE)
    registry = load_registry(dest)
    w = Writer(random.Random(seed), registry)
    counts = counts_for(n)
    disclosures = _disclosures(w, dest, counts["disclosure"])
    _news(w, dest, counts["news"], disclosures, f"/{site}/" if site else "/")
    _guides(w, dest, counts["guide"])
    _projects(w, dest, counts["project"])
    _investment(w, dest, counts["investment"])
    _pages(w, dest, counts["page"])
    return counts


def _disclosures(w: Writer, dest: Path, count: int) -> list[tuple[str, str, str]]:
    """Disclosure documents, oldest first; returns (url, title, index_no) of each."""
    dates = sorted(w.date() for _ in range(count))
    metas: list[tuple[Path, dict[str, Any], str]] = []
    for published in dates:
        code = w.pick(DEPT_KEYS_DISCLOSURE)
        dept = w.registry.get(code)
        year = published.year
        serial = w.serials[(code, year)] = w.serials.get((code, year), 0) + 1
        subject = w.pick(SUBJECTS)
        genre = w.pick(("通知", "意见", "方案", "办法", "通告", "决定", "批复", "报告", "规划"))
        kind = w.pick(DOC_KINDS)
        action = w.pick(ACTIONS)
        if genre == "通知" and action == "印发":
            title = f"{dept.name}关于印发《示范县{year}年{subject}{kind}》的通知"
        elif genre == "批复":
            title = f"{dept.name}关于{w.pick(PLACES)}{subject}有关事项的批复"
        else:
            title = f"{dept.name}关于{action}{subject}工作的{genre}"
        written = (published - dt.timedelta(days=w.rng.randint(0, 12))).date()
        slug = f"{code}-{year}-{serial:03d}"
        relpath = f"xxgk/wj/{year}/{slug}.md"
        meta: dict[str, Any] = {
            "title": title[:120],
            "index_no": f"{dept.org_code}/{year}-{serial:05d}",
            "topic": w.pick(vocab.TOPICS[:17]),
            "genre": genre,
            "publisher": code,
            "written": written,
            "date": published.strftime("%Y-%m-%d %H:%M"),
        }
        if w.rng.random() < 0.7:
            no = w.docnos[(code, year)] = w.docnos.get((code, year), 0) + w.rng.randint(1, 3)
            meta["doc_no"] = f"{DOC_NO_PREFIX[code]}〔{year}〕{no}号"
        meta["validity"] = vocab.VALID
        meta["keywords"] = w.rng.sample(TERMS, w.rng.randint(2, 5))
        meta["summary"] = w.paragraph(dept.name, year, (2, 3))[:480]
        if w.rng.random() < 0.1:
            fpath = f"files/xxgk/{year}/{slug}-fj1.pdf"
            meta["attachments"] = [{"title": f"{title[:40]}（附件）", "file": fpath}]
            target = dest / fpath
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_placeholder_pdf(slug))
        metas.append((dest / relpath, meta, dept.name))
    # A few old documents are superseded by newer ones or expire (banners and references).
    for i, (_, meta, _) in enumerate(metas[: max(0, len(metas) - 10)]):
        roll = w.rng.random()
        if roll < 0.04:
            newer = metas[w.rng.randrange(i + 1, len(metas))][1]
            meta["validity"] = "已修改"
            meta["replaced_by"] = newer["index_no"]
        elif roll < 0.08:
            meta["validity"] = w.pick(("失效", "废止"))
            meta["invalid_from"] = meta["written"] + dt.timedelta(days=w.rng.randint(365, 1400))
    out = []
    for path, meta, dept_name in metas:
        year = int(meta["date"][:4])
        head = "各乡镇人民政府，县政府各部门：\n\n" if meta["publisher"] in ("xzf", "xzfb") else ""
        links = ("/xxgk/ml/|政府信息公开目录",) if w.rng.random() < 0.2 else ()
        body = head + w.body(dept_name, year, 1400, links=links)
        body += f"\n{dept_name}\n\n{meta['written'].year}年{meta['written'].month}月{meta['written'].day}日\n"
        _write(path, meta, body)
        rel = path.relative_to(dest).as_posix()
        out.append((schema.url_for(schema.DISCLOSURE, rel, meta), meta["title"], meta["index_no"]))
    return out


def _news(w: Writer, dest: Path, count: int, disclosures: list[tuple[str, str, str]], root: str) -> None:
    columns = tuple(portal_columns.default().news)
    # the columns of content/columns.yml, weighted as a county publishes; 专题 and new ones get 5
    weights = tuple({"yw": 30, "bmdt": 30, "xzdt": 15, "tzgg": 20}.get(c, 5) for c in columns)
    for _ in range(count):
        published = w.date()
        column = w.rng.choices(columns, weights)[0]
        code = w.pick(DEPT_KEYS_DISCLOSURE)
        dept = w.registry.get(code)
        subject = w.pick(SUBJECTS)
        if column == "ldjh":
            title = f"在全县{subject}工作会议上的讲话"
        elif column == "tzgg":
            title = f"关于{w.pick(ACTIONS)}{subject}工作的通知"
        elif column == "xzdt":
            title = f"{w.pick(('城关镇', '河西镇'))}{w.pick(ACTIONS)}{subject}"
        else:
            title = f"{dept.short_name or dept.name}{w.pick(ACTIONS)}{subject}工作 " \
                    f"{w.pick(('惠及群众', '取得实效', '全面启动', '扎实推进'))}{w.rng.randint(2, 900)}项"
        meta: dict[str, Any] = {"title": title[:120], "column": column}
        if column != "yw" or w.rng.random() < 0.5:
            meta["department"] = code
            meta["source"] = dept.name
        if w.rng.random() < 0.6:
            meta["author"] = w.person()
        meta["summary"] = w.paragraph(dept.name, published.year, (2, 2))[:300]
        meta["date"] = published.strftime("%Y-%m-%d %H:%M")
        links = ()
        older = [d for d in disclosures[:: max(1, len(disclosures) // 50)]]
        if older and w.rng.random() < 0.15:
            url, dtitle, _ = w.pick(older)
            links = (f"{root}{url}|{dtitle}",)
        body = w.body(dept.name, published.year, 1500, headings=column == "ldjh", links=links)
        _write(dest / "zwdt" / f"{w.slug('')}.md", meta, body)


def _guides(w: Writer, dest: Path, count: int) -> None:
    depts = ("xzspj", "mzj", "rsj", "ylbzj", "gaj", "wsjkj", "zjj", "zrzyj", "nyncj", "scjgj", "jyj")
    for i in range(count):
        code = w.pick(depts)
        dept = w.registry.get(code)
        item_type = w.pick(vocab.ITEM_TYPES)
        subject = w.pick(SUBJECTS)
        audience = w.pick((["个人"], ["法人"], ["个人", "法人"]))
        events = [e for a in audience for e in vocab.LIFE_EVENTS[a]]
        charged = w.rng.random() < 0.15
        fees: dict[str, Any] = {"charged": charged}
        if charged:
            fees["standard"] = f"每件{w.rng.randint(5, 200)}元"
            fees["basis"] = "《示范省行政事业性收费项目目录》"
        base = f"{w.rng.randint(0, 99999999):08d}{w.rng.randint(0, 9999):04d}"
        meta: dict[str, Any] = {
            "title": f"{subject}{w.pick(('申请', '登记', '备案', '补贴发放', '资格认定', '许可'))}"
                     f"（{w.pick(('新办', '变更', '延续', '注销'))}）",
            "base_code": base,
            "impl_code": f"1199012301150{i:05d}{base}",
            "item_type": item_type,
            "basis": [f"《中华人民共和国{w.pick(('行政许可法', '社会救助法', '食品安全法', '土地管理法'))}》"
                      f"第{w.rng.randint(2, 80)}条",
                      f"《示范省{subject}管理办法》"],
            "department": code,
            "audience": audience,
            "life_events": w.rng.sample(events, min(len(events), w.rng.randint(1, 2))),
            "conditions": w.rng.sample(GUIDE_CONDITIONS, w.rng.randint(2, 4)),
            "materials": [
                {"name": f"《{subject}申请表》", "form": "原件", "copies": 1, "required": True,
                 "source": "窗口提供或者本页下载"},
                {"name": w.pick(("居民身份证", "营业执照", "户口簿", "不动产权证书")),
                 "form": w.pick(vocab.MATERIAL_FORMS), "copies": w.rng.randint(1, 2),
                 "required": True, "source": "申请人自备"},
                {"name": "委托书及受托人身份证明", "form": "原件", "copies": 1, "required": False,
                 "source": "申请人自备", "note": "委托他人办理时提供"},
            ],
            "steps": [{"name": name, "description": text.format(d=dept.name)}
                      for name, text in GUIDE_STEPS],
            "legal_limit": f"{w.rng.choice((10, 15, 20, 30))}个工作日",
            "promised_limit": w.pick(("即办", "3个工作日", "5个工作日", "7个工作日")),
            "case_type": w.pick(vocab.CASE_TYPES),
            "fees": fees,
            "place": f"示范县政务服务中心{w.pick(('一楼A区', '一楼B区', '二楼'))}"
                     f"{w.rng.randint(1, 40)}号窗口（人民路88号）",
            "hours": "工作日上午8:30—12:00，下午14:30—17:30",
            "visits": w.rng.choice((0, 0, 1, 1, 2)),
            "online_url": f"https://zwfw.shifan.gov.cn/{code}/{w.slug('')[:20]}",
            "phone": f"0123-66{w.rng.randint(10000, 19999)}",
            "complaint_phone": "0123-6614310",
            "result": w.pick(("批准文书", "登记证书", "补贴资金", "备案回执", "审核意见")),
            "faq": [{"q": f"办理{subject}需要本人到场吗？", "a": w.sentence(dept.name, 2026)}],
            "date": w.date().strftime("%Y-%m-%d %H:%M"),
        }
        meta["title"] = meta["title"][:80]
        body = f"**温馨提示：** {w.paragraph(dept.name, 2026, (1, 2))}\n"
        _write(dest / "bsfw" / f"{w.slug('zn')}.md", meta, body)


def _projects(w: Writer, dest: Path, count: int) -> None:
    for _ in range(count):
        published = w.date()
        industry = w.pick(vocab.INDUSTRIES)
        meta = {
            "title": f"{w.pick(PLACES)}{industry}{w.pick(('产业园', '基地', '中心', '项目'))}建设项目",
            "industry": industry,
            "amount": w.rng.randint(20, 800) * 100,
            "cooperation": w.pick(vocab.COOPERATION_MODES),
            "location": f"示范县{w.pick(PLACES)}",
            "land": f"{w.pick(('工业用地', '仓储用地', '商业用地'))}约{w.rng.randint(20, 300)}亩，"
                    f"{w.pick(('拟挂牌出让', '已完成土地征收', '可租赁标准厂房'))}",
            "status": w.pick(vocab.PROJECT_STATUSES),
            "department": "swj",
            "contact": {"name": w.person(), "phone": "0123-6614018", "email": "swj@shifan.gov.cn"},
            "summary": w.paragraph("县投资促进中心", published.year, (2, 2))[:290],
            "date": published.strftime("%Y-%m-%d %H:%M"),
        }
        body = w.body("县投资促进中心", published.year, 900)
        _write(dest / "zsyz" / "xm" / f"{w.slug('xm')}.md", meta, body)


def _investment(w: Writer, dest: Path, count: int) -> None:
    for _ in range(count):
        published = w.date()
        kind = w.pick(vocab.INVESTMENT_PAGE_KINDS)
        meta = {
            "title": f"{w.pick(SUBJECTS)}{'政策' if kind == '优惠政策' else '概况'}",
            "kind": kind,
            "department": "swj",
            "summary": w.paragraph("县商务局", published.year, (2, 2))[:450],
            "date": published.strftime("%Y-%m-%d %H:%M"),
        }
        body = w.body("县商务局", published.year, 1200)
        _write(dest / "zsyz" / "tz" / f"{w.slug('tz')}.md", meta, body)


def _pages(w: Writer, dest: Path, count: int) -> None:
    for path, title, column in FIXED_PAGES[:count]:
        meta = {"title": title, "column": column,
                "summary": w.paragraph("县政府办公室", 2026, (1, 1))[:300],
                "date": NEWEST.strftime("%Y-%m-%d %H:%M")}
        _write(dest / "pages" / f"{path}.md", meta, w.body("县政府办公室", 2026, 1200))


# --- the same documents for plain Pelican ------------------------------------------------------


def iter_documents(content: Path) -> Iterator[tuple[str, Path]]:
    """(relpath, path) of every Markdown document of a content tree, sorted."""
    for path in sorted(content.rglob("*.md")):
        rel = path.relative_to(content).as_posix()
        if not rel.startswith(schema.FILES_DIR + "/"):
            yield rel, path


def _md_value(value: Any) -> str:
    if isinstance(value, dict):
        return "；".join(f"{k}：{_md_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "；".join(_md_value(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value).replace("\n", " ").replace("|", "｜")


def plain_markdown(relpath: str, meta: dict[str, Any], body: str) -> str:
    """One document as plain Pelican Markdown: metadata lines, the fields as a table, the body.

    Pelican's default theme shows only title, date and body, so every other field goes into a
    two-column table before the body: both builds then render the same text.
    """
    t = schema.doc_type_for(relpath)
    assert t is not None
    date = meta.get(t.date_field) or NEWEST.strftime("%Y-%m-%d %H:%M")
    if isinstance(date, dt.date):
        date = date.isoformat()
    slug = schema.url_for(t, relpath, meta)[: -len(".html")].replace("/", "-")
    lines = [f"Title: {meta.get('title', slug)}", f"Date: {date}",
             f"Category: {t.section or 'pages'}", f"Slug: {slug}"]
    if meta.get("summary"):
        lines.append("Summary: " + str(meta["summary"]).replace("\n", " "))
    rows = [f"| {t.fields_by_key[k].label if k in t.fields_by_key else k} | {_md_value(v)} |"
            for k, v in meta.items() if k not in ("title", "summary", "date")]
    table = "| 项目 | 内容 |\n| --- | --- |\n" + "\n".join(rows) + "\n\n" if rows else ""
    return "\n".join(lines) + "\n\n" + table + body


def to_plain(src: Path | str, dest: Path | str) -> int:
    """Convert a content tree for plain Pelican; attachments are copied. Returns the count."""
    from portal.frontmatter import parse

    src, dest = Path(src), Path(dest)
    n = 0
    for rel, path in iter_documents(src):
        doc = parse(path)
        # plain Pelican reads content/pages as pages: keep them there, everything else as articles
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(plain_markdown(rel, doc.meta, doc.body), encoding="utf-8")
        n += 1
    if (src / schema.FILES_DIR).is_dir():
        shutil.copytree(src / schema.FILES_DIR, dest / schema.FILES_DIR, dirs_exist_ok=True)
    return n


PLAIN_SETTINGS = '''\
# Plain Pelican: default theme, no plugins; only what the corpus needs to build.
AUTHOR = "示范县人民政府办公室"
SITENAME = "示范县人民政府"
SITEURL = ""
PATH = "content"
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh"
STATIC_PATHS = ["files"]
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
'''


def main(argv: list[str] | None = None) -> int:
    """python -m harness.synth DEST N [--seed S] [--plain PLAIN_DEST]"""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m harness.synth",
                                     description="生成用于基准测试的合成内容目录")
    parser.add_argument("dest", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plain", type=Path, help="同时写出纯 Pelican 版本到此目录")
    args = parser.parse_args(argv)
    counts = generate(args.dest, args.n, args.seed)
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    if args.plain:
        to_plain(args.dest, args.plain / "content")
        (args.plain / "pelicanconf.py").write_text(PLAIN_SETTINGS, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
