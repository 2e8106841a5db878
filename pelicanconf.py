"""Site settings: the one place for the portal's name, codes, footer and menus.

Pelican reads this file to build the portal; ``formsvc`` imports it so its pages carry the same
header, footer and meta tags. Real codes (网站标识码, ICP, 公安备案号) are issued by the authorities;
the values below belong to the fictional 示范县.
"""

from __future__ import annotations

from jinja2 import FileSystemBytecodeCache

from portal.listing import newest_first

AUTHOR = "示范县人民政府办公室"
SITENAME = "示范县人民政府"
SITE_SHORT_NAME = "示范县政府网"
# Empty for local builds so links are root-relative; publishconf.py sets the real origin.
SITEURL = ""
SITE_DOMAIN = "www.shifan.gov.cn"
# 网站标识码: 10 characters, issued when the site is registered with the State Council's platform.
SITE_ID_CODE = "1234560001"
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh-CN"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
LOCALE = ("C.UTF-8", "C")

FOOTER = {
    "sponsor": "示范县人民政府",  # 主办单位
    "organizer": "示范县人民政府办公室",  # 承办单位
    "address": "示范省示范市示范县人民路1号",
    "postcode": "123400",
    "phone": "0123-6612345",
    "icp": "示ICP备12345678号",
    "psb": "示公网安备12345602000001号",
    "psb_url": "",  # the 公安备案 lookup link once a real number is issued
    # the 党政机关标识 badge image, issued by 中央编办; None leaves the slot empty
    "dzjg_badge": None,
    # 我为政府网站找错: the national platform issues a per-site link; until then, a suggestion form
    "error_report_url": "/hdjl/jy/new",
}

# Main navigation: (label, site-relative URL, section code). Section codes are the pinyin
# initials real portals use; keep them stable, they are in every URL.
SECTIONS = (
    ("首页", "", "home"),
    ("政务动态", "zwdt/", "zwdt"),
    ("信息公开", "xxgk/", "xxgk"),
    ("办事服务", "bsfw/", "bsfw"),
    ("招商引资", "zsyz/", "zsyz"),
    ("互动交流", "hdjl/", "hdjl"),
    ("机构设置", "jg/", "jg"),
)
# Meta-tag text per section (ColumnName / ColumnDescription / ColumnKeywords / ColumnType).
COLUMN_META = {
    "home": ("首页", "示范县人民政府门户网站首页", "示范县,政府,门户", "首页"),
    "zwdt": ("政务动态", "示范县要闻、部门和乡镇动态、通知公告、领导讲话", "政务动态,要闻,通知公告", "政务动态"),
    "xxgk": ("信息公开", "示范县政府信息公开指南、制度、目录和年度报告", "政府信息公开,目录,年报", "信息公开"),
    "bsfw": ("办事服务", "示范县政务服务事项办事指南", "办事指南,政务服务", "办事服务"),
    "zsyz": ("招商引资", "示范县投资环境、优惠政策和招商项目", "招商引资,招商项目,优惠政策", "招商引资"),
    "hdjl": ("互动交流", "咨询、投诉、建议、投资咨询和依申请公开", "互动交流,咨询,投诉,建议", "互动交流"),
    "jg": ("机构设置", "示范县政府组成部门、直属机构和乡镇的职责与联系方式", "机构,职责,领导", "机构设置"),
}

# Columns and their freshness classes (检查指标) are content: content/columns.yml (portal.columns).

# --- Pelican ---------------------------------------------------------------------------
PATH = "content"
THEME = "theme"
THEME_STATIC_DIR = "theme"
OUTPUT_PATH = "output"
PLUGIN_PATHS = ["plugins"]
PLUGINS = ["yamlmeta", "catalogs", "exports", "searchindex", "clustermanifest", "powers", "incremental"]
# Whoosh index written with the site (output/_search, versioned with an atomic CURRENT pointer)
# by a worker process on the second core while Pelican reads and renders. See docs/search.md.
SEARCHINDEX = {"background": True}

# Every document is a Pelican article whose type comes from its folder (see portal/schema.py);
# fixed pages live in content/pages and mirror their path.
# Every Markdown file under content/ is read, so one in a folder no type owns fails the build
# exactly as scripts/check reports it, instead of being dropped without a word.
ARTICLE_PATHS = [""]
# newest first; same-dated documents by source path, so that every build lists them alike
ARTICLE_ORDER_BY = newest_first
PAGE_PATHS: list[str] = []
STATIC_PATHS = ["files"]
ARTICLE_EXCLUDES = ["files"]  # attachments, copied as they are (STATIC_PATHS)
IGNORE_FILES = [".#*", "*~", "README.md"]
READERS = {"html": None, "rst": None}  # Markdown only; the yamlmeta plugin reads it
MARKDOWN = {
    "extension_configs": {
        # footnotes link both ways (the sanitiser keeps their ids); the way back is titled in Chinese
        "markdown.extensions.extra": {"footnotes": {"BACKLINK_TITLE": "返回正文第 %d 处脚注"}},
        # align="…" instead of style="text-align: …": the CSP (style-src 'self') blocks style
        # attributes, and the sanitiser lets no style through (plugins/yamlmeta)
        "markdown.extensions.tables": {"use_align_attribute": True},
        "markdown.extensions.sane_lists": {},
        "markdown.extensions.toc": {"permalink": False},
    },
    "output_format": "html5",
}

# We render our own lists and catalogs (plugins/catalogs); switch off Pelican's generic ones.
DIRECT_TEMPLATES: list[str] = []
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
PAGE_SAVE_AS = ""
DRAFT_SAVE_AS = ""
DRAFT_PAGE_SAVE_AS = ""
DEFAULT_PAGINATION = 20
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/index_{number}.html", "{base_name}/index_{number}.html"),
)

# Feeds are written per section by plugins/exports (Pelican's own would be per category).
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
CATEGORY_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = False
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
TYPOGRIFY = False
# One language: no translations to pair. Pelican's pairing compares every article with every
# other (quadratic; about a second at 10,000 documents, docs/performance.md).
ARTICLE_TRANSLATION_ID = None
PAGE_TRANSLATION_ID = None

# Autoescape like formsvc does (the same base.html and components render in both); document
# HTML is sanitised by the yamlmeta reader and marked safe in templates with ``|safe``.
JINJA_ENVIRONMENT = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "autoescape": True,
    "extensions": [],
    # A build never sees a template change (the preview rebuilds everything when the theme
    # changes): without this Jinja stats the file of every template at every use, several
    # times per page.
    "auto_reload": False,
    # Pelican gives each generator its own Environment, so without a shared cache a template is
    # compiled once per generator, and again at every build. Entries are keyed by template path
    # and checked against the source, so other checkouts and theme edits never see a stale one.
    # Demo build, callgrind: 6,489 M instructions without, 6,376 M cold, 4,963 M warm.
    "bytecode_cache": FileSystemBytecodeCache(),
}
