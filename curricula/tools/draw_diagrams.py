"""Draw the curriculum's original teaching diagrams (Pillow only, no copied images).

Run from the project root after changing a drawing:
    .venv/bin/python curricula/tools/draw_diagrams.py
The PNGs go to curricula/regenerative-fat-grafting/images/. The hotspot regions in
the module files are written in these pixel coordinates; keep them in step.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "regenerative-fat-grafting" / "images"

SKIN = (244, 214, 190)
LINE = (70, 50, 40)
ARTERY = (190, 30, 40)


def skin_layers() -> Image.Image:
    """A cross-section of facial skin: epidermis, papillary and reticular dermis, fat, muscle.

    Bands (y, in pixels): epidermis 40-52, papillary dermis 52-95, reticular dermis
    95-200, subcutaneous fat 200-330, muscle 330-390.
    """
    width, height = 640, 400
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 40, width, 62], fill=(214, 170, 140))  # epidermis
    draw.rectangle([0, 62, width, 95], fill=(252, 228, 222))  # papillary dermis
    for x in range(8, width, 24):  # dermal papillae pushing up into the epidermis
        draw.polygon([(x, 62), (x + 8, 52), (x + 16, 62)], fill=(252, 228, 222))
    draw.rectangle([0, 95, width, 200], fill=(236, 190, 178))  # reticular dermis
    for y in range(104, 196, 12):  # coarse collagen bundles
        for x in range(0, width, 80):
            draw.line([x + (y % 24), y, x + 50 + (y % 24), y + 4], fill=(205, 150, 140), width=3)
    draw.rectangle([0, 200, width, 330], fill=(252, 236, 170))  # subcutaneous fat
    for row, y in enumerate(range(212, 322, 36)):
        for x in range(-10 if row % 2 else 8, width, 38):
            draw.ellipse([x, y, x + 34, y + 32], outline=(210, 180, 90), width=2)
    draw.rectangle([0, 330, width, 390], fill=(196, 90, 90))  # muscle
    for y in range(336, 388, 8):
        draw.line([0, y, width, y], fill=(170, 70, 70), width=1)
    # A vessel rising through fat and dermis.
    draw.line([480, 330, 470, 200, 490, 120, 485, 96], fill=ARTERY, width=5)
    draw.rectangle([0, 0, width - 1, height - 1], outline=LINE, width=2)
    return image


def face_arteries() -> Image.Image:
    """A frontal face with the arteries of the facial danger zones drawn schematically."""
    width, height = 480, 600
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse([60, 40, 420, 580], fill=SKIN, outline=LINE, width=3)
    # Brows, eyes, nose, lips.
    draw.arc([110, 170, 220, 230], 200, 340, fill=LINE, width=6)
    draw.arc([260, 170, 370, 230], 200, 340, fill=LINE, width=6)
    draw.ellipse([125, 225, 205, 255], outline=LINE, width=3)
    draw.ellipse([275, 225, 355, 255], outline=LINE, width=3)
    draw.ellipse([155, 230, 175, 250], fill=LINE)
    draw.ellipse([305, 230, 325, 250], fill=LINE)
    draw.line([240, 235, 222, 360, 258, 360, 240, 235], fill=LINE, width=3)
    draw.arc([200, 330, 280, 380], 20, 160, fill=LINE, width=3)
    draw.chord([180, 420, 300, 470], 180, 360, fill=(200, 110, 110), outline=LINE)
    draw.chord([180, 445, 300, 490], 0, 180, fill=(200, 110, 110), outline=LINE)
    # Arteries: facial to angular along the nose, labial, dorsal nasal,
    # supratrochlear and supraorbital up the forehead, superficial temporal.
    draw.line([120, 560, 170, 470, 205, 400, 215, 330, 228, 260], fill=ARTERY, width=4)  # facial, angular
    draw.line([175, 455, 305, 455], fill=ARTERY, width=3)  # labial
    draw.line([228, 260, 236, 320], fill=ARTERY, width=3)  # dorsal nasal
    draw.line([225, 215, 215, 150, 218, 80], fill=ARTERY, width=3)  # supratrochlear
    draw.line([255, 215, 265, 150, 262, 80], fill=ARTERY, width=3)
    draw.line([185, 205, 170, 140, 160, 70], fill=ARTERY, width=3)  # supraorbital
    draw.line([295, 205, 310, 140, 320, 70], fill=ARTERY, width=3)
    draw.line([70, 300, 85, 220, 110, 130], fill=ARTERY, width=4)  # superficial temporal
    draw.line([410, 300, 395, 220, 370, 130], fill=ARTERY, width=4)
    draw.ellipse([170, 275, 182, 287], fill=ARTERY)  # infraorbital foramen
    draw.ellipse([298, 275, 310, 287], fill=ARTERY)
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    skin_layers().save(OUT / "skin-layers.png", optimize=True)
    face_arteries().save(OUT / "face-arteries.png", optimize=True)


if __name__ == "__main__":
    main()
