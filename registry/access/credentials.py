"""Credentials as a given caller may have them: only what the caller may read is signed, and a
verifier learns nothing from the comparison with the stored version that it could not read itself.

- A credential holds the view of `registry.access.passports.content`: a caller without the right to
  restricted properties gets a credential without them, marked `restrictedContentOmitted: true`.
- Verification is open to anyone (a credential is meant to be checked by whoever holds it). The
  comparison with the stored version runs on the caller's own view: an anonymous verifier holding
  an owner's full credential learns whether the public part matches, never anything about the
  restricted part beyond what the credential it holds already says. Where the caller may not read
  the passport at all, the comparison is not made and the answer says so (as for an unknown one).
- Revoking is a write: the owner organisation or an admin, with the 404 of a read for outsiders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyoxigraph import NamedNode, Triple

from registry import untp
from registry.access.passports import AccessControlledPassports
from registry.access.projection import public_view
from registry.access.records import View
from registry.credentials import did
from registry.credentials.service import Checked, CredentialService
from registry.errors import Gone, NotFound
from registry.passports.model import Agent


@dataclass(frozen=True)
class Verification:
    checked: Checked
    revoked: bool
    content: str  # "matches" | "differs" | "not checked: ..."
    current: bool | None  # is the credential's version the passport's current one (None: not visible)

    @property
    def verified(self) -> bool:
        return not self.revoked and self.content == "matches"

    def as_dict(self) -> dict[str, Any]:
        c = self.checked
        return {
            "verified": self.verified,
            "passport": c.passport_id,
            "version": c.version,
            "issuer": c.issuer,
            "key": c.key,
            "restrictedContentOmitted": c.filtered,
            "checks": {
                "signature": "valid",
                "issuer": f"{c.issuer} (key controlled by this registry)",
                "status": "revoked" if self.revoked else "active" if c.status_index is not None else "no status entry",
                "content": self.content,
                "current": self.current,
            },
        }


class AccessControlledCredentials:
    def __init__(
        self, credentials: CredentialService, passports: AccessControlledPassports, restricted: frozenset[NamedNode],
        label: Callable[[str], str],
    ) -> None:
        self.label = label  # a concept's preferred label (materials in the UNTP export)
        self.credentials = credentials
        self.passports = passports
        self.restricted = restricted

    def did_document(self, organisation: str | None = None) -> dict[str, Any]:
        """Public by nature: keys and controller only, the same for every name (no organisation list leaks)."""
        return self.credentials.did_document(organisation)

    def registry_document_at(self, path: str) -> dict[str, Any]:
        """Public as `did_document`: where did:web looks for the registry's DID below a base URL with a path."""
        return self.credentials.registry_document_at(path)

    def status_list(self) -> str:
        return self.credentials.status_list_credential()

    def issue(self, agent: Agent, passport_id: str, version: int | None = None) -> str:
        view = self.passports.content(agent, passport_id, version)
        return self.credentials.issue(view.record, view.version, view.triples, filtered=not view.full)

    def untp(self, agent: Agent, passport_id: str, version: int | None = None) -> dict[str, Any]:
        """The UNTP Digital Product Passport of what the caller may read of a product passport."""
        return self._untp(self.passports.content(agent, passport_id, version))

    def untp_signed(self, agent: Agent, passport_id: str, version: int | None = None) -> str:
        """The same export as a VC-JOSE credential, revocable with the passport version's other credentials."""
        view = self.passports.content(agent, passport_id, version)
        return self.credentials.sign_untp(view.record, view.version, self._untp(view))

    def _untp(self, view: View) -> dict[str, Any]:
        owner, base = view.record.owner, self.credentials.base
        inputs = untp.Inputs(base=base, issuer_did=did.issuer_did(base, owner), issuer_name=owner or "the registry",
                             label=self.label)
        return untp.export(view.triples, view.record.iri, view.version, inputs, view.record.modified)

    def revoke(self, agent: Agent, passport_id: str, version: int | None = None) -> dict[str, Any]:
        record = self.passports.check_change(agent, passport_id)
        shown = version or record.version
        if shown > record.version:
            raise NotFound(f"passport {passport_id!r} has no version {shown} (current: {record.version})")
        index = self.credentials.revoke(record, shown)
        return {"passport": passport_id, "version": shown, "status": "revoked", "statusListIndex": index,
                "statusListCredential": self.credentials.status.url}

    def verify(self, agent: Agent, token: bytes) -> Verification:
        checked = self.credentials.check(token)
        revoked = self.credentials.revoked(checked.status_index)
        try:
            view = self.passports.content(agent, checked.passport_id, checked.version)
        except (NotFound, Gone):
            return Verification(checked, revoked, "not checked: no such passport version is visible to you", None)
        if view.record.owner != checked.organisation:
            return Verification(checked, revoked, "differs: the issuer is not the passport's owner", None)
        if checked.untp is not None:
            again = self.untp(agent, checked.passport_id, checked.version)["credentialSubject"]
            content = "matches" if again == checked.untp else "differs"
            return Verification(checked, revoked, content, view.version == view.record.version)
        held = checked.triples if view.full and not checked.filtered else self._public(checked.triples)
        stored = view.triples if not checked.filtered else self._public(view.triples)
        content = "matches" if set(held) == set(stored) else "differs"
        return Verification(checked, revoked, content, view.version == view.record.version)

    def _public(self, triples: list[Triple]) -> list[Triple]:
        return public_view(triples, self.restricted)
