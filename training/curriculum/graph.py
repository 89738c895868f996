"""The prerequisite path as an SVG picture, drawn on the server.

Columns by depth (a module sits right of everything it needs), one box per
module linking to its page, arrows for the prerequisites that are not already
implied by a longer path. Presentation attributes only: the page's CSP forbids
inline styles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from training.curriculum import rules

BOX_W, BOX_H = 220, 58
GAP_X, GAP_Y = 70, 22
MARGIN = 16


def _shorten(text: str, limit: int = 33) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def render(modules: Sequence[tuple[str, str, Sequence[str]]], link: Callable[[str], str]) -> Markup:
    """``modules`` as (code, title, prerequisites); ``link(code)`` gives each box's address."""
    nodes = rules.layout(modules)
    places = {
        node.code: (MARGIN + node.layer * (BOX_W + GAP_X), MARGIN + node.row * (BOX_H + GAP_Y))
        for node in nodes
    }
    columns = max((node.layer for node in nodes), default=0) + 1
    rows = max((node.row for node in nodes), default=0) + 1
    width = 2 * MARGIN + columns * BOX_W + (columns - 1) * GAP_X
    height = 2 * MARGIN + rows * BOX_H + (rows - 1) * GAP_Y
    edges = rules.transitive_reduction({code: list(prereqs) for code, _, prereqs in modules})
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="prereq-title" class="prerequisite-graph">',
        '<title id="prereq-title">Prerequisite path: each module is to the right of the modules '
        "it needs</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#6c757d"/></marker></defs>',
    ]
    for code, prereqs in edges.items():
        x2, y2 = places[code]
        for prereq in prereqs:
            x1, y1 = places[prereq]
            sx, sy, ex, ey = x1 + BOX_W, y1 + BOX_H / 2, x2, y2 + BOX_H / 2
            if ex - sx > GAP_X + 1:
                # Skipping columns: run along the gap below the source row so no box hides the line.
                channel = sy + BOX_H / 2 + GAP_Y / 2
                half, quarter = GAP_X / 2, GAP_X / 4
                d = (
                    f"M {sx} {sy} C {sx + half} {sy}, {sx + quarter} {channel}, {sx + half} {channel} "
                    f"L {ex - half} {channel} C {ex - quarter} {channel}, {ex - half} {ey}, {ex - 2} {ey}"
                )
            else:
                mid = (sx + ex) / 2
                d = f"M {sx} {sy} C {mid} {sy}, {mid} {ey}, {ex - 2} {ey}"
            parts.append(
                f'<path d="{d}" fill="none" stroke="#6c757d" '
                f'stroke-width="1.5" marker-end="url(#arrow)">'
                f"<title>{escape(prereq)} before {escape(code)}</title></path>"
            )
    titles = {code: title for code, title, _ in modules}
    for node in nodes:
        x, y = places[node.code]
        parts.append(
            f'<a href="{escape(link(node.code))}"><g data-code="{escape(node.code)}">'
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="8" fill="#f1f6fb" stroke="#1d4e89" '
            f'stroke-width="1.5"/>'
            f'<text x="{x + 12}" y="{y + 22}" font-size="14" font-weight="bold" fill="#1d4e89">'
            f"{escape(node.code)}</text>"
            f'<text x="{x + 12}" y="{y + 42}" font-size="12" fill="#212529">'
            f"{escape(_shorten(titles[node.code]))}"
            f"<title>{escape(titles[node.code])}</title></text></g></a>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text above is escaped)
