"""The content model: every document type, where it lives and what its front matter holds.

This module is declarative. ``portal.check`` validates against it, ``scripts/new`` scaffolds from
it, the reader plugin uses it to pick a type and a template, and ``docs/content-model.md`` describes
it. Field keys are English identifiers; labels are what editors and citizens read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from portal import vocab

# Field kinds understood by portal.check:
#   str        one line of text            text       several lines of text
#   int        whole number >= 0           bool       true / false
#   date       YYYY-MM-DD                  datetime   YYYY-MM-DD or YYYY-MM-DD HH:MM
#   choice     one of ``choices``          choices    a list of values from ``choices``
#   list       a list of one-line strings  url        http(s) URL or a site path starting with /
#   dept       a department code from content/departments.yml
#   file       a path under content/ (e.g. files/xxgk/2024/foo.pdf) that must exist
#   index_no   索引号 ``组织机构代码/YYYY-NNNNN``
#   doc_no     文号 such as 示政办〔2024〕12号
#   ref        the 索引号 of another disclosure document
#   column     a news column or 专题 id from content/columns.yml (portal.columns)
#   records    a list of mappings whose keys are ``item_fields``
#   record     one mapping whose keys are ``item_fields``


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = "str"
    required: bool = False
    choices: tuple[str, ...] = ()
    item_fields: tuple[Field, ...] = ()
    help: str = ""
    max_length: int | None = None
    # False for a code the build reads and a reader never types (a flow step's id and the ids
    # that point to it): the site search leaves it out of a document's text
    searchable: bool = True


@dataclass(frozen=True)
class DocType:
    name: str  # identifier used in code and templates
    label: str  # what editors read
    directory: str  # under content/, posix
    section: str  # URL prefix of the section (pinyin initials)
    template: str  # theme template rendering one document
    fields: tuple[Field, ...]
    slug_pattern: str = "{section}/{slug}.html"
    # the field that gives the document its date for lists, feeds and staleness checks
    date_field: str = "date"
    fields_by_key: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields_by_key", {f.key: f for f in self.fields})

    def url_for(self, slug: str, sub: str = "") -> str:
        """Site-relative URL (no leading slash) of a document of this type."""
        return self.slug_pattern.format(section=self.section, slug=slug, sub=sub)


TITLE = Field("title", "标题", "str", required=True, max_length=120)
DATE = Field("date", "发布日期", "datetime", required=True, help="YYYY-MM-DD 或 YYYY-MM-DD HH:MM")
SUMMARY = Field("summary", "内容概述", "text", max_length=500)

ATTACHMENT_FIELDS = (
    Field("title", "附件名称", "str", required=True),
    Field("file", "文件", "file", required=True, help="content/ 下的相对路径，如 files/xxgk/2024/a.pdf"),
)

DISCLOSURE = DocType(
    name="disclosure",
    label="信息公开文件",
    directory="xxgk/wj",
    section="xxgk",
    template="disclosure",
    slug_pattern="{section}/wj/{slug}.html",
    fields=(
        TITLE,
        Field("index_no", "索引号", "index_no", required=True,
              help="组织机构代码/YYYY-NNNNN，一经赋予永不改变、不得重复使用"),
        Field("topic", "主题分类", "choice", required=True, choices=vocab.TOPICS),
        Field("genre", "体裁分类", "choice", required=True, choices=vocab.GENRES),
        Field("publisher", "发布机构", "dept", required=True),
        Field("written", "成文日期", "date", required=True),
        DATE,
        Field("doc_no", "文号", "doc_no", help="如 示政办〔2024〕12号；无文号可省略"),
        Field("doc_class", "文件类别", "choice", choices=vocab.DOC_CLASSES,
              help="规章或行政规范性文件填写，年度报告表二按此统计；其他文件省略"),
        Field("validity", "有效性", "choice", required=True, choices=vocab.VALIDITY),
        Field("replaced_by", "替代或修改文件", "ref", help="新文件的索引号；有效性为“已修改”时必填"),
        Field("invalid_from", "失效日期", "date", help="有效性不是“有效”时填写"),
        Field("keywords", "主题词", "list", required=True),
        Field("summary", "内容概述", "text", required=True, max_length=500),
        Field("attachments", "附件", "records", item_fields=ATTACHMENT_FIELDS),
    ),
)

MATERIAL_FIELDS = (
    Field("name", "材料名称", "str", required=True),
    Field("form", "材料形式", "choice", required=True, choices=vocab.MATERIAL_FORMS),
    Field("copies", "份数", "int", required=True),
    Field("required", "是否必需", "bool", required=True),
    Field("source", "来源渠道", "str", help="如 申请人自备、政府部门核发"),
    Field("blank_form", "空白表格", "file"),
    Field("sample", "示例样表", "file"),
    Field("note", "备注", "str"),
)
STEP_FIELDS = (
    Field("name", "环节", "str", required=True),
    Field("description", "办理说明", "text", required=True),
)
FEE_FIELDS = (
    Field("charged", "是否收费", "bool", required=True),
    Field("standard", "收费标准", "str"),
    Field("basis", "收费依据", "str"),
)
FAQ_FIELDS = (
    Field("q", "问题", "str", required=True),
    Field("a", "解答", "text", required=True),
)

GUIDE = DocType(
    name="guide",
    label="办事指南",
    directory="bsfw",
    section="bsfw",
    template="guide",
    slug_pattern="{section}/zn/{slug}.html",
    fields=(
        Field("title", "事项名称", "str", required=True, max_length=80),
        Field("base_code", "基本编码", "str", required=True),
        Field("impl_code", "实施编码", "str", required=True),
        Field("item_type", "事项类型", "choice", required=True, choices=vocab.ITEM_TYPES),
        Field("power", "权力事项", "str",
              help="本指南实施的权力事项（content/xxgk/ql/）的事项编码 code，如 XK-SCJGJ-001"),
        Field("basis", "设定依据", "list", required=True),
        Field("department", "实施主体", "dept", required=True),
        Field("audience", "服务对象", "choices", required=True, choices=vocab.AUDIENCES),
        Field("life_events", "主题分类（人生事件）", "choices", choices=vocab.ALL_LIFE_EVENTS),
        Field("conditions", "受理条件", "list", required=True),
        Field("materials", "申请材料", "records", required=True, item_fields=MATERIAL_FIELDS),
        Field("steps", "办理流程", "records", required=True, item_fields=STEP_FIELDS),
        Field("legal_limit", "法定办结时限", "str", required=True, help="如 20个工作日"),
        Field("promised_limit", "承诺办结时限", "str", required=True, help="如 5个工作日；即办件写“即办”"),
        Field("case_type", "办件类型", "choice", required=True, choices=vocab.CASE_TYPES),
        Field("fees", "收费", "record", required=True, item_fields=FEE_FIELDS),
        Field("place", "办理地点", "str", required=True),
        Field("hours", "办理时间", "str", required=True),
        Field("visits", "到办事现场次数", "int", required=True),
        Field("online_url", "网上办理地址", "url"),
        Field("phone", "咨询电话", "str", required=True),
        Field("complaint_phone", "监督投诉电话", "str", required=True),
        Field("result", "审批结果", "str", required=True),
        Field("faq", "常见问题", "records", item_fields=FAQ_FIELDS),
        Field("forms", "表格下载", "records", item_fields=ATTACHMENT_FIELDS),
        Field("date", "更新日期", "datetime", required=True),
    ),
)

PROJECT = DocType(
    name="project",
    label="招商项目",
    directory="zsyz/xm",
    section="zsyz",
    template="project",
    slug_pattern="{section}/xm/{slug}.html",
    fields=(
        TITLE,
        Field("industry", "所属产业", "choice", required=True, choices=vocab.INDUSTRIES),
        Field("amount", "总投资（万元）", "int", required=True),
        Field("cooperation", "合作方式", "choice", required=True, choices=vocab.COOPERATION_MODES),
        Field("location", "项目地点", "str", required=True),
        Field("land", "用地情况", "str", required=True, help="面积、性质、供地方式"),
        Field("status", "项目状态", "choice", required=True, choices=vocab.PROJECT_STATUSES),
        Field("department", "责任单位", "dept", required=True),
        Field("contact", "联系方式", "record", required=True, item_fields=(
            Field("name", "联系人", "str", required=True),
            Field("phone", "电话", "str", required=True),
            Field("email", "电子邮箱", "str"),
        )),
        Field("summary", "项目简介", "text", required=True, max_length=300),
        DATE,
    ),
)

INVESTMENT_PAGE = DocType(
    name="investment",
    label="投资环境与优惠政策",
    directory="zsyz/tz",
    section="zsyz",
    template="investment",
    slug_pattern="{section}/tz/{slug}.html",
    fields=(
        TITLE,
        Field("kind", "栏目", "choice", required=True, choices=vocab.INVESTMENT_PAGE_KINDS),
        Field("department", "发布单位", "dept", required=True),
        SUMMARY,
        DATE,
    ),
)

NEWS = DocType(
    name="news",
    label="政务动态",
    directory="zwdt",
    section="zwdt",
    template="news",
    slug_pattern="{section}/{sub}/{slug}.html",
    fields=(
        TITLE,
        Field("column", "栏目", "column", required=True, help="栏目代码，见 content/columns.yml"),
        Field("department", "来源单位", "dept"),
        Field("source", "来源", "str", help="不填则显示来源单位名称"),
        Field("author", "作者", "str"),
        SUMMARY,
        DATE,
    ),
)

# 权力事项: one power of the county's 职权目录 with its 外部 and 内部 运行流程 (portal/powerflow.py
# checks a flow, portal/flowchart.py draws it).
BASIS_FIELDS = (
    Field("law", "法律法规名称", "str", required=True, help="如 《中华人民共和国行政许可法》"),
    Field("article", "条款", "str", required=True, help="如 第三十八条第一款"),
    Field("text", "条文内容", "text"),
)
FLOW_STEP_FIELDS = (
    Field("id", "环节代码", "str", required=True, help="小写字母、数字或 -，流程内唯一，如 shouli",
          searchable=False),
    Field("name", "环节名称", "str", required=True, max_length=24),
    Field("role", "承办岗位", "str", required=True, help="如 窗口受理人员、股室负责人"),
    Field("limit", "时限", "str", help="如 1个工作日、当场"),
    Field("description", "办理要求", "text"),
    Field("next", "下一环节", "str", help="下一环节的环节代码；不填为流程终点",
          searchable=False),
    Field("question", "判断条件", "str", help="判断环节填写，如 材料是否齐全？；同时填 if_yes 和 if_no"),
    # not yes/no: YAML would read those keys as true/false
    Field("if_yes", "是：转到", "str", help="判断为“是”时转到的环节代码", searchable=False),
    Field("if_no", "否：转到", "str", help="判断为“否”时转到的环节代码", searchable=False),
)
DISCRETION_FIELDS = (
    Field("situation", "违法情形", "text", required=True),
    Field("level", "裁量等次", "str", help="如 轻微、一般、严重"),
    Field("penalty", "处罚幅度", "text", required=True),
)

POWER = DocType(
    name="power",
    label="权力事项",
    directory="xxgk/ql",
    section="xxgk",
    template="power",
    slug_pattern="{section}/ql/{slug}.html",
    fields=(
        Field("title", "事项名称", "str", required=True, max_length=80),
        Field("code", "事项编码", "str", required=True,
              help="大写字母、数字和 -，全县唯一，一经赋予不再改变，如 XK-SCJG-001"),
        Field("power_type", "职权类别", "choice", required=True, choices=vocab.POWER_CATEGORIES),
        Field("basis", "实施依据", "records", required=True, item_fields=BASIS_FIELDS),
        Field("department", "实施主体", "dept", required=True),
        Field("office", "承办机构", "str", required=True, help="部门内承办的股室或机构，如 行政审批股"),
        Field("duties", "责任事项", "list", required=True),
        Field("accountability", "追责情形", "list", required=True),
        Field("supervision_phone", "监督电话", "str", required=True),
        Field("discretion", "自由裁量基准", "records", item_fields=DISCRETION_FIELDS,
              help="行政处罚事项必填：违法情形 → 处罚幅度"),
        Field("flow_external", "外部流程", "records", required=True, item_fields=FLOW_STEP_FIELDS,
              help="申请人或当事人看得到的环节"),
        Field("flow_internal", "内部流程", "records", item_fields=FLOW_STEP_FIELDS,
              help="机关内部的审查、审核、审批环节"),
        SUMMARY,
        Field("date", "更新日期", "datetime", required=True),
    ),
)

PAGE = DocType(
    name="page",
    label="固定页面",
    directory="pages",
    section="",
    template="page",
    # pages mirror their path: content/pages/xxgk/zn.md → /xxgk/zn.html
    slug_pattern="{slug}.html",
    fields=(
        TITLE,
        Field("column", "所属栏目", "str", help="用于面包屑和 ColumnName，如 信息公开"),
        SUMMARY,
        Field("date", "更新日期", "datetime"),
    ),
)

# 互动交流: content an editor commits whose comments and questions are records in formsvc
# (formsvc/domain/participation.py). Static pages under /hd/ (formsvc owns /hdjl/).
DRAFT_ARTICLE_FIELDS = (
    Field("number", "条号", "int", required=True, help="从 1 起连续编号；意见可以针对某一条"),
    Field("title", "条标题", "str", help="选填，如 适用范围"),
    Field("text", "条文", "text", required=True),
)
HEARING_FIELDS = (
    Field("date", "听证时间", "datetime", required=True, help="YYYY-MM-DD HH:MM"),
    Field("place", "听证地点", "str", required=True),
    Field("registration_deadline", "报名截止日期", "date", required=True,
          help="发言人报名截止日期，不晚于听证日期"),
    Field("transcript", "听证记录", "text", help="听证会后填写，公开发布"),
)

CONSULTATION = DocType(
    name="consultation",
    label="意见征集",
    directory="hd/yjzj",
    section="hd",
    template="consultation",
    slug_pattern="{section}/yjzj/{slug}.html",
    fields=(
        Field("title", "征求意见稿名称", "str", required=True, max_length=120),
        Field("department", "起草单位", "dept", required=True),
        Field("opens", "征求意见开始日期", "date", required=True),
        Field("closes", "征求意见截止日期", "date", required=True,
              help="截止日当天 24 时后不再接受意见；不早于开始日期"),
        Field("explanation", "起草说明", "text", required=True),
        Field("articles", "条文", "records", required=True, item_fields=DRAFT_ARTICLE_FIELDS),
        Field("attachments", "附件", "records", item_fields=ATTACHMENT_FIELDS),
        Field("hearing", "网上听证", "record", item_fields=HEARING_FIELDS,
              help="举行听证时填写：时间、地点、报名截止日期"),
        Field("feedback", "意见反馈", "text",
              help="征求意见结束后填写：收到意见的总体情况、采纳情况和理由"),
        SUMMARY,
        DATE,
    ),
)

GUEST_FIELDS = (
    Field("name", "姓名", "str", required=True),
    Field("role", "职务", "str", required=True),
)
PHOTO_FIELDS = (
    Field("file", "图片", "file", required=True),
    Field("caption", "说明", "str", required=True, help="图片的文字说明（替代文本）"),
)
QA_FIELDS = (
    Field("q", "网友提问", "text", required=True),
    Field("a", "嘉宾回答", "text", required=True),
    Field("guest", "回答嘉宾", "str", help="嘉宾姓名"),
)

INTERVIEW = DocType(
    name="interview",
    label="在线访谈",
    directory="hd/ft",
    section="hd",
    template="interview",
    slug_pattern="{section}/ft/{slug}.html",
    fields=(
        Field("title", "访谈主题", "str", required=True, max_length=120),
        Field("department", "主办单位", "dept", required=True),
        Field("starts", "访谈开始时间", "datetime", required=True, help="YYYY-MM-DD HH:MM"),
        Field("ends", "访谈结束时间", "datetime", required=True,
              help="此后不再接受提问；晚于开始时间"),
        Field("guests", "访谈嘉宾", "records", required=True, item_fields=GUEST_FIELDS),
        Field("photos", "图片", "records", item_fields=PHOTO_FIELDS),
        Field("transcript", "文字实录", "records", item_fields=QA_FIELDS,
              help="访谈结束后填写；可由 flask export-interview 导出的问答开始编辑"),
        SUMMARY,
        DATE,
    ),
)

DOC_TYPES: tuple[DocType, ...] = (DISCLOSURE, GUIDE, PROJECT, INVESTMENT_PAGE, NEWS, PAGE,
                                  CONSULTATION, INTERVIEW, POWER)
DOC_TYPES_BY_NAME: dict[str, DocType] = {t.name: t for t in DOC_TYPES}

# Files in content/ that are not documents.
DEPARTMENTS_FILE = "departments.yml"
COLUMNS_FILE = "columns.yml"  # news columns, 专题专栏 and freshness classes (portal.columns)
FILES_DIR = "files"  # attachments, blank forms, images: copied to output/files/


# Each type's directory as path parts, the longest first (the first of equal length in DOC_TYPES'
# order): doc_type_for runs for every document of every build.
_BY_DIRECTORY: tuple[tuple[tuple[str, ...], DocType], ...] = tuple(sorted(
    ((PurePosixPath(t.directory).parts, t) for t in DOC_TYPES), key=lambda pair: -len(pair[0])))


def _plain(relpath: str | PurePosixPath) -> bool:
    """Whether ``relpath`` is a string that ``PurePosixPath`` would not change (no empty or "."
    parts, not absolute): its parts are then its pieces between slashes. Every build asks for the
    type and slug of every document (4,000 paths for 1,000 documents), ten times faster so."""
    return (type(relpath) is str and relpath != "" and relpath[0] != "/" and relpath[-1] != "/"
            and "//" not in relpath and not relpath.startswith("./") and "/./" not in relpath
            and not relpath.endswith("/.") and relpath != ".")


def _stem(name: str) -> str:
    """``PurePosixPath(name).stem`` of a plain file name."""
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def doc_type_for(relpath: str | PurePosixPath) -> DocType | None:
    """The type of a content file from its path relative to content/ (longest directory wins)."""
    parts = tuple(relpath.split("/")) if _plain(relpath) else PurePosixPath(relpath).parts
    for dparts, t in _BY_DIRECTORY:
        if len(parts) > len(dparts) and parts[: len(dparts)] == dparts:
            return t
    return None


def slug_for(doc_type: DocType, relpath: str | PurePosixPath) -> str:
    """The slug of a document: its file name without extension; pages keep their sub-path."""
    if _plain(relpath):
        if doc_type is not PAGE:
            return _stem(relpath.rpartition("/")[2])
        folder, slash, name = relpath.partition(PAGE.directory + "/")[2].rpartition("/")
        if relpath.startswith(PAGE.directory + "/") and name:
            return folder + slash + _stem(name)
    p = PurePosixPath(relpath)
    if doc_type is PAGE:
        inner = p.relative_to(PAGE.directory)
        return str(inner.with_suffix(""))
    return p.stem


def url_for(doc_type: DocType, relpath: str | PurePosixPath, meta: dict[str, Any]) -> str:
    """Site-relative URL (no leading slash) where a document is published."""
    return doc_type.url_for(slug_for(doc_type, relpath), sub=str(meta.get("column", "")))
