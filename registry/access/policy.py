"""The one access rule, used by every route, the SPARQL endpoint, search, matching and the pages.

- anonymous and `exchange` callers see public passports, without restricted properties;
- the owner organisation and `auditor`/`admin` see everything of a passport;
- `builder` and `manufacturer` write only their own organisation's passports; `admin` writes any;
- `procurer` writes only its own organisation's criteria profiles (and no passports).
"""

from __future__ import annotations

import logging

from registry.errors import Forbidden, NotFound, Unauthorized
from registry.passports.model import Agent

log = logging.getLogger("registry.access")

ROLES = ("builder", "manufacturer", "exchange", "procurer", "auditor", "admin")
FULL_READERS = frozenset({"auditor", "admin"})
PASSPORT_WRITERS = frozenset({"builder", "manufacturer", "admin"})
DEMAND_WRITERS = frozenset({"exchange", "builder", "manufacturer", "admin"})
PROFILE_WRITERS = frozenset({"procurer", "admin"})


def sees_everything(agent: Agent) -> bool:
    return agent.role in FULL_READERS


def sees_full(agent: Agent, owner: str | None) -> bool:
    """Full data of one passport: restricted properties included."""
    return sees_everything(agent) or (agent.organisation is not None and agent.organisation == owner)


def check_read(
    agent: Agent, record_id: str, visibility: str, owner: str | None, noun: str = "passport"
) -> None:
    """A restricted record is answered with 404 to those who may not see it: its existence is not revealed.

    The message is the one the record service gives for an id that does not exist, word for word.
    """
    if visibility != "public" and not sees_full(agent, owner):
        raise NotFound(f"no {noun} {record_id!r}")


def check_write(
    agent: Agent, record_id: str | None = None, owner: str | None = None,
    writers: frozenset[str] = PASSPORT_WRITERS, noun: str = "passport",
) -> None:
    """May `agent` create records of this kind, or change the one `record_id` owned by `owner`?

    Refusals are logged (who, what), since a denied write is what an auditor wants to see.
    """
    if agent.role == "anonymous":
        raise Unauthorized("writing needs a token: send 'Authorization: Bearer TOKEN'")
    if agent.role not in writers:
        log.warning("refused %s (%s, %s) writing a %s", agent.name, agent.role, agent.organisation, noun)
        raise Forbidden(f"role {agent.role!r} may not write {noun}s")
    if owner is not None and agent.role != "admin" and agent.organisation != owner:
        log.warning("refused %s (%s) changing %s %s of %s", agent.name, agent.organisation, noun, record_id, owner)
        raise Forbidden(
            f"{noun} {record_id!r} belongs to organisation {owner!r}; {agent.organisation!r} may not change it"
        )


def check_admin(agent: Agent, what: str) -> None:
    if agent.role == "anonymous":
        raise Unauthorized(f"{what} needs an admin token: send 'Authorization: Bearer TOKEN'")
    if agent.role != "admin":
        raise Forbidden(f"{what} is for administrators only")
