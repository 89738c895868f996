"""Uploaded images: checked from their content, re-encoded, stored outside static.

The type is read from the bytes (never from the file name or the browser's
claim), the size and the pixel dimensions are limited before the image is
decoded (so a "decompression bomb" is refused cheaply), and the image is
re-encoded, which drops any metadata (camera, location) and anything that is not
pixels. Files are kept in the instance folder under random names and served
only through views that check who may see them.
"""

from __future__ import annotations

import io
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, UnidentifiedImageError

from training.core.errors import InvalidInput

FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}
MIME_BY_EXTENSION = dict(FORMATS.values())
_NAME = re.compile(r"^[0-9a-f]{32}\.(png|jpg|webp|gif)$")
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

    def formats_text(self) -> str:
        labels = [_LABELS[name] for name in self.formats]
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


def folder(kind: str) -> Path:
    """Where uploads of ``kind`` live; created by the first ``store``, not by a look-up."""
    return Path(current_app.instance_path) / "uploads" / kind


def store(image: CheckedImage, kind: str) -> str:
    """Write the image under a new random name in the instance folder; return the name."""
    name = f"{secrets.token_hex(16)}.{image.extension}"
    folder(kind).mkdir(parents=True, exist_ok=True)
    (folder(kind) / name).write_bytes(image.data)
    return name


def is_upload_name(name: str | None) -> bool:
    return bool(name and _NAME.match(name))


def path_of(kind: str, name: str | None) -> Path | None:
    """The stored file for ``name`` (only names this module made), or None."""
    if not is_upload_name(name):
        return None
    path = folder(kind) / name  # type: ignore[operator]
    return path if path.is_file() else None


def mime_of(name: str) -> str:
    return MIME_BY_EXTENSION.get(name.rsplit(".", 1)[-1], "application/octet-stream")


def dimensions(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size
