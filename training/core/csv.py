"""CSV files that are safe to open in a spreadsheet: every export goes through here.

A file starts with a UTF-8 byte-order mark, so spreadsheet programs read names with
accents correctly, and no cell can be run as a formula. Downloads are written row by
row as the client reads them; the rows are plain values (the request's transaction
has ended by the time they are written).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from flask import Response

BOM = "\ufeff"

# A cell that starts with one of these is run as a formula by spreadsheet
# programs; a name like "=HYPERLINK(...)" typed at sign-up must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_row(values: Sequence[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


def _lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: Sequence[Any]) -> str:
        writer.writerow(safe_row(values))
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield BOM + line(header)
    for values in rows:
        yield line(values)


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A CSV download named ``filename``, streamed."""
    return Response(
        _lines(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def write_csv(handle: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a CSV file (opened with ``newline=""``)."""
    handle.writelines(_lines(header, rows))
