"""Reading the certificates we make, as a reader would: text, metadata and the QR code."""

from __future__ import annotations

import io

import pypdf
import pypdfium2
import zxingcpp


def reader(content: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(content))


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in reader(content).pages)


def qr_codes(content: bytes, scale: float = 2) -> list[str]:
    """Render the first page to an image and decode every QR code on it."""
    document = pypdfium2.PdfDocument(content)
    try:
        page = document[0]
        try:
            bitmap = page.render(scale=scale)
            image = bitmap.to_pil()
            bitmap.close()
        finally:
            page.close()
    finally:
        document.close()
    return [
        code.text for code in zxingcpp.read_barcodes(image) if code.format == zxingcpp.BarcodeFormat.QRCode
    ]


def font_names(content: bytes) -> list[str]:
    """The base names of the fonts embedded on the first page, without the subset prefix."""
    fonts = reader(content).pages[0]["/Resources"]["/Font"]
    return sorted(str(fonts[key].get_object()["/BaseFont"]).split("+")[-1] for key in fonts)


def raster_images(content: bytes) -> list[tuple[int, int]]:
    """The pixel sizes of the raster images on the first page (drawings such as SVG are not images)."""
    return sorted(image.image.size for image in reader(content).pages[0].images)


def text_boxes(content: bytes) -> list[tuple[float, float, float, float]]:
    """The boxes (left, bottom, right, top, in points) of the text runs on the first page."""
    document = pypdfium2.PdfDocument(content)
    try:
        textpage = document[0].get_textpage()
        return [textpage.get_rect(i) for i in range(textpage.count_rects())]
    finally:
        document.close()


def overlapping(boxes: list[tuple[float, float, float, float]], slack: float = 1.5) -> list[tuple]:
    """Pairs of text boxes that cover each other (text printed over text)."""
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if min(a[2], b[2]) - max(a[0], b[0]) > slack and min(a[3], b[3]) - max(a[1], b[1]) > slack:
                found.append((a, b))
    return found
