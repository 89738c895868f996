"""Uploaded images: the type comes from the content, limits hold, the file is re-encoded
and stored outside static under a random name."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from training.core import storage, uploads
from training.core.errors import InvalidInput


def encoded(width=100, height=80, fmt="PNG", **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format=fmt, **save)
    return out.getvalue()


@pytest.mark.parametrize(("fmt", "extension"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")])
def test_accepted_formats_are_named_from_their_content(fmt, extension):
    checked = uploads.check_image(encoded(fmt=fmt))
    assert (checked.extension, checked.width, checked.height) == (extension, 100, 80)


def test_other_formats_and_non_images_are_refused():
    with pytest.raises(InvalidInput, match="PNG, JPEG or WebP"):
        uploads.check_image(encoded(fmt="GIF"))
    with pytest.raises(InvalidInput, match="not an image"):
        uploads.check_image(b"GIF89a<script>alert(1)</script>")
    with pytest.raises(InvalidInput, match="Choose an image"):
        uploads.check_image(b"")


def test_size_and_dimension_limits():
    limits = uploads.ImageLimits(max_bytes=2000, max_side=500, min_side=64)
    with pytest.raises(InvalidInput, match="larger than"):
        uploads.check_image(b"\x89PNG" + b"0" * 3000, limits)
    with pytest.raises(InvalidInput, match="at most 500"):
        uploads.check_image(encoded(600, 100), uploads.ImageLimits(max_side=500))
    with pytest.raises(InvalidInput, match="at least 64"):
        uploads.check_image(encoded(30, 100))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels: refused from its header, never decoded."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    with pytest.raises(InvalidInput) as refused:
        uploads.check_image(png_header_only(30000, 30000))
    assert "at most 6000 on a side" in refused.value.message
    with pytest.raises(InvalidInput, match="5000 x 5000"):
        uploads.check_image(png_header_only(5000, 5000), uploads.ImageLimits(max_pixels=1_000_000))


def test_metadata_is_dropped_by_re_encoding():
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    data = encoded(fmt="JPEG", exif=exif.tobytes())
    assert b"CameraMaker" in data
    assert b"CameraMaker" not in uploads.check_image(data).data


def test_store_uses_random_names_in_the_shared_storage(ctx, app):
    checked = uploads.check_image(encoded())
    first, second = uploads.store(checked, "tests"), uploads.store(checked, "tests")
    assert first != second
    assert uploads.key_of("tests", first) == f"uploads/tests/{first}"
    assert storage.info(f"uploads/tests/{first}").content_type == "image/png"
    assert uploads.read("tests", first) == checked.data
    assert not (Path(app.instance_path) / "uploads").exists()
    for evil in ("../secret_key", "..%2Fsecret", "a.png", first.upper(), None):
        assert uploads.key_of("tests", evil) is None
        assert uploads.read("tests", evil) is None


# --- one checker for every uploaded image -------------------------------------------------


def test_only_the_uploads_module_opens_images():
    """Curriculum and quiz images pass the same checker: no other module reads images itself."""
    import ast

    package = Path(uploads.__file__).resolve().parents[1]
    readers = []
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            if any(name == "PIL" or name.startswith("PIL.") for name in names):
                readers.append(source.relative_to(package).as_posix())
    assert readers == ["core/uploads.py"]


def test_a_curriculum_image_is_checked_by_the_same_rules_without_re_encoding():
    from training.curriculum import files

    gif = encoded(fmt="GIF")
    info, mime = files.inspect_image(gif)  # a curriculum may hold GIF diagrams; quiz uploads may not
    assert (info.error, info.width, info.height, mime) == (None, 100, 80, "image/gif")
    facts = uploads.inspect_image(gif, files.IMAGE_LIMITS)
    assert (facts.extension, facts.mime) == ("gif", "image/gif")
    with pytest.raises(InvalidInput, match="PNG, JPEG or WebP"):
        uploads.check_image(gif)

    bomb, mime = files.inspect_image(png_header_only(30000, 30000))
    assert mime is None
    assert "at most 8192 on a side" in bomb.error
    fake, _ = files.inspect_image(b"<svg onload=alert(1)>")
    assert fake.error == "This is not an image we can read: upload a PNG, JPEG, GIF or WebP file."
    big, _ = files.inspect_image(b"\x89PNG" + b"0" * (files.MAX_IMAGE_BYTES + 1))
    assert big.error == "The file is larger than 2 MB."


def test_an_image_uploaded_to_a_curriculum_draft_is_re_encoded(ctx, make):
    from training.curriculum import services
    from training.curriculum.models import VersionState

    draft = make.curriculum_version(["IMG-101"], state=VersionState.DRAFT)
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # where a cadaver photograph was taken is not for trainees
    photo = encoded(fmt="JPEG", exif=exif.tobytes()) + b"<script>alert(1)</script>"
    row = services.add_image(draft, "face.jpg", photo, actor=make.faculty())
    assert (row.media_type, row.width, row.height) == ("image/jpeg", 100, 80)
    assert b"CameraMaker" not in row.data
    assert b"<script>" not in row.data
    assert Image.open(io.BytesIO(row.data)).size == (100, 80)
    with pytest.raises(InvalidInput, match="not an image we can read"):
        services.add_image(draft, "empty.png", b"\x89PNG\r\n\x1a\n", actor=make.faculty())


@pytest.mark.parametrize(
    ("fmt", "save"),
    [
        ("GIF", {"comment": b"SECRET-comment by the camera"}),
        ("PNG", {"pnginfo": "text"}),
        ("WEBP", {"exif": b"Exif\x00\x00SECRET-exif"}),
    ],
)
def test_re_encoding_drops_comments_and_metadata(fmt, save):
    if save.get("pnginfo") == "text":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text("Comment", "SECRET-text chunk")
        save = {"pnginfo": info}
    original = encoded(fmt=fmt, **save)
    assert b"SECRET" in original
    limits = uploads.ImageLimits(formats=("PNG", "JPEG", "WEBP", "GIF"))
    checked = uploads.check_image(original, limits)
    assert b"SECRET" not in checked.data
    with Image.open(io.BytesIO(checked.data)) as image:
        assert "comment" not in image.info
        assert "exif" not in image.info
        assert image.size == (100, 80)


def test_re_encoding_keeps_a_gifs_transparent_colour():
    image = Image.new("P", (100, 80), 0)
    image.putpalette([255, 255, 255, 0, 0, 0] + [0] * 762)
    out = io.BytesIO()
    image.save(out, format="GIF", transparency=0, comment=b"SECRET")
    checked = uploads.check_image(out.getvalue(), uploads.ImageLimits(formats=("GIF",)))
    with Image.open(io.BytesIO(checked.data)) as reopened:
        assert reopened.info.get("transparency") == 0
        assert "comment" not in reopened.info
