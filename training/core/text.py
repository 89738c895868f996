"""Text helpers shared by every feature."""

from __future__ import annotations

import unicodedata

# Letters that carry no combining mark to strip but sort as their base letters
# in most European alphabetical lists (a dictionary's order, not one language's).
_SPELLED_OUT = str.maketrans(
    {
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "ß": "ss",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "\u0131": "i",  # dotless i
    }
)


def sort_key(text: str) -> tuple[str, str]:
    """A key that sorts names as a reader expects whatever the server's locale: letters
    with accents beside their base letters ("Åland" with the A's, "Österreich" with
    the O's), case ignored, punctuation and spaces kept in place; the text itself
    breaks ties so the order is stable."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_SPELLED_OUT))
    base = "".join(c for c in folded if not unicodedata.combining(c))
    return base, text
