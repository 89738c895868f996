"""The issuer's key and certificate, and PAdES signatures made and checked with pyHanko.

An organization may supply its own key and certificate (PEM files named by the
``TRAINING_SIGNING_KEY`` and ``TRAINING_SIGNING_CERT`` settings). Otherwise an
RSA 3072 key and a self-signed certificate are made at first use and kept in
the instance folder, the key readable by its owner only. RSA rather than ECDSA:
an ECDSA signature makes pyHanko declare the document PDF 2.0 (ISO 32002),
while the tagged certificates are PDF/UA-1, which is built on PDF 1.7. The certificate is
published (``certificates.issuer_certificate``) so that anyone can check a
certificate's signature against it.

pyHanko is imported by the functions that sign and check, not with this module: it is
large, and only issuing and checking a certificate need it.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.x509.oid import NameOID
from flask import current_app

if TYPE_CHECKING:
    from pyhanko.sign import signers

log = logging.getLogger("training.certificates.signing")

KEY_FILE = "issuer-key.pem"
CERT_FILE = "issuer-cert.pem"
SIGNATURE_FIELD = "IssuerSignature"

_lock = threading.Lock()
_signers: dict[tuple[str, str], signers.SimpleSigner] = {}
# The room a signature's CMS container takes, per signer, once measured (see ``sign``).
_reserved_bytes: dict[tuple[str, str], int] = {}


@dataclass(frozen=True)
class IssuerFiles:
    key: Path
    cert: Path
    generated: bool  # made by the app (True) or supplied by the organization


def _setting(name: str) -> str | None:
    return current_app.config.get(name) or os.environ.get(name) or None


def issuer_files() -> IssuerFiles:
    """Where the key and certificate are; made now if neither is configured nor present."""
    key, cert = _setting("TRAINING_SIGNING_KEY"), _setting("TRAINING_SIGNING_CERT")
    if key or cert:
        if not (key and cert):
            raise RuntimeError("TRAINING_SIGNING_KEY and TRAINING_SIGNING_CERT must be given together")
        return IssuerFiles(Path(key), Path(cert), generated=False)
    folder = Path(current_app.config["INSTANCE_PATH"]) / "signing"
    files = IssuerFiles(folder / KEY_FILE, folder / CERT_FILE, generated=True)
    if not files.cert.exists():
        with _lock:
            _generate(files, current_app.config.get("PROGRAMME_NAME") or "Training programme")
    return files


def _generate(files: IssuerFiles, programme: str) -> None:
    """A key (0600) and a self-signed certificate; O_EXCL lets one process win a race."""
    files.key.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(files.key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(200):
            if files.cert.exists() and files.cert.stat().st_size:
                return
            threading.Event().wait(0.01)
        raise RuntimeError(f"{files.key} exists without {files.cert}; restore it or delete both") from None
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{programme} certificate issuer"[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, programme[:64]),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    with os.fdopen(fd, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    temporary = files.cert.with_suffix(".tmp")
    temporary.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    os.replace(temporary, files.cert)


def issuer_certificate_pem() -> bytes:
    return issuer_files().cert.read_bytes()


def _load_certificate(pem: bytes) -> asn1_x509.Certificate:
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


@functools.cache
def _kept_key_signer_class() -> Callable[..., signers.SimpleSigner]:
    """The signer's class, made on first use: it derives from pyHanko's."""
    from pyhanko.sign import signers

    class KeptKeySigner(signers.SimpleSigner):
        """pyHanko's SimpleSigner parses the private key again for every signature, which
        for an RSA key (with its consistency checks) costs more than the rest of the
        signing; this one keeps the parsed key."""

        def __init__(self, *args: Any, key: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.key = key

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            digest = getattr(hashes, digest_algorithm.upper().replace("-", "_"))()
            if mechanism == "rsassa_pkcs1v15" and isinstance(self.key, rsa.RSAPrivateKey):
                return self.key.sign(data, PKCS1v15(), digest)
            if mechanism == "ecdsa" and isinstance(self.key, ec.EllipticCurvePrivateKey):
                return self.key.sign(data, ec.ECDSA(digest))
            return super().sign_raw(data, digest_algorithm)

    return KeptKeySigner


def _signer() -> tuple[tuple[str, str], signers.SimpleSigner]:
    """The issuer's signer, kept per key and certificate, and the key it is kept under."""
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    files = issuer_files()
    cache_key = (str(files.key), str(files.cert))
    with _lock:
        signer = _signers.get(cache_key)
        if signer is None:
            key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
            key_der = key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            certificate = _load_certificate(files.cert.read_bytes())
            signer = _kept_key_signer_class()(
                signing_cert=certificate,
                signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
                cert_registry=SimpleCertificateStore.from_certs([certificate]),
                key=key,
            )
            _signers[cache_key] = signer
        return cache_key, signer


