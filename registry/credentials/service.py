"""Issuing and checking passport credentials: the registry's keys, its DID documents and the status list.

This is the domain half: it signs what it is given and checks what it is sent. Which view of a
passport a caller may have signed, and what a verifier may learn from the comparison with the
stored version, is decided in `registry.access.credentials`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pyoxigraph import Triple

from registry.credentials import did, vc
from registry.credentials.keys import KeyRing
from registry.credentials.status import LIST_SIZE, StatusList, encode
from registry.errors import CredentialRejected, MalformedInput, NotFound
from registry.passports.model import PassportRecord
from registry.passports.naming import id_from_iri


@dataclass(frozen=True)
class Checked:
    """A credential whose signature and issuer hold; what it says about which passport version."""

    credential: dict[str, Any]
    issuer: str
    key: str
    organisation: str | None
    passport_id: str
    version: int
    filtered: bool
    status_index: int | None
    triples: list[Triple]
    untp: dict[str, Any] | None = None  # a UNTP passport's credentialSubject (its content is JSON, not our graph)


class CredentialService:
    def __init__(self, keys: KeyRing, status: StatusList, base: str, max_bytes: int = vc.DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes  # the largest credential accepted for checking (MPR_MAX_BODY_BYTES)
        self.keys = keys
        self.status = status
        self.base = base.rstrip("/")
        self.registry_did = did.registry_did(self.base)

    # --- identity ------------------------------------------------------------------------------

    def did_document(self, organisation: str | None = None) -> dict[str, Any]:
        subject = did.issuer_did(self.base, organisation)
        return did.document(subject, self.registry_did, self.keys.keys())

    def registry_document_at(self, path: str) -> dict[str, Any]:
        """The registry's document if did:web resolves its DID to `path` (below the base URL); else 404.

        `/did.json` is where `did:web:host:path` points; for a base without a path nothing is there."""
        if path != did.registry_document_path(self.base):
            raise NotFound(f"the registry's DID ({self.registry_did}) resolves to "
                           f"{did.registry_document_path(self.base)} below {self.base}, not {path}")
        return self.did_document()

    # --- issuing -------------------------------------------------------------------------------

    def issue(self, record: PassportRecord, version: int, triples: list[Triple], filtered: bool) -> str:
        """The version as a credential issued for its owner organisation, signed with the current key."""
        issuer = did.issuer_did(self.base, record.owner)
        credential: dict[str, Any] = {
            "@context": [vc.VC_CONTEXT, vc.MPR_CONTEXT],
            "id": f"urn:uuid:{uuid.uuid4()}",
            "type": ["VerifiableCredential", "MaterialPassportCredential"],
            "name": record.title or f"Material passport {record.id}",
            "issuer": {"id": issuer, "name": record.owner or "the registry"},
            "validFrom": vc.now_text(),
            "passportVersion": version,
            "restrictedContentOmitted": filtered,
            "credentialSubject": vc.subject_of(triples, record.iri),
            "credentialStatus": self.status.entry(self.status.index(record.iri, version)),
        }
        return vc.sign(credential, self.keys.current(), issuer)

    def sign_untp(self, record: PassportRecord, version: int, document: dict[str, Any]) -> str:
        """A UNTP Digital Product Passport secured like the registry's own credentials (same key, same
        revocation entry as the passport version it was made from)."""
        status = self.status.entry(self.status.index(record.iri, version))
        return vc.sign({**document, "credentialStatus": status}, self.keys.current(), vc.issuer_id(document) or "")

    def status_list_credential(self) -> str:
        """The Bitstring Status List credential (section 2.2), signed by the registry itself."""
        credential = {
            "@context": [vc.VC_CONTEXT],
            "id": self.status.url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": self.registry_did,
            "validFrom": vc.now_text(),
            "credentialSubject": {"id": f"{self.status.url}#list", "type": "BitstringStatusList",
                                  "statusPurpose": "revocation", "encodedList": encode(self.status.revoked())},
        }
        return vc.sign(credential, self.keys.current(), self.registry_did)

    # --- checking ------------------------------------------------------------------------------

    def check(self, token: bytes) -> Checked:
        """Signature, key and issuer against this registry's DID documents; then what the credential names."""
        unverified = vc.decode(token, self.max_bytes)
        try:
            organisation = did.organisation_of(self.base, unverified.did)
        except ValueError as exc:
            raise CredentialRejected(f"the credential was not signed by this registry: {exc}") from exc
        if self.keys.find(unverified.kid.split("#", 1)[1]) is None:
            raise CredentialRejected(f"unknown key {unverified.kid[:300]!r}: this registry never published it")
        credential = vc.verify_offline(unverified, self.did_document(organisation))
        return self._read(credential, unverified, organisation)

    def _read(self, credential: dict[str, Any], unverified: vc.Unverified, organisation: str | None) -> Checked:
        if "DigitalProductPassport" in vc.types_of(credential):
            return self._read_untp(credential, unverified, organisation)
        subject = credential.get("credentialSubject")
        iri = vc.subject_id(subject)
        passport_id = id_from_iri(self.base, iri) if iri is not None else None
        version = credential.get("passportVersion")
        if passport_id is None or not isinstance(version, int) or isinstance(version, bool):
            raise MalformedInput("the credential names no passport of this registry and version")
        assert isinstance(subject, dict) and isinstance(iri, str)
        return Checked(
            credential=credential, issuer=unverified.did, key=unverified.kid, organisation=organisation,
            passport_id=passport_id, version=version,
            filtered=credential.get("restrictedContentOmitted") is True,
            status_index=self._status_index(credential), triples=vc.triples_of(subject, iri),
        )

    def _read_untp(self, credential: dict[str, Any], unverified: vc.Unverified, organisation: str | None) -> Checked:
        """A UNTP passport names its passport in `credentialSubject.id` and the version in its own `id`."""
        subject = credential.get("credentialSubject")
        iri = subject.get("id") if isinstance(subject, dict) else None
        passport_id = id_from_iri(self.base, iri) if isinstance(iri, str) else None
        own = credential.get("id")
        query = parse_qs(urlsplit(own).query) if isinstance(own, str) else {}
        version = query.get("version", [""])[0]
        if passport_id is None or not version.isdigit() or own != f"{iri}/untp?version={version}":
            raise MalformedInput("the UNTP passport names no passport version of this registry")
        assert isinstance(subject, dict)
        return Checked(
            credential=credential, issuer=unverified.did, key=unverified.kid, organisation=organisation,
            passport_id=passport_id, version=int(version), filtered=False,
            status_index=self._status_index(credential), triples=[], untp=subject,
        )

    def _status_index(self, credential: dict[str, Any]) -> int | None:
        status = credential.get("credentialStatus")
        if not isinstance(status, dict) or status.get("statusListCredential") != self.status.url:
            return None
        index = str(status.get("statusListIndex", ""))
        return int(index) if index.isdigit() and int(index) < LIST_SIZE else None

    def revoked(self, index: int | None) -> bool:
        return index is not None and self.status.revoked_index(index)

    def revoke(self, record: PassportRecord, version: int) -> int:
        return self.status.revoke(record.iri, version)

