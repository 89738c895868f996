"""The attendance sign-in sheet: rows tall enough to sign in, measured on the PDF."""

from __future__ import annotations

import pypdfium2

MM = 72 / 25.4  # PDF points in a millimetre


def name_positions(content: bytes, names: list[str]) -> dict[str, list[tuple[int, float]]]:
    """Where each name is printed: (page index, height of its baseline's box bottom) per occurrence."""
    found: dict[str, list[tuple[int, float]]] = {name: [] for name in names}
    document = pypdfium2.PdfDocument(content)
    try:
        for index in range(len(document)):
            textpage = document[index].get_textpage()
            for name in names:
                searcher = textpage.search(name, match_case=True, match_whole_word=True)
                while (hit := searcher.get_next()) is not None:
                    _left, bottom, _right, _top = textpage.get_charbox(hit[0])
                    found[name].append((index, bottom))
    finally:
        document.close()
    return found


def test_rows_are_at_least_12_mm_tall_and_never_split(client, make):
    workshop = make.workshop()
    session = make.session(workshop, title="Cadaver lab: harvest and injection")
    trainees = make.enrolled_trainees(workshop, 18)
    client.login(workshop.teacher)
    response = client.get(f"/attendance/sessions/{session.id}/sign-in-sheet.pdf")
    assert response.mimetype == "application/pdf"

    names = [t.full_name for t in trainees]
    positions = name_positions(response.data, names)
    assert all(len(places) == 1 for places in positions.values()), positions  # each row once, whole
    by_page: dict[int, list[float]] = {}
    for ((page, y),) in positions.values():
        by_page.setdefault(page, []).append(y)
    assert len(by_page) >= 2  # 18 rows of this height take more than a page
    gaps = [
        (above - below) / MM
        for ys in by_page.values()
        for above, below in zip(sorted(ys, reverse=True), sorted(ys, reverse=True)[1:], strict=False)
    ]
    assert len(gaps) == len(names) - len(by_page)
    assert min(gaps) >= 12, f"rows of {min(gaps):.1f} mm"
