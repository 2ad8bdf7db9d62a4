"""Plain value types the passport service hands out; the HTTP and CLI layers turn them into JSON or text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from pyoxigraph import Triple

from registry.naming import Names, local_name


@dataclass(frozen=True)
class Agent:
    """Who makes a change: recorded in the history as a prov:Agent acting for an organisation."""

    name: str
    organisation: str | None = None
    role: str = "anonymous"


@dataclass(frozen=True)
class WriteResult:
    id: str
    iri: str
    version: int
    triples: int
    warnings: int = 0

    @property
    def etag(self) -> str:
        return etag_for(self.id, self.version)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "iri": self.iri, "version": self.version, "triples": self.triples,
                "warnings": self.warnings}


@dataclass(frozen=True)
class PassportRecord:
    id: str
    iri: str
    version: int
    status: str  # "active" | "withdrawn"
    created: str
    modified: str
    title: str | None = None
    owner: str | None = None  # the organisation whose account created it (prov:wasAttributedTo)
    visibility: str = "public"  # "public" | "restricted" (mpr:visibility in the content)

    @property
    def etag(self) -> str:
        return etag_for(self.id, self.version)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Published:
    """Who owns a record and the visibility ("public" or "restricted") each of its versions was published with."""

    owner: str | None
    visibilities: dict[int, str]


@dataclass(frozen=True)
class ChangeInfo:
    version: int
    kind: str  # "created" | "updated" | "withdrawn"
    time: str
    agent: str
    organisation: str | None
    reason: str | None
    added: int
    removed: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Diff:
    from_version: int
    to_version: int
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # the same changes for people: subject and object named (registry/naming.py), property by its local name
    changes: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.from_version, "to": self.to_version, "added": self.added,
                "removed": self.removed, "changes": self.changes}


def _readable(change: str, t: Triple, names: Names) -> dict[str, str]:
    return {"change": change, "subject": names.term(t.subject), "property": local_name(t.predicate.value),
            "value": names.term(t.object)}


def diff_of(from_version: int, to_version: int, old: Iterable[Triple], new: Iterable[Triple]) -> Diff:
    old_set, new_set = set(old), set(new)
    added, removed = new_set - old_set, old_set - new_set
    # a removed triple is named as its version called things, an added one as the new version does
    old_names, new_names = Names(old_set), Names(new_set)
    changes = sorted([_readable("removed", t, old_names) for t in removed]
                     + [_readable("added", t, new_names) for t in added],
                     key=lambda c: (c["subject"], c["property"], c["change"] != "removed", c["value"]))
    return Diff(
        from_version,
        to_version,
        added=sorted(f"{t.subject} {t.predicate} {t.object} ." for t in added),
        removed=sorted(f"{t.subject} {t.predicate} {t.object} ." for t in removed),
        changes=changes,
    )


@dataclass(frozen=True)
class Page:
    items: list[PassportRecord]
    total: int
    offset: int
    limit: int


def etag_for(passport_id: str, version: int) -> str:
    return f'"{passport_id}-v{version}"'
