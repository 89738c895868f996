"""The prerequisite path as an SVG picture, drawn on the server.

Columns by depth (a module sits right of everything it needs), one box per
module linking to its page, arrows for the prerequisites that are not already
implied by a longer path. This module computes the geometry (and the graph
algorithms the validator uses: cycles, depth); the template
``curriculum/_graph.svg`` draws it (autoescaped), with presentation attributes
only, because the page's CSP forbids inline styles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

BOX_W, BOX_H = 220, 58
GAP_X, GAP_Y = 70, 22
MARGIN = 16


@dataclass(frozen=True)
class Box:
    code: str
    title: str
    short_title: str
    x: float
    y: float


@dataclass(frozen=True)
class Edge:
    before: str
    after: str
    d: str  # the SVG path


@dataclass(frozen=True)
class Graph:
    width: int
    height: int
    box_width: int
    box_height: int
    boxes: list[Box]
    edges: list[Edge]


def find_cycle(graph: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A cycle as a closed path of codes (first == last), or None."""
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(code: str) -> list[str] | None:
        state[code] = 1
        stack.append(code)
        for nxt in graph.get(code, ()):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if state.get(nxt) is None and (found := visit(nxt)):
                return found
        stack.pop()
        state[code] = 2
        return None

    for code in sorted(graph):
        if state.get(code) is None and (found := visit(code)):
            return found
    return None


@dataclass(frozen=True)
class Node:
    code: str
    title: str
    layer: int
    row: int


def layers(prerequisites: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Each module's column: one more than its deepest prerequisite (cycles are cut)."""
    depth: dict[str, int] = {}

    def visit(code: str, trail: frozenset[str]) -> int:
        if code in depth:
            return depth[code]
        known = [p for p in prerequisites.get(code, ()) if p in prerequisites and p not in trail]
        depth[code] = 1 + max((visit(p, trail | {code}) for p in known), default=-1)
        return depth[code]

    for code in prerequisites:
        visit(code, frozenset())
    return depth


def layout(modules: Sequence[tuple[str, str, Sequence[str]]]) -> list[Node]:
    """Place (code, title, prerequisites) in columns by depth, rows in file order."""
    graph = {code: list(prereqs) for code, _, prereqs in modules}
    depth = layers(graph)
    rows: dict[int, int] = {}
    nodes = []
    for code, title, _ in modules:
        column = depth[code]
        nodes.append(Node(code, title, column, rows.get(column, 0)))
        rows[column] = rows.get(column, 0) + 1
    return nodes


def transitive_reduction(graph: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Keep an edge only when no longer path implies it, so the picture shows the path, not every link."""

    def reachable(start: str, skip: tuple[str, str]) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            code = todo.pop()
            for nxt in graph.get(code, ()):
                if (code, nxt) == skip or nxt in seen:
                    continue
                seen.add(nxt)
                todo.append(nxt)
        return seen

    return {
        code: [p for p in prereqs if p in graph and p not in reachable(code, (code, p))]
        for code, prereqs in graph.items()
    }


def _shorten(text: str, limit: int = 33) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _path(sx: float, sy: float, ex: float, ey: float) -> str:
    if ex - sx > GAP_X + 1:
        # Skipping columns: run along the gap below the source row so no box hides the line.
        channel = sy + BOX_H / 2 + GAP_Y / 2
        half, quarter = GAP_X / 2, GAP_X / 4
        return (
            f"M {sx} {sy} C {sx + half} {sy}, {sx + quarter} {channel}, {sx + half} {channel} "
            f"L {ex - half} {channel} C {ex - quarter} {channel}, {ex - half} {ey}, {ex - 2} {ey}"
        )
    mid = (sx + ex) / 2
    return f"M {sx} {sy} C {mid} {sy}, {mid} {ey}, {ex - 2} {ey}"


def build(modules: Sequence[tuple[str, str, Sequence[str]]]) -> Graph:
    """``modules`` as (code, title, prerequisites), in curriculum order."""
    nodes = layout(modules)
    titles = {code: title for code, title, _ in modules}
    boxes = [
        Box(
            node.code,
            titles[node.code],
            _shorten(titles[node.code]),
            MARGIN + node.layer * (BOX_W + GAP_X),
            MARGIN + node.row * (BOX_H + GAP_Y),
        )
        for node in nodes
    ]
    places = {box.code: box for box in boxes}
    edges = []
    for code, prereqs in transitive_reduction({c: list(p) for c, _, p in modules}).items():
        target = places[code]
        for prereq in prereqs:
            source = places[prereq]
            d = _path(source.x + BOX_W, source.y + BOX_H / 2, target.x, target.y + BOX_H / 2)
            edges.append(Edge(prereq, code, d))
    columns = max((node.layer for node in nodes), default=0) + 1
    rows = max((node.row for node in nodes), default=0) + 1
    return Graph(
        width=2 * MARGIN + columns * BOX_W + (columns - 1) * GAP_X,
        height=2 * MARGIN + rows * BOX_H + (rows - 1) * GAP_Y,
        box_width=BOX_W,
        box_height=BOX_H,
        boxes=boxes,
        edges=edges,
    )
