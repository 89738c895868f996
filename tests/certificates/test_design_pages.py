"""The seal page (admins) and the signature page (certifying faculty): uploads checked
from their content, unsafe drawings refused with a message, images served to their
owners only; and the SVG checker itself."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from training.certificates import design
from training.certificates.models import CertificateDesign, CertifierSignature
from training.core import storage, uploads
from training.core.errors import InvalidInput
from training.extensions import db

SAFE_SVG = b"""<?xml version="1.0"?>
<!-- made in an editor -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
     xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 120 100" inkscape:version="1.3">
  <metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#0b4f6c"/></linearGradient></defs>
  <style>.ring { stroke: #0b4f6c; }</style>
  <circle class="ring" cx="60" cy="50" r="40" fill="url(#g)"/>
  <use xlink:href="#g"/>
</svg>"""


def png(width: int, height: int, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(out, format=fmt)
    return out.getvalue()


def upload(data: bytes, name: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(data), name


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><script>alert(1)</script></svg>',
            "<script>",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9" onload="alert(1)"/>', "onload"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><foreignObject/></svg>',
            "<foreignObject>",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink" '
            b'viewBox="0 0 9 9">'
            b'<use x:href="file:///etc/passwd#x"/></svg>',
            "outside the file",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><rect style="fill: url(http://x/y)"/></svg>',
            "outside the file",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9">'
            b'<style>@import "x.css";</style></svg>',
            "outside",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><text>&a;</text></svg>',
            "DOCTYPE",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', "no size"),
        (b"<svg><rect/>", "not well-formed"),
        (b'<html xmlns="http://www.w3.org/2000/svg"/>', "not an SVG drawing"),
    ],
)
def test_unsafe_or_broken_svg_is_refused(svg, message):
    with pytest.raises(InvalidInput) as refused:
        uploads.check_svg(svg)
    assert message in " ".join(refused.value.problems["image"])


def test_a_safe_svg_is_written_back_without_editor_notes_comments_or_metadata():
    checked = uploads.check_svg(SAFE_SVG)
    assert (checked.extension, checked.mime, checked.width, checked.height) == (
        "svg",
        "image/svg+xml",
        120,
        100,
    )
    text = checked.data.decode()
    for kept in ("<circle", 'fill="url(#g)"', 'href="#g"', "<linearGradient"):
        assert kept in text
    for gone in ("inkscape", "made in an editor", "metadata", "rdf"):
        assert gone not in text


def test_seal_and_signature_sizes_are_limited():
    with pytest.raises(InvalidInput, match="larger than 2 MB"):
        design.check_seal(b"\x89PNG" + b"0" * (2 * 1024 * 1024 + 1))
    with pytest.raises(InvalidInput, match="larger than 512 KB"):
        design.check_seal(b"<svg " + b" " * (512 * 1024))
    with pytest.raises(InvalidInput, match="at most 4000 on a side"):
        design.check_seal(png(4001, 64))


def test_the_admin_uploads_a_seal_and_bad_files_get_a_message(client, make):
    admin = make.admin()
    client.login(admin)
    page = client.get("/admin/certificates/design")
    assert "The default seal." in page.text
    assert 'enctype="multipart/form-data"' in page.text

    # The content decides, not the name: a PNG called .svg is a PNG; text called .png is refused.
    script = client.post(
        "/admin/certificates/design",
        data={"seal": upload(b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>', "seal.png")},
    )
    assert script.status_code == 422
    assert "The SVG has a script" in script.text
    junk = client.post(
        "/admin/certificates/design", data={"seal": upload(b"hello, not an image", "seal.png")}
    )
    assert junk.status_code == 422
    assert "This is not an image we can read: upload a PNG, JPEG or SVG file." in junk.text
    with client.application.app_context():
        assert db.session.get(CertificateDesign, 1) is None

    done = client.post("/admin/certificates/design", data={"seal": upload(png(320, 320), "seal.svg")})
    assert done.status_code == 302
    page = client.get("/admin/certificates/design")
    assert "The default seal." not in page.text
    assert "Use the default seal instead" in page.text
    image = client.get("/admin/certificates/seal")
    assert image.mimetype == "image/png"
    assert Image.open(io.BytesIO(image.data)).size == (320, 320)
    assert "sandbox" in image.headers["Content-Security-Policy"]

    svg = client.post("/admin/certificates/design", data={"seal": upload(SAFE_SVG, "logo.svg")})
    assert svg.status_code == 302
    served = client.get("/admin/certificates/seal")
    assert served.mimetype == "image/svg+xml"
    assert b"inkscape" not in served.data

    back = client.post("/admin/certificates/design/default-seal")
    assert back.status_code == 302
    assert "The default seal." in client.get("/admin/certificates/design").text
    assert client.get("/admin/certificates/seal").location.endswith("/static/img/seal.svg")


def test_a_certifier_uploads_a_signature_on_their_account_page(client, make):
    faculty = make.faculty()
    client.login(faculty)
    assert "Signature on certificates" in client.get("/profile").text
    assert "No signature image" in client.get("/profile/signature").text

    svg = client.post("/profile/signature", data={"signature": upload(SAFE_SVG, "signature.svg")})
    assert svg.status_code == 422
    assert "upload a PNG or JPEG file" in svg.text
    small = client.post("/profile/signature", data={"signature": upload(png(20, 20), "s.png")})
    assert "at least 32 on a side" in small.text

    done = client.post("/profile/signature", data={"signature": upload(png(600, 180, "JPEG"), "me.jpg")})
    assert done.status_code == 302
    image = client.get("/profile/signature/image")
    assert image.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(image.data)).size == (600, 180)

    # Only one's own: another certifier sees none of it.
    other = make.faculty()
    client.login(other)
    assert client.get("/profile/signature/image").status_code == 404

    client.login(faculty)
    assert client.post("/profile/signature/remove").status_code == 302
    assert client.get("/profile/signature/image").status_code == 404
    with client.application.app_context():
        assert db.session.query(CertifierSignature).count() == 0


def test_trainees_have_no_signature_section(client, make):
    trainee = make.trainee()
    client.login(trainee)
    assert "Signature on certificates" not in client.get("/profile").text
    assert client.get("/profile/signature").status_code == 403


def test_erasing_a_person_removes_their_signature_image(ctx, make):
    faculty = make.faculty()
    row = design.set_signature(png(400, 120), actor=faculty)
    db.session.commit()
    assert uploads.read(design.SIGNATURE_KIND, row.file) == storage.get(
        f"uploads/{design.SIGNATURE_KIND}/{row.file}"
    )
    design.erase_signature(faculty)
    db.session.commit()
    assert design.signature_of(faculty) is None
    assert uploads.read(design.SIGNATURE_KIND, row.file) is None
    assert not storage.exists(f"uploads/{design.SIGNATURE_KIND}/{row.file}")
