"""The registry's signing keys: Ed25519, made on first start, kept in the data folder, never served.

Why files and not the store: a private key must never reach a SPARQL answer, a backup of the public
store or a log; a file readable by the registry's user only (0600, in a 0700 folder) keeps it out of
every query path. Why a ring: rotation (`mpr keys rotate`) adds a key and signs with it from then
on, but the older keys stay in the DID documents so that credentials they signed still verify.

Several API workers starting on an empty folder race to make the first key; each writes its key to
a private temporary file and links it to `key-0001.jwk`, which only one link can win (`os.link`
fails on an existing name), and every worker then reads the winner's key.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from joserfc.jwk import OKPKey

from registry.errors import StoreError

log = logging.getLogger("registry.credentials")
CURVE: Final = "Ed25519"
PREFIX, SUFFIX = "key-", ".jwk"
FILE_MODE, FOLDER_MODE = 0o600, 0o700


@dataclass(frozen=True)
class SigningKey:
    """One key of the ring: `kid` is its RFC 7638 JWK thumbprint, so the name follows from the key."""

    number: int
    kid: str
    created: str
    key: OKPKey

    def public_jwk(self) -> dict[str, str]:
        public = self.key.as_dict(private=False)
        return {"kty": str(public["kty"]), "crv": str(public["crv"]), "x": str(public["x"])}


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


class KeyRing:
    """The keys in `folder`, read afresh on every call, so a rotation by the CLI reaches running workers."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _files(self) -> list[tuple[int, Path]]:
        numbered = []
        for path in self.folder.glob(f"{PREFIX}*{SUFFIX}"):
            digits = path.name[len(PREFIX):-len(SUFFIX)]
            if digits.isdigit():
                numbered.append((int(digits), path))
        return sorted(numbered)

    def _read(self, number: int, path: Path) -> SigningKey:
        if path.stat().st_mode & 0o077:  # e.g. restored from a backup by a tool that widened it
            log.warning("signing key %s was readable by others; narrowing it to 0600", path)
            os.chmod(path, FILE_MODE)
        stored = json.loads(path.read_text(encoding="utf-8"))
        key = OKPKey.import_key(stored["jwk"])
        return SigningKey(number, key.thumbprint(), stored["created"], key)

    def keys(self) -> list[SigningKey]:
        """Every key, oldest first; the first call on an empty folder makes one."""
        files = self._files()
        if not files:
            self._add(1)
            files = self._files()
        return [self._read(number, path) for number, path in files]

    def current(self) -> SigningKey:
        return self.keys()[-1]

    def find(self, kid: str) -> SigningKey | None:
        return next((k for k in self.keys() if k.kid == kid), None)

    def rotate(self) -> SigningKey:
        """Add a key that signs from now on; the old ones stay for verification."""
        files = self._files()
        number = (files[-1][0] if files else 0) + 1
        if not self._add(number):
            raise StoreError(f"another process added key {number} at the same time; run the rotation again")
        return self.current()

    def _add(self, number: int) -> bool:
        """Write key `number`; False when another process wrote that number first."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
        os.chmod(self.folder, FOLDER_MODE)
        key = OKPKey.generate_key(CURVE, private=True)
        created = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        text = json.dumps({"created": created, "jwk": key.as_dict(private=True)})
        temporary = self.folder / f".new-{secrets.token_hex(8)}"
        _write_private(temporary, text)
        try:
            os.link(temporary, self.folder / f"{PREFIX}{number:04d}{SUFFIX}")
        except FileExistsError:
            return False
        finally:
            temporary.unlink()
        return True
