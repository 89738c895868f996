"""Uploaded images: checked from their content, re-encoded, stored outside static.

The type is read from the bytes (never from the file name or the browser's
claim), the size and the pixel dimensions are limited before the image is
decoded (so a "decompression bomb" is refused cheaply), and the image is
re-encoded, which drops any metadata (camera, location) and anything that is not
pixels. Images are kept by core/storage.py under random names and served only
through views that check who may see them.

Where drawings are welcome (a programme's seal), SVG is read too: parsed without
any DTD or entity, refused if it holds anything that runs or fetches (scripts,
event handlers, foreign content, links or styles leading outside the file), and
written back from the parsed tree with only SVG's own elements and attributes.
"""

from __future__ import annotations

import io
import re
import secrets
import warnings
import xml.etree.ElementTree as ET  # nosec B405  # DTDs are refused before parsing (see check_svg)
from dataclasses import dataclass

from flask import current_app
from PIL import Image, UnidentifiedImageError

from training.core import storage
from training.core.errors import InvalidInput

FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}
MIME_BY_EXTENSION = {**dict(FORMATS.values()), "svg": "image/svg+xml"}
_NAME = re.compile(r"^[0-9a-f]{32}\.(png|jpg|webp|gif|svg)$")
_BAD = (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning, Image.DecompressionBombError)
# The only entry of Pillow's ``info`` kept on re-encoding: which palette colour is see-through.
PIXEL_INFO = frozenset({"transparency"})
_LABELS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP", "GIF": "GIF"}


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = 5 * 1024 * 1024
    max_pixels: int = 24_000_000
    min_side: int = 64
    max_side: int = 6000
    formats: tuple[str, ...] = ("PNG", "JPEG", "WEBP")  # Pillow's names, in the order they are named
    # Formats checked elsewhere that the messages name too (an upload that may also be SVG).
    also_named: tuple[str, ...] = ()

    def formats_text(self) -> str:
        labels = [_LABELS[name] for name in self.formats] + list(self.also_named)
        return f"{', '.join(labels[:-1])} or {labels[-1]}" if len(labels) > 1 else labels[0]


@dataclass(frozen=True)
class ImageFacts:
    """What the content says an image is (never the file name or the browser)."""

    format: str  # Pillow's name: PNG, JPEG, WEBP, GIF
    extension: str
    mime: str
    width: int
    height: int


@dataclass(frozen=True)
class CheckedImage:
    data: bytes  # re-encoded
    extension: str
    mime: str
    width: int
    height: int


def _open(data: bytes, limits: ImageLimits, field: str) -> tuple[Image.Image, ImageFacts]:
    """The decoded image and its facts, or InvalidInput naming every problem found.

    The size and the dimensions are checked from the header, before any pixel is
    decoded, so a "decompression bomb" costs nothing."""
    unreadable = f"This is not an image we can read: upload a {limits.formats_text()} file."
    if not data:
        raise InvalidInput({field: ["Choose an image file."]})
    if len(data) > limits.max_bytes:
        raise InvalidInput({field: [f"The file is larger than {_megabytes(limits.max_bytes)} MB."]})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image_format = image.format
            width, height = image.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise InvalidInput(
            {field: [f"The image has too many pixels: at most {limits.max_side} on a side."]}
        ) from None
    except (UnidentifiedImageError, *_BAD):
        raise InvalidInput({field: [unreadable]}) from None
    problems = []
    if image_format not in limits.formats:
        problems.append(f"Upload a {limits.formats_text()} image.")
    if width * height > limits.max_pixels or max(width, height) > limits.max_side:
        problems.append(f"The image is {width} x {height} pixels: at most {limits.max_side} on a side.")
    if min(width, height) < limits.min_side:
        problems.append(f"The image is {width} x {height} pixels: at least {limits.min_side} on a side.")
    if problems:
        raise InvalidInput({field: problems})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except _BAD:
        raise InvalidInput({field: ["The image is damaged and cannot be read."]}) from None
    extension, mime = FORMATS[image_format]  # type: ignore[index]
    return image, ImageFacts(image_format, extension, mime, width, height)  # type: ignore[arg-type]


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def inspect_image(data: bytes, limits: ImageLimits | None = None, *, field: str = "image") -> ImageFacts:
    """Check ``data`` as ``check_image`` does, without re-encoding it: for files that
    must stay byte for byte as they are (a curriculum's images, named by their digest)."""
    _, facts = _open(data, limits or ImageLimits(), field)
    return facts


def check_image(data: bytes, limits: ImageLimits | None = None, *, field: str = "image") -> CheckedImage:
    """The image re-encoded, or InvalidInput naming every problem found."""
    image, facts = _open(data, limits or ImageLimits(), field)
    try:
        if facts.format == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        # Pillow writes some of what it read back out (a GIF's comment block, its
        # application extensions): keep only what the pixels need.
        image.info = {key: value for key, value in image.info.items() if key in PIXEL_INFO}
        out = io.BytesIO()
        image.save(out, format=facts.format)
    except _BAD:
        raise InvalidInput({field: ["The image is damaged and cannot be read."]}) from None
    return CheckedImage(out.getvalue(), facts.extension, facts.mime, facts.width, facts.height)


def key_of(kind: str, name: str | None) -> str | None:
    """The storage key of an upload (only names this module made), or None."""
    if not is_upload_name(name):
        return None
    return f"uploads/{kind}/{name}"


def store(image: CheckedImage, kind: str) -> str:
    """Keep the image under a new random name (core/storage.py); return the name."""
    name = f"{secrets.token_hex(16)}.{image.extension}"
    storage.put(f"uploads/{kind}/{name}", image.data, image.mime)
    return name


def is_upload_name(name: str | None) -> bool:
    return bool(name and _NAME.match(name))


