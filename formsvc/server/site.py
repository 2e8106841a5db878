"""One port for everything under ``make run``: formsvc's routes, and the built static portal.

A request goes to formsvc when one of its URL rules matches (/hdjl/…, /api/…, /search later);
everything else is a file from output/, with index.html for directories and output/404.html
(status 404) for what does not exist. In production nginx does the static half and proxies the
formsvc paths to gunicorn (``formsvc.server.wsgi:app``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.security import safe_join
from werkzeug.utils import send_file
from werkzeug.wrappers import Request, Response

NOT_BUILT = """<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>门户尚未生成</title>
<h1>门户尚未生成</h1><p>请先运行 <code>make build</code>（或 <code>make run</code>）生成 output/ 目录。
互动交流服务可访问 <a href="/hdjl/">/hdjl/</a>。</p></html>"""


# The build's own files in output/ and a sub-site's output/<id>/: the search index's versions and
# the cluster runner's manifests, logs and caches. Not pages: 404 here as in nginx
# (deploy/nginx/portal-locations.conf holds this pattern too; tests/formsvc/test_site.py checks
# the two are the same).
BUILD_FILES = re.compile(r"^/(?:[a-z0-9-]+/)?_(?:search|cluster)(?:/|$)")


class StaticSite:
    """A small static file server for output/ (the dev server's half of nginx)."""

    def __init__(self, root: Path | str, theme_static: Path | str | None = None) -> None:
        self.root = Path(root)
        # formsvc pages need the theme's CSS even before the first Pelican build
        self.theme_static = Path(theme_static) if theme_static else None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return self.response(Request(environ))(environ, start_response)

    def response(self, request: Request) -> Response:
        """The file for ``request``'s path, a redirect to its folder, or the 404 page."""
        if request.method not in ("GET", "HEAD"):
            return Response("不支持该请求方法", 405, {"Allow": "GET, HEAD"},
                            mimetype="text/plain")
        path = request.path
        if BUILD_FILES.match(path):
            return self._not_found(request)
        found = self._resolve(self.root, path)
        if found is None and self.theme_static and path.startswith("/theme/"):
            found = self._resolve(self.theme_static, path[len("/theme/"):])
        if found == "redirect":
            return Response(status=301, headers={"Location": path + "/"})
        if isinstance(found, Path):
            return send_file(found, request.environ, conditional=True, max_age=300)
        return self._not_found(request)

    def _resolve(self, base: Path, path: str) -> Path | str | None:
        joined = safe_join(str(base), path.lstrip("/"))  # refuses ../ and absolute paths
        if joined is None:
            return None
        target = Path(joined)
        if target.is_dir():
            if not path.endswith("/"):
                return "redirect"
            target = target / "index.html"
        return target if target.is_file() else None

    def _not_found(self, request: Request) -> Response:
        page = self.root / "404.html"
        if page.is_file():
            return Response(page.read_bytes(), 404, mimetype="text/html")
        body = NOT_BUILT if not self.root.is_dir() else "<!DOCTYPE html><html lang=\"zh-CN\">" \
            "<meta charset=\"utf-8\"><title>页面不存在</title><h1>页面不存在</h1></html>"
        return Response(body, 404, mimetype="text/html")


class PortalApp:
    """WSGI app: formsvc for the URLs it routes, the static site for the rest."""

    def __init__(self, service: Flask, output_dir: Path | str,
                 theme_static: Path | str | None = None) -> None:
        self.service = service
        self.static = StaticSite(output_dir, theme_static)

    def routes_to_service(self, environ: dict[str, Any]) -> bool:
        """Whether formsvc answers this request (one of its rules matches, or any /api/ or
        /open311/ path)."""
        adapter = self.service.url_map.bind_to_environ(environ)
        try:
            adapter.match()
        except MethodNotAllowed:
            return True  # formsvc's path; it answers 405 itself
        except NotFound:
            # /api/ and /open311/ are all formsvc's, so their 404s are JSON
            return environ.get("PATH_INFO", "").startswith(("/api/", "/open311/"))
        except Exception:  # RequestRedirect (e.g. /hdjl → /hdjl/) and friends
            return True
        return True

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if self.routes_to_service(environ):
            return self.service(environ, start_response)
        return self.static(environ, start_response)


def make_portal_app(service: Flask) -> PortalApp:
    """formsvc plus the built portal of its OUTPUT_DIR on one WSGI app."""
    return PortalApp(service, service.config["OUTPUT_DIR"], service.config["THEME_STATIC"])
