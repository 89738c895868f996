"""The catalogues are complete and up to date: every message of the sources is in each
catalogue, translated, and none is fuzzy (a guess waiting for a translator)."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from tests.support.translations import tool


@pytest.fixture(scope="module")
def extracted():
    return tool.extract_messages()


@pytest.mark.parametrize("language", sorted(tool.LANGUAGES))
def test_every_message_is_translated(language):
    with tool.po_path(language).open("rb") as handle:
        catalog = read_po(handle)
    assert tool.problems(catalog) == []


@pytest.mark.parametrize("language", sorted(tool.LANGUAGES))
def test_the_catalogue_holds_every_message_of_the_sources(language, extracted):
    catalog = tool.read_catalogue(tool.po_path(language))
    assert tool.missing(catalog, extracted) == [], "run `make translations` and translate what it adds"


def test_the_checks_see_an_untranslated_a_fuzzy_and_a_missing_message(extracted):
    catalog = tool.read_catalogue(tool.po_path("es"))
    catalog.add("A message nobody translated", "")
    catalog.add("A guessed message", "Un mensaje adivinado", flags=["fuzzy"])
    assert tool.problems(catalog) == [
        "untranslated: 'A message nobody translated'",
        "fuzzy: 'A guessed message'",
    ]
    some = next(message for message in extracted if message.id)
    del catalog[some.id]
    assert repr(some.id if isinstance(some.id, str) else some.id[0]) in tool.missing(catalog, extracted)