def read(kind: str, name: str | None) -> bytes | None:
    """The stored image ``name`` as it was stored, or None (no such upload, or changed)."""
    key = key_of(kind, name)
    if key is None:
        return None
    try:
        return storage.get(key)
    except storage.StorageProblem as problem:
        current_app.logger.error("upload %s cannot be served: %s", key, problem)
        return None


def remove(kind: str, name: str | None) -> None:
    """Delete the stored upload with the current transaction."""
    key = key_of(kind, name)
    if key is not None:
        storage.delete(key)


def mime_of(name: str) -> str:
    return MIME_BY_EXTENSION.get(name.rsplit(".", 1)[-1], "application/octet-stream")


def dimensions(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


# --- SVG ----------------------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
# What a drawing needs; anything else in the SVG namespace (script, foreignObject,
# image, a, animations) makes the file refused.
SVG_ELEMENTS = frozenset(
    [
        "svg",
        "g",
        "defs",
        "symbol",
        "use",
        "title",
        "desc",
        "style",
        "path",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "text",
        "tspan",
        "textPath",
        "linearGradient",
        "radialGradient",
        "stop",
        "clipPath",
        "mask",
        "pattern",
        "marker",
        "filter",
        "feGaussianBlur",
        "feOffset",
        "feBlend",
        "feColorMatrix",
        "feComposite",
        "feFlood",
        "feMerge",
        "feMergeNode",
        "feMorphology",
    ]
)
# Elements of other namespaces (an editor's notes, ``metadata``) are dropped, not refused.
DROPPED_ELEMENTS = frozenset({"metadata"})
_OUTSIDE = re.compile(r"url\(\s*['\"]?\s*(?!#)|@import|javascript:|expression\(", re.IGNORECASE)
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")


@dataclass(frozen=True)
class SvgLimits:
    max_bytes: int = 512 * 1024
    max_elements: int = 5000


def looks_like_svg(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!--")) and b"<svg" in data[:4096].lower()


def check_svg(data: bytes, limits: SvgLimits | None = None, *, field: str = "image") -> CheckedImage:
    """The drawing written back from its parsed tree, or InvalidInput saying why it is refused."""
    limits = limits or SvgLimits()
    if not data:
        raise InvalidInput({field: ["Choose an image file."]})
    if len(data) > limits.max_bytes:
        raise InvalidInput({field: [f"The SVG file is larger than {limits.max_bytes // 1024} KB."]})
    if b"<!doctype" in data.lower() or b"<!entity" in data.lower():
        # Entities can expand a small file into gigabytes or read other files: never parsed.
        raise InvalidInput({field: ["The SVG declares a DOCTYPE or entities: save it as plain SVG."]})
    try:
        root = ET.fromstring(data)  # noqa: S314  # nosec B314  # no DTD can reach the parser (above)
    except ET.ParseError:
        raise InvalidInput({field: ["This SVG file cannot be read (it is not well-formed XML)."]}) from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise InvalidInput({field: ["This is not an SVG drawing (its root element is not <svg>)."]})
    problems: list[str] = []
    count = _clean_svg(root, problems)
    if count > limits.max_elements:
        problems.append(f"The drawing has {count} elements: at most {limits.max_elements}.")
    width, height = _svg_size(root)
    if not width or not height:
        problems.append("The SVG has no size: give its <svg> element a viewBox (or a width and a height).")
    if problems:
        raise InvalidInput({field: sorted(set(problems))})
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return CheckedImage(
        ET.tostring(root, encoding="utf-8", xml_declaration=True), "svg", "image/svg+xml", width, height
    )


def _local(name: str) -> tuple[str, str]:
    namespace, _, local = name[1:].partition("}") if name.startswith("{") else ("", "", name)
    return namespace, local


def _clean_svg(element: ET.Element, problems: list[str]) -> int:
    """Check ``element``'s attributes and children in place; return how many elements remain."""
    for name in list(element.attrib):
        namespace, local = _local(name)
        value = element.attrib[name]
        if local.lower().startswith("on"):
            problems.append(f"The SVG has a script (the {local} attribute of <{_local(element.tag)[1]}>).")
        elif local == "href" and namespace in ("", XLINK_NS):
            if not value.strip().startswith("#"):
                problems.append("The SVG links to something outside the file: only #references are allowed.")
        elif namespace not in ("", XML_NS):
            del element.attrib[name]  # an editor's attribute (inkscape:label, sodipodi:...)
            continue
        if _OUTSIDE.search(value):
            problems.append("The SVG's styles reach outside the file (url(), @import or javascript:).")
    if _local(element.tag)[1] == "style" and _OUTSIDE.search(element.text or ""):
        problems.append("The SVG's styles reach outside the file (url(), @import or javascript:).")
    count = 1
    for child in list(element):
        if not isinstance(child.tag, str):
            element.remove(child)  # a comment or processing instruction
            continue
        namespace, local = _local(child.tag)
        if namespace != SVG_NS or local in DROPPED_ELEMENTS:
            element.remove(child)
        elif local not in SVG_ELEMENTS:
            problems.append(f"The SVG holds a <{local}> element, which is not allowed in a seal or logo.")
        else:
            count += _clean_svg(child, problems)
    return count


def _svg_size(root: ET.Element) -> tuple[int, int]:
    box = (root.get("viewBox") or "").replace(",", " ").split()
    try:
        if len(box) == 4 and float(box[2]) > 0 and float(box[3]) > 0:
            return round(float(box[2])), round(float(box[3]))
    except ValueError:
        pass
    width, height = _LENGTH.match(root.get("width") or ""), _LENGTH.match(root.get("height") or "")
    if width and height:
        return round(float(width.group(1))), round(float(height.group(1)))
    return 0, 0
