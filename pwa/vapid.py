"""The server's VAPID key pair: what it signs pushes with, and what browsers subscribe with.

``flask --app pwa vapid generate`` writes the private key to
``instance/vapid_private.pem`` (mode 600; ``SKILLPATH_VAPID_FILE`` names
another file, empty: none); ``make run`` does so on first run.
``VAPID_PRIVATE_KEY`` in the environment (PEM, or base64url of the DER or of
the raw 32-byte key) overrides the file, so several app servers and workers
share one key; ``VAPID_PUBLIC_KEY``, if given, must be that key's public half.
With neither, push is off: the app says reminders are not set up here.

Keys are made and read by ``py_vapid`` (pywebpush's own VAPID library); this
module only finds them.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from cryptography.hazmat.primitives import serialization
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from py_vapid import Vapid


@dataclass(frozen=True)
class Keys:
    """The key pair: the signer pywebpush takes, and the public key browsers take."""

    vapid: Any  # py_vapid.Vapid
    public: str  # base64url of the uncompressed P-256 point (applicationServerKey)


def public_of(vapid: Any) -> str:
    """The base64url uncompressed point browsers take as ``applicationServerKey``."""
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962,
                                        serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _read(text: str) -> Any:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        return Vapid.from_pem(text.encode())
    return Vapid.from_string(text)


def load(config: dict[str, Any]) -> Keys | None:
    """The configured key pair, or None when push is not set up.

    Raises:
        RuntimeError: a key that cannot be read, or a public key that is not
            the private key's (a deployment error to stop at start, not at 7:30).
    """
    text = config.get("VAPID_PRIVATE_KEY")
    source = "VAPID_PRIVATE_KEY"
    if not text:
        if not config.get("SKILLPATH_VAPID_FILE"):
            return None
        path = Path(config["SKILLPATH_VAPID_FILE"])
        if not path.exists():
            return None
        text, source = path.read_text(), str(path)
    try:
        vapid = _read(text)
    except Exception as exc:  # py_vapid raises whatever cryptography or base64 raised
        raise RuntimeError(f"The VAPID private key in {source} cannot be read: {exc}") from exc
    public = public_of(vapid)
    given = config.get("VAPID_PUBLIC_KEY")
    if given and given.strip().rstrip("=") != public:
        raise RuntimeError("VAPID_PUBLIC_KEY is not the public half of VAPID_PRIVATE_KEY")
    return Keys(vapid, public)


def keys() -> Keys | None:
    """The app's key pair (read once per app)."""
    app = current_app
    if "skillpath_vapid" not in app.extensions:
        app.extensions["skillpath_vapid"] = load(app.config)
    found: Keys | None = app.extensions["skillpath_vapid"]
    return found


def generate(file: str) -> tuple[Path, bool]:
    """Write a new private key unless one is there; (its path, whether it was written).

    The file is created with mode 600 in one step (never world-readable, not
    even for an instant) and never overwritten: a new key would silently end
    every subscription browsers made with the old one.
    """
    path = Path(file)
    path.parent.mkdir(parents=True, exist_ok=True)
    vapid = Vapid()
    vapid.generate_keys()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path, False
    with os.fdopen(fd, "wb") as out:
        out.write(vapid.private_pem())
    return path, True


vapid_cli = AppGroup("vapid", help="The VAPID key pair that signs push notifications.")


@vapid_cli.command("generate")
@with_appcontext
def generate_command() -> None:
    """Write instance/vapid_private.pem (mode 600) if there is none; print the public key."""
    if current_app.config.get("VAPID_PRIVATE_KEY"):
        click.echo("VAPID_PRIVATE_KEY is set in the environment: it is used, no file written.")
    elif not current_app.config.get("SKILLPATH_VAPID_FILE"):
        raise click.ClickException("SKILLPATH_VAPID_FILE is empty: there is no file to write.")
    else:
        path, written = generate(current_app.config["SKILLPATH_VAPID_FILE"])
        click.echo(f"{'Wrote' if written else 'Kept the key already in'} {path}.")
    found = load(current_app.config)
    assert found is not None
    click.echo(f"Public key (VAPID_PUBLIC_KEY): {found.public}")
