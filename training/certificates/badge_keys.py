"""The key Open Badges credentials are signed with, and the public key set anyone checks them by.

An RSA 2048 key (RS256: the algorithm every Open Badges 3.0 verifier must support)
made at first use and kept in the instance folder as ``badges/badge-key.pem``,
readable by its owner only. Several workers may start at once: O_EXCL lets exactly
one of them write the file; the others read what it wrote. The key's id is the URL
of the public key set with the key's thumbprint as fragment, so a verifier can
dereference the ``kid`` of a token to its key (Open Badges 3.0, section 8.2).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from flask import current_app
from joserfc.jwk import KeySet, KeySetSerialization, RSAKey

from training.core.urls import external_url

KEY_FILE = "badge-key.pem"
ALGORITHM = "RS256"

_lock = threading.Lock()
_keys: dict[str, RSAKey] = {}


def key_path() -> Path:
    return Path(current_app.config["INSTANCE_PATH"]) / "badges" / KEY_FILE


def _load_or_create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process may have created the file and be writing it: wait for a whole key.
        for _ in range(200):
            pem = path.read_bytes()
            if pem.rstrip().endswith(b"-----END PRIVATE KEY-----"):
                return pem
            threading.Event().wait(0.01)
        raise RuntimeError(f"{path} holds no whole key; restore it or delete it to make a new one") from None
    pem = RSAKey.generate_key(2048, private=True).as_pem(private=True)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return pem


def signing_key() -> RSAKey:
    """The private key, with its ``kid`` (made now if the instance folder has none)."""
    path = key_path()
    cache_key = f"{path}|{current_app.config['BASE_URL']}"
    with _lock:
        key = _keys.get(cache_key)
        if key is None:
            loaded = RSAKey.import_key(_load_or_create(path))
            key = RSAKey.import_key(
                loaded.as_dict(private=True),
                parameters={"kid": key_id(loaded), "use": "sig", "alg": ALGORITHM},
            )
            _keys[cache_key] = key
    return key


def key_id(key: RSAKey) -> str:
    return f"{external_url('certificates.badge_jwks')}#{key.thumbprint()}"


def public_key_set() -> KeySetSerialization:
    """``{"keys": [...]}``: the public half only (no ``d``)."""
    return KeySet([signing_key()]).as_dict(private=False)
