"""Domain errors. They say what went wrong in the user's terms; the HTTP layer maps them to codes in one place."""

from __future__ import annotations

from typing import Any


class RegistryError(Exception):
    """Base of every error the registry reports to a user."""

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class MalformedInput(RegistryError):
    """The body could not be parsed (bad Turtle, JSON-LD, SPARQL ...)."""


class InvalidParameter(RegistryError):
    """A query parameter or option names something that does not exist (e.g. an unknown engine)."""


class UnsupportedMediaType(RegistryError):
    """The body's media type is not one we read."""


class NotAcceptable(RegistryError):
    """None of the media types the client accepts can be produced."""


class BodyTooLarge(RegistryError):
    """The body is over the configured limit."""


class NotFound(RegistryError):
    """No such passport, version or resource."""


class Gone(RegistryError):
    """The passport was withdrawn; its history remains."""


class PreconditionFailed(RegistryError):
    """If-Match named a version that is no longer current."""


class Conflict(RegistryError):
    """The write collides with the current state (e.g. the id is taken)."""


class InvalidPassport(RegistryError):
    """SHACL validation found violations; nothing was stored."""


class InvalidFactorSet(RegistryError):
    """A carbon factor set with values that do not say what they are (material, module, edition, indicator,
    declared unit, source, licence) or would be counted twice; the problems name row and column; nothing stored."""


class NotComputable(RegistryError):
    """A stored passport holds data a computation cannot use (stored before the shapes tightened, or written
    by a raw SPARQL update): that passport gets this answer, shared reports leave it out with a note."""


class CredentialRejected(RegistryError):
    """A credential whose proof does not hold: forged or changed, signed by a key nobody published, or
    issued by someone else. Nothing about it is stored."""


class Unauthorized(RegistryError):
    """No or bad credentials."""


class Forbidden(RegistryError):
    """Credentials are fine but do not give this right."""


class QueryRefused(RegistryError):
    """The SPARQL request uses something the endpoint never runs (SERVICE, LOAD, updates without rights)."""


class QueryTimeout(RegistryError):
    """The query ran past its time limit."""


class Busy(RegistryError):
    """Too many queries at once; retry later."""


class StoreUnavailable(RegistryError):
    """The triple store cannot be reached or did not answer in time."""


class StoreError(RegistryError):
    """The triple store answered with an error we did not expect."""
