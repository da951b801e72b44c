"""Secrets Faktura keeps for accounts (an SMTP password) are encrypted at rest with a key of
the installation: FAKTURA_SECRET_KEY, or one made once in the file store's directory."""

import base64
import hashlib
import hmac
import os
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from faktura.config import Settings


class SecretUnreadable(Exception):
    """Encrypted with another key than this installation's."""


def _key_file(settings: Settings) -> Path:
    return settings.files_dir / "secret.key"


def _installation_key(settings: Settings) -> bytes:
    if settings.secret_key:
        return settings.secret_key.encode()
    path = _key_file(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(descriptor, "wb") as file:
                file.write(base64.urlsafe_b64encode(os.urandom(32)))
    return path.read_bytes().strip()


@cache
def _fernet(key: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key).digest()))


def encrypt(settings: Settings, secret: str) -> str:
    return _fernet(_installation_key(settings)).encrypt(secret.encode()).decode()


def decrypt(settings: Settings, token: str) -> str:
    try:
        return _fernet(_installation_key(settings)).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable(
            "A stored secret cannot be read with this installation's FAKTURA_SECRET_KEY"
        ) from exc


def derived_key(settings: Settings, purpose: str) -> bytes:
    """A key for one purpose (signing the test payment provider's notifications, say), derived
    from the installation's: the same on every process, never the installation key itself."""
    return hmac.new(_installation_key(settings), purpose.encode(), hashlib.sha256).digest()
