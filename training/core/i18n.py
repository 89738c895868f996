"""Languages: which one a page or a mail is in, and dates, numbers and countries in it.

The interface is in English, Spanish and Portuguese (European: the Lisbon workshop).
A page is in the person's chosen language (``users.language``), else the browser's
(Accept-Language), else the programme's (TRAINING_DEFAULT_LANGUAGE). A mail is in its
recipient's language (see ``core.mail.queue_mail``). Messages are marked with
flask_babel's ``gettext``/``ngettext`` (``lazy_gettext`` for strings made at import
time) and ``_()``/``{% trans %}`` in templates; ``make translations`` extracts them into
the catalogues in ``training/translations`` (see ``tools/translations.py``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, tzinfo
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from flask import Flask, current_app, has_app_context, has_request_context, request
from flask_babel import Babel, get_locale
from flask_login import current_user

# The interface's languages, as stored in users.language and named on the pages.
SUPPORTED = ("en", "es", "pt")
# Each language's own name, as a person looking for it would recognise it.
LANGUAGE_NAMES = {"en": "English", "es": "Español", "pt": "Português"}
# The regional form each language is written in (dates, numbers): Portuguese as in Portugal.
REGIONS = {"en": "en", "es": "es", "pt": "pt_PT"}

babel = Babel()


def language_code(value: str | None) -> str | None:
    """A supported language from a stored or submitted value ("pt", "pt-PT", "es_ES"), or None."""
    if not value:
        return None
    primary = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return primary if primary in SUPPORTED else None


def browser_language() -> str | None:
    """The supported language the browser prefers most (Accept-Language), or None."""
    if not has_request_context():
        return None
    return request.accept_languages.best_match(SUPPORTED)


def default_language() -> str:
    if not has_app_context():
        return "en"
    return str(current_app.config.get("DEFAULT_LANGUAGE") or "en")


def language_of(user: Any) -> str:
    """The language to write to ``user`` in when they are not the one reading: their
    own choice, else the programme's."""
    return language_code(getattr(user, "language", None)) or default_language()


def select_language() -> str:
    """The language of the current page: the person's, the browser's, the programme's."""
    if has_request_context() and current_user and current_user.is_authenticated:
        chosen = language_code(getattr(current_user, "language", None))
        if chosen:
            return chosen
    return browser_language() or default_language()


def current_language() -> str:
    """The language being written in now ("en", "es", "pt"): for ``<html lang>``."""
    locale = get_locale()
    return locale.language if locale is not None else default_language()


def html_lang() -> str:
    """The page's language as ``<html lang>`` names it ("es", "pt-PT")."""
    return str(current_locale()).replace("_", "-")


def _select_locale() -> str:
    return REGIONS[select_language()]


def current_locale() -> Locale:
    locale = get_locale() if has_app_context() else None
    return locale or Locale.parse(REGIONS.get(default_language(), "en"))


# strftime's directives as CLDR patterns, so that a template's format keeps its shape
# and reads in the page's language ("%a %d %b" -> "mar 08 dic" in Spanish).
_DIRECTIVES = {
    "Y": "yyyy",
    "m": "MM",
    "d": "dd",
    "H": "HH",
    "M": "mm",
    "a": "EEE",
    "A": "EEEE",
    "b": "MMM",
    "B": "MMMM",
    "e": "d",
}


def _pattern(fmt: str, value: datetime | date) -> str:
    parts: list[str] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            text = "".join(literal).replace("'", "''")
            parts.append(f"'{text}'")
            literal.clear()

    i = 0
    while i < len(fmt):
        char = fmt[i]
        if char == "%" and i + 1 < len(fmt):
            directive = fmt[i + 1]
            i += 2
            if directive in _DIRECTIVES:
                flush()
                parts.append(_DIRECTIVES[directive])
            elif directive == "%":
                literal.append("%")
            else:
                # Anything else (%Z, the zone's abbreviation) as strftime writes it.
                literal.append(value.strftime(f"%{directive}"))
            continue
        literal.append(char)
        i += 1
    flush()
    return "".join(parts)


def localized(value: datetime | date | None, fmt: str = "%d %b %Y", tz: tzinfo | None = None) -> str:
    """``value`` in a strftime-style format, with month and day names in the page's
    language; a datetime is shown in ``tz`` (its own zone when None). In templates:
    ``{{ workshop.starts_on | localized("%d %B %Y") }}``."""
    if value is None:
        return ""
    locale = current_locale()
    if isinstance(value, datetime):
        if tz is not None:
            value = value.astimezone(tz)
        return format_datetime(value, _pattern(fmt, value), tzinfo=value.tzinfo, locale=locale)
    return format_date(value, _pattern(fmt, value), locale=locale)


def number(value: float | int | None, digits: int | None = None) -> str:
    """A number with the page language's separators ("1,234.5" / "1.234,5")."""
    if value is None:
        return ""
    if digits is not None:
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=current_locale())
    return format_decimal(value, locale=current_locale())


def percent(value: float | None, digits: int = 0) -> str:
    """A fraction (0.85) as a percentage in the page's language ("85 %" in Spanish)."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(value, format=pattern, locale=current_locale())


def territory_names(locale: Locale | None = None) -> dict[str, str]:
    """Country names by ISO code, in the page's language."""
    return dict((locale or current_locale()).territories)


def sorted_by_name(pairs: list[tuple[str, str]], locale: Locale | None = None) -> list[tuple[str, str]]:
    """(code, name) pairs sorted as a reader of the language expects (accents beside their
    letters: "Österreich" with the O's)."""
    return sorted(pairs, key=lambda pair: _collation_key(pair[1]))


def _collation_key(text: str) -> tuple[str, str]:
    stripped = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return stripped.casefold(), text


def init_app(app: Flask) -> None:
    language = language_code(app.config.get("DEFAULT_LANGUAGE")) or "en"
    app.config["DEFAULT_LANGUAGE"] = language
    app.config["BABEL_DEFAULT_LOCALE"] = REGIONS[language]
    babel.init_app(app, locale_selector=_select_locale)
    # {% trans %} blocks are written over several lines; their msgids are one line.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["html_lang"] = html_lang
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.filters["localized"] = localized
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["percent"] = percent
