"""Render through the portal's theme: a ChoiceLoader over formsvc's and the theme's templates,
and the site settings of pelicanconf.py in every template's context."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup, escape
from wtforms import Field

from formsvc.config import county_zone, load_site_settings

# Theme components (theme/templates/components/) every formsvc page may call without importing
# them: each takes one params dict and reads nothing from the page's context.
COMPONENTS = ("field", "button", "notice", "error_summary", "pagination")
def field_params(field: Field, **overrides: Any) -> dict[str, Any]:
    """Turn a WTForms field into the params dict of theme/templates/components/field.html."""
    gp = dict((field.render_kw or {}).get("gp", {}))
    kind = gp.pop("type", "text")
    params: dict[str, Any] = {
        "name": field.name, "id": field.id, "label": str(field.label.text),
        "hint": gp.pop("hint", ""), "error": field.errors[0] if field.errors else None,
        "required": any(getattr(vv, "field_flags", {}).get("required")
                        for vv in field.validators),
        "type": kind,
    }
    for key in ("maxlength", "autocomplete", "rows"):
        if gp.get(key):
            params[key] = gp[key]
    if kind in ("select", "radios"):
        params["items"] = [(str(c.value), c.label) for c in field.choices or []]
        params["value"] = field.data if field.data is not None else ""
    elif kind == "checkboxes":
        params["items"] = [("y", str(field.label.text))]
        params["value"] = ["y"] if field.data else []
        params["label"] = "公开意愿"
    elif kind == "file":
        params["value"] = None
    else:
        params["value"] = field.data if field.data is not None else ""
    params.update(overrides)
    return params


def localtime(value: str | datetime | None, tz: ZoneInfo) -> str:
    """A UTC instant (or its ISO text) as the county's wall-clock time, "YYYY-MM-DD HH:MM"."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


# A date or a date and time: the browser may break a line at its hyphens ("2026-" / "12-11").
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?")


def nowrap_dates(text: str | None) -> Markup:
    """Escaped ``text`` with every date in it kept on one line (class gp-nowrap of the theme)."""
    return Markup(_DATE.sub(lambda m: f'<span class="gp-nowrap">{m[0]}</span>',
                            str(escape(text or ""))))


def init_app(app: Flask) -> None:
    """A create_app step: render through the theme, with the site's settings in every page."""
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(Path(app.root_path) / "templates")),
        FileSystemLoader(app.config["THEME_TEMPLATES"]),
    ])
    settings = load_site_settings(app.config["PELICANCONF"])
    zone = county_zone(app.config)
    # "local_dt" is the name the workbench templates use
    app.jinja_env.filters["localtime"] = app.jinja_env.filters["local_dt"] = (
        lambda v: localtime(v, zone))
    app.jinja_env.filters["nowrap_dates"] = nowrap_dates
    app.extensions["formsvc.site"] = settings
    for name in COMPONENTS:
        module = app.jinja_env.get_template(f"components/{name}.html").module
        app.jinja_env.globals[name] = getattr(module, name)

    @app.context_processor
    def site_context() -> dict[str, Any]:
        return {**settings, "section": "hdjl", "field_params": field_params}
