"""Fixed value lists of the content model: the one place each list is declared.

The build, ``scripts/check``, ``scripts/new``, the theme and ``formsvc`` all import from here.
Changing a list here changes what editors may write; keep old values when a document still uses them.
"""

from __future__ import annotations

# 主题分类: the State Council portal's 22-term subject classification, as county portals use it.
TOPICS: tuple[str, ...] = (
    "综合政务",
    "国民经济管理、国有资产监管",
    "财政、金融、审计",
    "国土资源、能源",
    "农业、林业、水利",
    "工业、交通",
    "商贸、海关、旅游",
    "市场监管、安全生产监管",
    "城乡建设、环境保护",
    "科技、教育",
    "文化、广电、新闻出版",
    "卫生、体育",
    "人口与计划生育、妇女儿童工作",
    "劳动、人事、监察",
    "公安、安全、司法",
    "民政、扶贫、救灾",
    "民族、宗教",
    "对外事务",
    "港澳台侨工作",
    "国防",
    "其他",
)

# 体裁分类: the document genres of 《党政机关公文处理工作条例》 plus plans and programmes.
GENRES: tuple[str, ...] = (
    "决定",
    "命令（令）",
    "公报",
    "公告",
    "通告",
    "意见",
    "通知",
    "通报",
    "报告",
    "请示",
    "批复",
    "议案",
    "函",
    "纪要",
    "规划",
    "计划",
    "方案",
    "办法",
    "规定",
    "细则",
    "其他",
)

# 文件类别 the annual report counts (table 二, 《条例》 Art. 20 (1)); other documents leave it out.
DOC_CLASSES: tuple[str, ...] = ("规章", "行政规范性文件")

# 有效性. Anything other than 有效 shows a banner on the document's page.
VALID = "有效"
VALIDITY: tuple[str, ...] = (VALID, "失效", "废止", "已修改")
# these statuses point to the document that replaced or amended this one
VALIDITY_NEEDS_REPLACEMENT: tuple[str, ...] = ("已修改",)

# 事项类型 of a 办事指南 (权责清单 categories).
ITEM_TYPES: tuple[str, ...] = (
    "行政许可",
    "行政处罚",
    "行政强制",
    "行政征收",
    "行政给付",
    "行政检查",
    "行政确认",
    "行政奖励",
    "行政裁决",
    "其他行政权力",
    "公共服务",
)

# 职权类别 of a 权力事项 (content/xxgk/ql): the same eleven 权责清单 categories, one list.
POWER_CATEGORIES: tuple[str, ...] = ITEM_TYPES
# the category whose items publish a 自由裁量基准 (违法情形 → 处罚幅度)
DISCRETION_CATEGORY = "行政处罚"
# the two procedures of a 权力事项: key in the front matter → what readers see
POWER_FLOWS: dict[str, str] = {"flow_external": "外部流程", "flow_internal": "内部流程"}

AUDIENCES: tuple[str, ...] = ("个人", "法人")

# 主题服务 by life event, as on 政务服务网; keyed by audience so each browse page stays short.
LIFE_EVENTS: dict[str, tuple[str, ...]] = {
    "个人": (
        "生育收养",
        "户籍办理",
        "教育科研",
        "就业创业",
        "婚姻登记",
        "社会保障",
        "医疗卫生",
        "住房保障",
        "交通出行",
        "农业农村",
        "退休养老",
        "死亡殡葬",
    ),
    "法人": (
        "设立变更",
        "准营准办",
        "投资立项",
        "工程建设",
        "税费缴纳",
        "人力资源",
        "农林牧渔",
        "注销退出",
    ),
}
ALL_LIFE_EVENTS: tuple[str, ...] = tuple(e for events in LIFE_EVENTS.values() for e in events)

CASE_TYPES: tuple[str, ...] = ("即办件", "承诺件")
MATERIAL_FORMS: tuple[str, ...] = ("原件", "复印件", "原件和复印件", "电子件")

# 招商引资
INDUSTRIES: tuple[str, ...] = (
    "现代农业",
    "农产品加工",
    "装备制造",
    "新材料",
    "新能源",
    "文化旅游",
    "现代物流",
    "康养服务",
    "电子信息",
    "城市建设",
)
COOPERATION_MODES: tuple[str, ...] = ("独资", "合资", "合作", "PPP", "租赁", "其他")
PROJECT_STATUSES: tuple[str, ...] = ("招商中", "洽谈中", "已签约")
INVESTMENT_PAGE_KINDS: tuple[str, ...] = ("投资环境", "优惠政策")

# 政务动态 columns and 专题专栏 are content: content/columns.yml, read by portal.columns.

# Department kinds in the registry.
DEPARTMENT_KINDS: tuple[str, ...] = ("县政府", "政府工作部门", "直属机构", "乡镇", "其他")
