"""The search index's schema: every field name declared once, imported by the writer and the reader.

Only ``TEXT`` is scored. Title, summary, keywords, body and the metadata a citizen might type
(department, 主题分类, 文号, 索引号) are all folded into it, the title twice so that title matches
rank first; one scored field keeps queries fast (each extra field is another posting walk).
"""

from __future__ import annotations

import re

from whoosh import fields

from sitesearch.analysis import BigramText

# Bump when what goes into a document changes: every document's hash changes with it, so the next
# build re-indexes everything without a manual full rebuild.
# 4: 索引号 with letters in the organisation code, canonical in capitals; 5: the site of the cluster
INDEX_FORMAT = 5

# The site a build indexes when its settings name none: the county portal, centre of the cluster.
DEFAULT_SITE = "county"
# A site id: a folder name under the index root and a value of the ``site`` filter.
SITE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")

PATH = "path"  # unique key: content path relative to content/, or letter:<id>
KEY = "key"  # path + "#" + content hash: what the incremental build compares
URL = "url"  # site-relative, with a leading slash; a column too: one URL, one hit
TITLE = "title"
TEXT = "text"  # the one scored field
BODY = "body"  # zlib-compressed plain text (all but the title): snippets, phrase checks
BODY_END = "\x1d"  # in BODY, ends the document's body (snippets) before its other text
SUMMARY = "summary"
SECTION = "section"  # URL prefix code (xxgk, bsfw, zsyz, zwdt, hdjl, jg …)
SECTION_LABEL = "section_label"
DOCTYPE = "doctype"  # portal.schema type name, or "letter"
DOCTYPE_LABEL = "doctype_label"
DEPT = "dept"  # department code
DEPT_NAME = "dept_name"
TOPIC = "topic"  # 主题分类 (disclosure documents)
YEAR = "year"  # of DATE, as text: a facet value
DATE = "date"
INDEX_NO = "index_no"  # canonical 索引号
DOC_NO = "doc_no"  # canonical 文号
CODES = "codes"  # every canonical 文号/索引号 in the document, for exact lookup
SITE = "site"  # id of the site of the cluster that publishes the document (SITE_ID)
SITE_NAME = "site_name"

# Facets shown with counts on the result page: (field, label field or None).
FACETS: tuple[tuple[str, str | None], ...] = (
    (SITE, SITE_NAME),
    (SECTION, SECTION_LABEL),
    (DEPT, DEPT_NAME),
    (YEAR, None),
    (TOPIC, None),
)

# Letters are published by formsvc into their own index (see sitesearch.letters).
LETTER_DOCTYPE = "letter"
LETTER_SECTION = "hdjl"
# Published comments on drafts (意见征集) go into the same index (see sitesearch.contributions).
COMMENT_DOCTYPE = "comment"
# Answered interview questions (在线访谈 网友提问) too (see sitesearch.contributions).
QUESTION_DOCTYPE = "question"


def make_schema(text_field: fields.FieldType | None = None) -> fields.Schema:
    """A fresh schema object (Whoosh pickles it into each index).

    ``text_field`` replaces the bigram TEXT field; only the segmentation comparison uses it.
    """
    return fields.Schema(
        **{
            PATH: fields.ID(stored=True, unique=True),
            # a column too: the incremental build reads every live document's key from it
            KEY: fields.ID(sortable=True),
            # a column: the reader drops a second copy of a URL that two sites' indexes hold
            URL: fields.ID(stored=True, sortable=True),
            TITLE: fields.STORED(),
            TEXT: text_field or BigramText(),
            BODY: fields.STORED(),
            SUMMARY: fields.STORED(),
            SECTION: fields.ID(stored=True, sortable=True),
            SECTION_LABEL: fields.STORED(),
            DOCTYPE: fields.ID(stored=True),
            DOCTYPE_LABEL: fields.STORED(),
            DEPT: fields.ID(stored=True, sortable=True),
            DEPT_NAME: fields.STORED(),
            TOPIC: fields.ID(stored=True, sortable=True),
            YEAR: fields.ID(stored=True, sortable=True),
            DATE: fields.DATETIME(stored=True, sortable=True),
            INDEX_NO: fields.ID(stored=True),
            DOC_NO: fields.ID(stored=True),
            CODES: fields.KEYWORD(lowercase=False, commas=False),
            SITE: fields.ID(stored=True, sortable=True),
            SITE_NAME: fields.STORED(),
        }
    )


# What a document given to the writer holds (see sitesearch.indexer.Document).
DOCUMENT_KEYS = (PATH, URL, TITLE, BODY, SUMMARY, SECTION, SECTION_LABEL, DOCTYPE, DOCTYPE_LABEL,
                 DEPT, DEPT_NAME, TOPIC, DATE, INDEX_NO, DOC_NO, SITE, SITE_NAME, "keywords", "extra")
