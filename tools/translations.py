"""The interface's message catalogues: extract, update, compile, check.

    python tools/translations.py            extract the messages of the sources and update
                                            training/translations/*/LC_MESSAGES/messages.po
    python tools/translations.py compile    write each messages.mo older than its .po
    python tools/translations.py check      list untranslated, fuzzy and missing messages

`make translations` runs the first two; `make run` and `make test` compile. Messages are
what the sources pass to gettext, ngettext, lazy_gettext ... in Python and to `_()` and
`{% trans %}` in templates (Jinja's {% trans %} blocks are trimmed: one line per msgid).
The .po files are in the repository; the .mo files are built, never committed.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract, extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from jinja2.ext import babel_extract

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "training" / "translations"
DOMAIN = "messages"
# Each catalogue's folder and the locale its header names: Portuguese is European.
LANGUAGES = {"es": "es", "pt": "pt_PT"}
LANGUAGE_TEAMS = {
    "es": "Spanish, formal (usted)",
    "pt": "European Portuguese (pt-PT), formal (você / the impersonal form)",
}
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "_l": None,
}
TEMPLATE_SUFFIXES = (".html", ".txt", ".svg")
JINJA_OPTIONS = {"trimmed": "true"}


def sources() -> Iterator[tuple[Path, str]]:
    """Every file whose messages the catalogues hold, with how to read it."""
    for path in sorted((ROOT / "training").rglob("*.py")):
        if "migrations" not in path.relative_to(ROOT).parts:
            yield path, "python"
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix in TEMPLATE_SUFFIXES:
            yield path, "jinja2"


def extract_messages() -> Catalog:
    """The messages of the current sources, as a catalogue template (.pot)."""
    template = Catalog(project="training", charset="utf-8", fuzzy=False)
    for path, method in sources():
        extractor = extract_python if method == "python" else babel_extract
        options = {} if method == "python" else JINJA_OPTIONS
        with path.open("rb") as handle:
            found = extract(
                extractor, handle, keywords=KEYWORDS, comment_tags=("Translators:",), options=options
            )
            for lineno, message, comments, context in found:
                template.add(
                    message,
                    None,
                    [(path.relative_to(ROOT).as_posix(), lineno)],
                    auto_comments=comments,
                    context=context,
                )
    return template


def po_path(language: str) -> Path:
    return CATALOGUES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def write_catalogue(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    # Files named without line numbers: an edit elsewhere in a file does not touch the catalogue.
    write_po(buffer, catalog, width=100, sort_output=True, include_lineno=False, ignore_obsolete=True)
    path.write_bytes(buffer.getvalue())


def update() -> None:
    template = extract_messages()
    for language, locale in LANGUAGES.items():
        path = po_path(language)
        if path.exists():
            catalog = read_catalogue(path)
            template.creation_date = catalog.creation_date  # the date changes only with the messages
        else:
            catalog = Catalog(locale=locale, project="training", version="1", fuzzy=False)
            catalog.msgid_bugs_address = ""
            catalog.last_translator = "The training programme"
            catalog.language_team = LANGUAGE_TEAMS[language]
        catalog.update(template, no_fuzzy_matching=True)
        write_catalogue(catalog, path)
        print(f"{path.relative_to(ROOT)}: {len(catalog)} messages, {len(problems(catalog))} to translate")


def compile_catalogues(force: bool = False) -> list[Path]:
    """Write messages.mo beside each messages.po that is newer; the files written."""
    written = []
    for language in LANGUAGES:
        po = po_path(language)
        mo = po.with_suffix(".mo")
        if not po.exists() or (not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime):
            continue
        catalog = read_catalogue(po)
        with mo.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(mo)
    return written


def problems(catalog: Catalog) -> list[str]:
    """The messages of ``catalog`` that a reader would see in English: untranslated or fuzzy."""
    found = []
    for message in catalog:
        if not message.id:
            continue
        label = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if message.fuzzy:
            found.append(f"fuzzy: {label!r}")
        elif not all(strings):
            found.append(f"untranslated: {label!r}")
    return found


def missing(catalog: Catalog, template: Catalog) -> list[str]:
    """The messages of the sources the catalogue does not hold (it is out of date)."""
    return [
        repr(message.id if isinstance(message.id, str) else message.id[0])
        for message in template
        if message.id and catalog.get(message.id, message.context) is None
    ]


def check() -> int:
    template = extract_messages()
    failures = 0
    for language in LANGUAGES:
        catalog = read_catalogue(po_path(language))
        for problem in [*problems(catalog), *(f"missing: {m}" for m in missing(catalog, template))]:
            print(f"{language}: {problem}")
            failures += 1
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "update"
    if command == "update":
        update()
        return 0
    if command == "compile":
        for path in compile_catalogues(force="--force" in argv):
            print(f"compiled {path.relative_to(ROOT)}")
        return 0
    if command == "check":
        return check()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
