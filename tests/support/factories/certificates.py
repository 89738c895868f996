"""Certificates factories."""

from __future__ import annotations

from flask import Flask


class CertificatesFactories:
    app: Flask
