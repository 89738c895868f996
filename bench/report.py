"""The benchmark's report: bench/RESULTS.md and bench/results.json, rewritten by each run."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    section: str
    name: str
    value: float | int | str
    unit: str
    target: str = ""  # e.g. "<= 50 ms"; empty when the figure is for information
    passed: bool | None = None  # None: no target
    note: str = ""


@dataclass
class Report:
    scale: float
    seed: int
    database: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *args: Any, **kwargs: Any) -> Figure:
        figure = Figure(*args, **kwargs)
        self.figures.append(figure)
        return figure

    @property
    def missed(self) -> list[Figure]:
        return [f for f in self.figures if f.passed is False]


def machine() -> dict[str, str]:
    import weasyprint

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "weasyprint": weasyprint.__version__,
        "platform": platform.platform(terse=True),
    }


HEADER = "| figure | value | unit | target | result | note |"
RULE = "| --- | ---: | --- | --- | --- | --- |"


def _value(figure: Figure) -> str:
    if isinstance(figure.value, float):
        return f"{figure.value:,.2f}"
    if isinstance(figure.value, int):
        return f"{figure.value:,}"
    return figure.value


def write(report: Report, folder: Path) -> tuple[Path, Path]:
    about = machine()
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench`); every run rewrites this file.",
        "",
        f"- Date: {about['date']}",
        f"- Machine: {about['cores']} cores, {about['platform']}",
        f"- Python {about['python']}, SQLite {about['sqlite']}, WeasyPrint {about['weasyprint']}",
        f"- Scale {report.scale:g} (seed {report.seed}), database: {report.database}",
        "",
    ]
    sections: dict[str, list[Figure]] = {}
    for figure in report.figures:
        sections.setdefault(figure.section, []).append(figure)
    for section, figures in sections.items():
        lines += [f"## {section}", "", HEADER, RULE]
        for figure in figures:
            result = {True: "pass", False: "**miss**", None: ""}[figure.passed]
            cells = (figure.name, _value(figure), figure.unit, figure.target, result, figure.note)
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    if report.notes:
        lines += ["## Notes", "", *[f"- {note}" for note in report.notes], ""]
    missed = report.missed
    lines.append(f"**{len(missed)} target(s) missed.**" if missed else "**Every target met.**")
    markdown = folder / "RESULTS.md"
    markdown.write_text("\n".join(lines) + "\n")
    data = folder / "results.json"
    data.write_text(
        json.dumps(
            {
                "machine": about,
                "scale": report.scale,
                "seed": report.seed,
                "database": report.database,
                "figures": [asdict(f) for f in report.figures],
                "notes": report.notes,
            },
            indent=2,
        )
        + "\n"
    )
    return markdown, data
