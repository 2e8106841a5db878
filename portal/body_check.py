"""Rules for a document's body: what the build would drop or publish broken.

The build renders the Markdown and cleans the HTML with ``portal.sanitize``; anything the cleaner
removes (``<script>``, ``<iframe>``, ``onclick=``, ``style=``, a ``javascript:`` link …) would vanish
from the page without a word. These rules ask the same cleaner (:func:`portal.sanitize.keeps`), so
``scripts/check`` reports exactly what the build drops, at the line the editor wrote it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import markdown

from pelicanconf import MARKDOWN
from portal.sanitize import CONTENT_DROPPED, URL_SCHEMES, keeps

# Raw HTML or a Markdown attribute list ({: style="…"}) in the body: only then is it rendered
# here, since the build's Markdown is its slowest step (docs/performance.md).
HTML_MARKER_RE = re.compile(r"<[A-Za-z!/]|\{:|\{\s*[#.]|\{[^}\n]*=")
MD_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]*)")
SCHEME_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")
FENCE_RE = re.compile(r"^\s{0,3}(```|~~~)")
LOCAL_FILE_RE = re.compile(r"^(file:|[A-Za-z]:[\\/]|\\\\)", re.I)
# the preview's or make run's address pasted into a body
PREVIEW_HOST_RE = re.compile(r"^(https?:)?//(localhost|127\.0\.0\.1|0\.0\.0\.0)([:/]|$)", re.I)
# www.example.com or example.gov.cn/path written without http(s)://
DOMAIN_RE = re.compile(r"^(www\.|[\w-]+\.(com|cn|net|org|gov|edu)(\.cn)?(/|$))", re.I)
# [文字]（网址） or [文字] (网址): Markdown makes no link of either
BROKEN_LINK_RE = re.compile(r"(?<![!\]])\[([^\]]+)\]\s*(（|\s\()[^)）\s]*[/.:][^)）]*[)）]")
EMPTY_LINK_RE = re.compile(r"(?<!!)\[([^\]]*)\]\(\s*\)")
REF_LINK_RE = re.compile(r"(?<![!\]])\[([^\]^][^\]]*)\]\[([^\]^]*)\]")
REF_DEF_RE = re.compile(r"^\s{0,3}\[([^\]]+)\]:")
H1_RE = re.compile(r"^#(?!#)\s*\S|<h1[\s>]", re.I)
H1_BODY_RE = re.compile(H1_RE.pattern, re.I | re.M)
# <img src="…" alt="…"> written in either order: (src, alt)
HTML_IMG_RE = re.compile(r"""<img\b(?=[^>]*\bsrc\s*=\s*["']([^"']*)["'])(?=[^>]*\balt\s*=\s*["']([^"']*)["'])""", re.I)
# alt texts that say an image is there and nothing about it
GENERIC_ALTS = frozenset({"图", "图片", "图像", "照片", "相片", "截图", "插图", "image", "img", "photo",
                          "picture", "pic", "图片1", "image1"})
ALLOWED_SCHEMES = "、".join(sorted(URL_SCHEMES))

_md: markdown.Markdown | None = None


def render(body: str) -> str:
    """The body's HTML as the build's Markdown (pelicanconf.MARKDOWN) makes it, before cleaning."""
    global _md
    if _md is None:
        _md = markdown.Markdown(extensions=list(MARKDOWN["extension_configs"]),
                                extension_configs=MARKDOWN["extension_configs"],
                                output_format=MARKDOWN.get("output_format", "html5"))
    _md.reset()
    return _md.convert(body)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


class _Lines:
    """Finds the body line an item of the rendered HTML was written on (outside code fences)."""

    def __init__(self, body: str, first_line: int) -> None:
        self.lines: list[str] = []
        in_fence = False
        for text in body.split("\n"):
            fence = bool(FENCE_RE.match(text))
            self.lines.append("" if in_fence or fence else text)
            if fence:
                in_fence = not in_fence
        self.first = first_line
        self.cursor: dict[str, int] = {}

    def find(self, pattern: str) -> int | None:
        """Line of the next occurrence of a regex, in order of appearance; None if not written."""
        rx = re.compile(pattern, re.I)
        start = self.cursor.get(pattern, 0)
        for i in range(start, len(self.lines)):
            if rx.search(self.lines[i]):
                self.cursor[pattern] = i + 1
                return self.first + i
        return None


def _tag_message(tag: str) -> str:
    if tag in CONTENT_DROPPED:
        return (f"<{tag}> 不能发布：网站不运行正文里的脚本和样式，发布时会连同其中内容一起删除；"
                "请删去，需要的功能请联系网站管理员")
    return (f"<{tag}> 标签不能发布：发布时会被删掉（其中的文字保留）；"
            "视频、地图等请改为链接，表单请用互动交流栏目")


def _attr_message(tag: str, attr: str) -> str:
    if attr.startswith("on"):
        return f"<{tag}> 的事件属性 {attr} 不能发布：网站不运行正文里的脚本，发布时会被删除"
    if attr == "style":
        return (f"<{tag}> 的 style 样式属性不能发布：安全策略禁止行内样式，发布时会被删除；"
                "表格对齐请用 Markdown 表格的 :--- / :---: / ---: 写法")
    return f"<{tag}> 的 {attr} 属性不能发布：网站不支持，发布时会被删除"


def image_message(src: str, alt: str | None) -> str | None:
    """Why an image would be published broken or inaccessible, or None."""
    if src.startswith(("http://", "https://", "//")):
        return (f"图片 {src} 来自其他网站：安全策略只允许本站图片，页面上会显示不出；"
                "请把图片放到 content/files/ 下再引用，如 ![说明]({static}/files/图片.png)")
    if not (alt or "").strip():
        return (f"图片 {src or '（无地址）'} 没有替代文字（alt），读屏软件无法读出；"
                "Markdown 写成 ![图片说明](地址)，HTML 写 alt=\"图片说明\"")
    return None


def link_message(target: str) -> str | None:
    """Why a link (href/src as written) would be dropped or broken, or None."""
    if LOCAL_FILE_RE.match(target):
        return (f"链接 {target} 指向编辑者电脑上的文件，网站上打不开；"
                "请把文件放到 content/files/ 下，链接写成 /files/…")
    if PREVIEW_HOST_RE.match(target):
        return (f"链接 {target} 指向本机的预览地址，别人的电脑上打不开；"
                "站内链接请写成以 / 开头的网址，如 /xxgk/zn.html")
    scheme = SCHEME_RE.match(target)
    if scheme and not keeps("a", "href", target):
        return (f"链接 {scheme.group(1)}:… 不能发布：这种链接会在发布时被删除；"
                f"只允许 {ALLOWED_SCHEMES} 和本站链接")
    if scheme or target.startswith(("{", "#")):
        return None
    if DOMAIN_RE.match(target):
        return f"链接 {target} 缺少 https:// 或 http://，发布后会被当成本站的网址；请写成 https://{target}"
    path = target.split("#", 1)[0].split("?", 1)[0]
    if path.lower().endswith((".md", ".markdown")):
        return (f"链接 {target} 指向 .md 源文件，发布后打不开；"
                f"请写成 {{filename}}{path}（相对本文件）或该页面的网址 .html")
    return None


def problems(body: str, body_line: int) -> list[tuple[int, str]]:
    """(line, message) of everything in the body the build would drop or publish broken.

    ``body`` is the Markdown body with HTML comments blanked (line numbers kept); ``body_line``
    is the file line where it starts.
    """
    found: list[tuple[int, str]] = []
    if "<!--" in body:  # closed comments were blanked by the caller: this one never ends
        line = _Lines(body, body_line).find(r"<!--")
        if line is not None:
            found.append((line, "注释 <!-- 没有用 --> 结束：发布后会原样显示，后面的正文也会乱；"
                                "请补上 -->，或删去这个注释"))
    html = HTML_MARKER_RE.search(body) is not None
    if "[" not in body and not html:  # no link, image or HTML: most bodies
        return found
    lines = _Lines(body, body_line)
    defined = {m.group(1).strip().lower() for text in lines.lines if (m := REF_DEF_RE.match(text))}
    for i, text in enumerate(lines.lines):
        if "[" not in text:
            continue
        for alt, src in MD_IMAGE_RE.findall(text):
            message = image_message(src, alt)
            if message:
                found.append((body_line + i, message))
        for label, opening in BROKEN_LINK_RE.findall(text):
            kind = "中文括号“（）”" if opening == "（" else "方括号和圆括号之间的空格"
            found.append((body_line + i, f"[{label}] 不是链接：{kind}会让它原样显示；"
                                         "请写成 [文字](网址)，用英文括号、中间不留空格"))
        for label in EMPTY_LINK_RE.findall(text):
            found.append((body_line + i, f"链接 [{label}]() 没有填写地址；请在括号里写网址或 /files/… 路径"))
        for label, ref in REF_LINK_RE.findall(text):
            if (ref or label).strip().lower() not in defined:
                found.append((body_line + i, f"引用式链接 [{label}][{ref}] 没有定义 [{ref or label}]: 网址，"
                                             "发布后会原样显示方括号；请补上定义或改写成 [文字](网址)"))
    if not html:
        return found
    parser = _Tags()
    parser.feed(render(body))
    parser.close()
    for tag, attr_list in parser.tags:
        if not keeps(tag):
            line = lines.find(rf"<\s*{re.escape(tag)}\b")
            if line is not None:  # not written by the editor: Markdown made it
                found.append((line, _tag_message(tag)))
            continue
        attrs = dict(attr_list)
        if tag == "img":
            src = attrs.get("src") or ""
            message = image_message(src, attrs.get("alt"))
            line = lines.find(re.escape(src)) if src else lines.find(r"<\s*img\b")
            if message and line is not None:
                found.append((line, message))
        for attr, value in attr_list:
            if attr in ("href", "src"):
                continue  # links are checked as written, with the other links
            if not keeps(tag, attr, value or ""):
                line = lines.find(rf"\b{re.escape(attr)}\s*=")
                if line is not None:
                    found.append((line, _attr_message(tag, attr)))
    return sorted(set(found))


def warnings(body: str, body_line: int) -> list[tuple[int, str]]:
    """(line, message) of what is published but worth a look: a first-level heading is shown as a
    second-level one (the page's title is its only <h1>); an image's alt text says nothing."""
    h1 = H1_BODY_RE.search(body) is not None
    images = "![" in body or "<img" in body.lower()
    if not (h1 or images):  # most bodies: checked without splitting them into lines
        return []
    found = []
    for i, text in enumerate(_Lines(body, body_line).lines):
        if h1 and H1_RE.search(text):
            found.append((body_line + i, "一级标题（# 或 <h1>）会显示为二级标题（网页的一级标题是文章标题）；"
                                         "正文的标题请从 ## 开始"))
        if images:
            written = MD_IMAGE_RE.findall(text) + [(alt, src) for src, alt in HTML_IMG_RE.findall(text)]
            for alt, src in written:
                name = src.rsplit("/", 1)[-1]
                if alt.strip().lower() in GENERIC_ALTS or alt.strip() in (name, name.rsplit(".", 1)[0]):
                    found.append((body_line + i, f"图片 {src} 的替代文字“{alt.strip()}”没有说明图片的内容；"
                                                 "请写出图片表达的信息，如“县政府常务会议现场”"))
    return found
