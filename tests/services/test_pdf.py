"""The PDF renderer: metadata, tagging, and no access beyond the static folder."""

import io

import pypdf
import pytest
from flask import render_template_string

from training.core import pdf

TEMPLATE = """{% extends "pdf/base.html" %}{% block body %}<h1>{{ heading }}</h1>
<img src="file:///etc/passwd" alt="">
<img src="http://127.0.0.1:9/tracker.png" alt="">
{% endblock %}"""


def render(heading: str) -> bytes:
    metadata = pdf.Metadata(title="Programme", author="Regenerative Academy", subject="Nanofat course")
    html = render_template_string(TEMPLATE, metadata=metadata, static_uri=pdf.static_uri, heading=heading)
    return pdf.render_html(html)


def test_a_document_carries_its_metadata_text_and_tags(ctx):
    reader = pypdf.PdfReader(io.BytesIO(render("Microfat <harvest> & nanofat")))
    assert reader.metadata.title == "Programme"
    assert reader.metadata.author == "Regenerative Academy"
    assert "Microfat <harvest> & nanofat" in reader.pages[0].extract_text()
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged for accessibility


def test_only_static_files_may_be_fetched(app, ctx):
    fetcher = pdf.StaticOnlyFetcher(pdf.static_root())
    assert fetcher.fetch(pdf.static_uri("css/pdf.css")) is not None
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/x.png", pdf.static_uri("../training/config.py")):
        with pytest.raises(pdf.RefusedResource):
            fetcher.fetch(url)