def _run(make: Callable[[], Awaitable[Any]]) -> Any:
    """Run pyHanko's coroutine to completion, also from a thread whose event loop is
    already running (pyHanko's own synchronous wrappers fail there)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())  # type: ignore[arg-type]
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()  # type: ignore[arg-type]


def sign(pdf: bytes, *, reason: str, location: str = "") -> bytes:
    """The PDF with a PAdES baseline (B-B) signature over all of it."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason[:200],
        location=location[:200] or None,
        name=current_app.config.get("PROGRAMME_NAME"),
    )
    kept_as, signer = _signer()
    # Without a size to reserve, pyHanko signs twice (a dry run estimates the container).
    # The container's size depends only on the key and certificates, so the room pyHanko
    # reserved for the first signature is kept for all later ones.
    reserved = _reserved_bytes.get(kept_as)
    output = _run(lambda: signers.async_sign_pdf(writer, metadata, signer=signer, bytes_reserved=reserved))
    signed = output.getvalue()
    if reserved is None:
        signature = PdfFileReader(io.BytesIO(signed), strict=False).embedded_signatures[0]
        # pyHanko counts the room in hexadecimal digits, two per byte of the container.
        _reserved_bytes[kept_as] = 2 * len(signature.sig_object["/Contents"])
    return signed


@dataclass(frozen=True)
class SignatureCheck:
    authentic: bool  # signed by our issuer and unaltered since
    reasons: tuple[str, ...]  # why not, when not
    reason: str = ""  # the signature's stated reason (it names the serial; covered by the signature)
    signed_at: datetime | None = None


def check(pdf: bytes, *, issuer_pem: bytes | None = None) -> SignatureCheck:
    """Is this PDF signed by the issuer, with nothing changed or added after the signature?"""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    trusted = _load_certificate(issuer_pem if issuer_pem is not None else issuer_certificate_pem())
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:  # any parse failure means: not a document we signed
        return SignatureCheck(False, (f"The file is not a readable PDF ({type(error).__name__}).",))
    if not signatures:
        return SignatureCheck(False, ("The file carries no digital signature.",))
    problems: list[str] = []
    if len(signatures) > 1:
        problems.append("The file carries more than one signature.")
    embedded = signatures[-1]
    reason = str(embedded.sig_object.get("/Reason", ""))
    try:
        context = ValidationContext(trust_roots=[trusted], allow_fetching=False, revocation_mode="soft-fail")
        status = _run(lambda: async_validate_pdf_signature(embedded, context))
    except Exception as error:  # a mangled signature is a failed check, not a crash
        log.warning("signature check failed: %s: %s", type(error).__name__, error)
        return SignatureCheck(False, (f"The signature cannot be read ({type(error).__name__}).",), reason)
    if not status.intact:
        problems.append("The document was altered after it was signed.")
    elif not status.valid:
        problems.append("The signature is not valid.")
    elif not status.trusted or embedded.signer_cert.dump() != trusted.dump():
        problems.append("The document was not signed by this issuer.")
    if status.coverage is None or status.coverage.name != "ENTIRE_FILE":
        problems.append("Something was added to the document after it was signed.")
    return SignatureCheck(not problems, tuple(problems), reason, status.signer_reported_dt)
