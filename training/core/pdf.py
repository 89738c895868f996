"""PDF rendering: the only module that imports WeasyPrint.

Documents are rendered from our own templates. WeasyPrint may read only files
of the app's static folder (stylesheets, fonts, images) and inline ``data:``
URIs: never the network, never another file on the machine, whatever a
template or a user-supplied string might contain.

One ``FontConfiguration`` is kept per process: building it is costly and
reusing it keeps a worker's memory flat over many documents.

WeasyPrint is imported by the functions that use it, not with this module: it is
large, and most of the app (and every pure ``rules`` module) never renders a PDF.

Fonts are the system's, found by family through fontconfig (Debian packages, see
``SYSTEM_FONTS`` and the Makefile's ``system-packages``). Fontconfig quietly puts
another font in place of a missing one, so a document that must look as designed
asks ``ensure_fonts`` first.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app, render_template

if TYPE_CHECKING:
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

_fonts: FontConfiguration | None = None
_fonts_lock = threading.Lock()


def font_configuration() -> FontConfiguration:
    # WeasyPrint is loaded on first use (see the module's docstring), here and below.
    from weasyprint.text.fonts import FontConfiguration

    global _fonts
    with _fonts_lock:
        if _fonts is None:
            _fonts = FontConfiguration()
        return _fonts


# The font families the PDFs name, and the Debian package each comes from.
SYSTEM_FONTS = {"DejaVu Sans": "fonts-dejavu-core", "EB Garamond": "fonts-ebgaramond"}
_fonts_found: set[str] = set()


class MissingFont(RuntimeError):
    def __init__(self, families: list[str]) -> None:
        packages = " ".join(SYSTEM_FONTS.get(family, "?") for family in families)
        super().__init__(
            f"The font{'s' if len(families) > 1 else ''} {', '.join(families)} "
            f"{'are' if len(families) > 1 else 'is'} not installed on this server: PDFs would be "
            f"set in another font. Install with: apt-get install {packages} (or make system-packages)."
        )
        self.families = families


def font_installed(family: str) -> bool:
    """Whether fontconfig has ``family`` itself, not a substitute for it."""
    from weasyprint.text.ffi import ffi, fontconfig

    config = fontconfig.FcInitLoadConfigAndFonts()
    pattern = fontconfig.FcPatternCreate()
    try:
        fontconfig.FcPatternAddString(pattern, b"family", family.encode())
        fontconfig.FcConfigSubstitute(config, pattern, 0)  # FcMatchPattern
        fontconfig.FcDefaultSubstitute(pattern)
        match = fontconfig.FcFontMatch(config, pattern, ffi.new("FcResult *"))
        if match == ffi.NULL:
            return False
        try:
            value = ffi.new("FcChar8 **")
            found = fontconfig.FcPatternGetString(match, b"family", 0, value) == 0  # FcResultMatch
            return found and ffi.string(value[0]).decode().casefold() == family.casefold()
        finally:
            fontconfig.FcPatternDestroy(match)
    finally:
        fontconfig.FcPatternDestroy(pattern)
        fontconfig.FcConfigDestroy(config)


def ensure_fonts(*families: str) -> None:
    """Raise ``MissingFont`` naming the package to install unless every family is there."""
    missing = [family for family in families if family not in _fonts_found and not font_installed(family)]
    if missing:
        raise MissingFont(missing)
    _fonts_found.update(families)


class RefusedResource(ValueError):
    pass


@functools.cache
def _static_only_fetcher_class() -> type[URLFetcher]:
    """The fetcher's class, made on first use: it derives from WeasyPrint's."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves ``file:`` URLs inside the static folder and ``data:`` URIs; refuses the rest."""

        def __init__(self, static_root: Path) -> None:
            super().__init__(allowed_protocols=("file", "data"))
            self.static_root = static_root.resolve()

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if not url.startswith("file://"):
                raise RefusedResource(f"refused to fetch {url[:80]!r}: only the app's static files")
            path = Path(url.removeprefix("file://").split("?")[0]).resolve()
            if not path.is_relative_to(self.static_root) or not path.is_file():
                raise RefusedResource(f"refused to fetch {url[:80]!r}: only the app's static files")
            return super().fetch(path.as_uri(), headers)

    return StaticOnlyFetcher


def static_only_fetcher(static_root: Path) -> URLFetcher:
    """A WeasyPrint URL fetcher that serves ``file:`` URLs inside ``static_root`` and
    ``data:`` URIs, and refuses the rest."""
    return _static_only_fetcher_class()(static_root)


def __getattr__(name: str) -> Any:
    # ``pdf.StaticOnlyFetcher``, the class itself, made when first asked for.
    if name == "StaticOnlyFetcher":
        return _static_only_fetcher_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def static_root() -> Path:
    return Path(current_app.static_folder or "static")


def static_uri(relative: str) -> str:
    """The ``file:`` URI of a static file, for use inside PDF templates."""
    return (static_root() / relative).resolve().as_uri()


@dataclass(frozen=True)
class Metadata:
    title: str
    author: str = ""
    subject: str = ""
    keywords: tuple[str, ...] = ()
    lang: str = "en"


def render_html(html: str, *, accessible: bool = True, **options: Any) -> bytes:
    """Render HTML to PDF bytes. ``accessible`` makes a tagged PDF/UA document."""
    from weasyprint import HTML

    document = HTML(
        string=html,
        base_url=static_root().resolve().as_uri() + "/",
        url_fetcher=static_only_fetcher(static_root()),
    )
    if accessible:
        options.setdefault("pdf_variant", "pdf/ua-1")
    return document.write_pdf(font_config=font_configuration(), **options)


def html(template: str, *, metadata: Metadata, **context: Any) -> str:
    """The HTML of a PDF template, as ``render`` passes it to WeasyPrint."""
    return render_template(template, metadata=metadata, static_uri=static_uri, **context)


def render(template: str, *, metadata: Metadata, accessible: bool = True, **context: Any) -> bytes:
    """Render a Jinja template (``templates/<capability>/pdf/...``) to PDF bytes.

    The template should put ``metadata.title``/``author``/``subject`` in its
    ``<title>`` and ``<meta name=...>`` tags (WeasyPrint turns them into the
    document's metadata); ``pdf_base.html`` does it for you.
    """
    return render_html(html(template, metadata=metadata, **context), accessible=accessible)
