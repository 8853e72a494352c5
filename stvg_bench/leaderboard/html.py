"""``leaderboards/site/index.html``: one self-contained static page (inline CSS, a little vanilla JS, no CDN).

The page embeds the leaderboard document and renders each board from it: sort
by any column, filter by supervision, switch protocol and query type, CI
whiskers, ties marked, links to papers and code. Plots are the SVGs beside it.
"""

from __future__ import annotations

import json

from . import plots


def render(doc: dict) -> str:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    environment = Environment(loader=PackageLoader("stvg_bench.leaderboard", "templates"),
                              autoescape=select_autoescape(default=True), undefined=StrictUndefined,
                              keep_trailing_newline=True)
    data = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return environment.get_template("index.html.j2").render(
        doc=doc, data=data, scatter=plots.SCATTER_NAME,
        forest={b["id"]: plots.forest_name(b) for b in doc["boards"]},
        by_year={b["id"]: plots.by_year_name(b) for b in doc["boards"]})
