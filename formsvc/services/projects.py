"""招商项目 from content/zsyz/xm/*.md: the targets an investment inquiry may name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from portal.frontmatter import FrontMatterError, parse
from portal.schema import PROJECT


@dataclass(frozen=True)
class Project:
    slug: str
    title: str
    department: str  # 责任单位 code

    @property
    def url(self) -> str:
        """The project's page on the portal."""
        return "/" + PROJECT.url_for(self.slug)


def load(content_dir: Path | str) -> dict[str, Project]:
    """Projects by slug; a file that does not parse is skipped (``scripts/check`` reports it)."""
    projects: dict[str, Project] = {}
    for path in sorted((Path(content_dir) / PROJECT.directory).glob("*.md")):
        if path.name == "README.md":
            continue
        try:
            meta = parse(path).meta
        except FrontMatterError:
            continue
        projects[path.stem] = Project(path.stem, str(meta.get("title") or path.stem),
                                      str(meta.get("department") or ""))
    return projects
