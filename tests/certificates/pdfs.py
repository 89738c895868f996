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
