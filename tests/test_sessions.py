"""Browser sessions (registry/access/sessions.py) on a real Oxigraph store: one door with the tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from registry.access.sessions import SessionService
from registry.api.app import create_app
from registry.errors import Unauthorized
from tests.conftest import ADMIN

HOUR = timedelta(hours=1)


class Clock:
    """A clock the test moves by hand: expiry is tested without waiting."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sessions(core, clock) -> SessionService:
    return SessionService(core.store, core.tokens, HOUR, clock=clock)


def test_a_session_stands_for_the_agent_of_its_token(core, sessions):
    _, token = core.tokens.create("acme", "auditor", label="audit desk")
    session = sessions.start(token)
    assert sessions.agent(session.cookie) == core.tokens.verify(token)


def test_revoking_the_token_ends_its_sessions(core, sessions):
    info, token = core.tokens.create("acme", "builder")
    session = sessions.start(token)
    core.tokens.revoke(info.id)
    assert sessions.agent(session.cookie) is None


def test_a_session_past_its_lifetime_is_anonymous(core, sessions, clock):
    _, token = core.tokens.create("acme", "builder")
    session = sessions.start(token)
    clock.now += HOUR
    assert sessions.agent(session.cookie) is None


def test_a_tampered_cookie_is_anonymous(core, sessions):
    _, token = core.tokens.create("acme", "builder")
    cookie = sessions.start(token).cookie
    forged = cookie[:-1] + ("A" if cookie[-1] != "A" else "B")
    assert sessions.agent(forged) is None


def test_sign_out_deletes_the_session_record(core, sessions):
    _, token = core.tokens.create("acme", "builder")
    cookie = sessions.start(token).cookie
    sessions.end(cookie)
    assert sessions.agent(cookie) is None
    assert core.store.triples(sessions.graph) == []


def test_signing_in_removes_expired_sessions(core, sessions, clock):
    _, token = core.tokens.create("acme", "builder")
    old = sessions.start(token)
    clock.now += 2 * HOUR
    sessions.start(token)
    subjects = {t.subject.value for t in core.store.triples(sessions.graph)}
    assert len(subjects) == 1 and old.cookie.split("_")[1] not in next(iter(subjects))


def test_the_admin_token_cannot_open_a_session(core):
    with pytest.raises(Unauthorized):
        core.auth.sign_in(ADMIN)


def test_a_wrong_token_cannot_open_a_session(sessions):
    with pytest.raises(Unauthorized):
        sessions.start("mpr_000000000000_not-a-real-secret-at-all")


def _signed_in(client, token: str):
    client.get("/signin")
    return client.post("/signin", data={"token": token, "csrf": client.cookies.get("mpr_csrf"), "next": "/"},
                       follow_redirects=False)


def test_session_cookie_is_secure_over_https(core):
    _, token = core.tokens.create("acme", "builder")
    with TestClient(create_app(core=core), base_url="https://testserver") as client:
        answer = _signed_in(client, token)
    assert answer.status_code == 303
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and v.startswith("mpr_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_a_session_cookie_does_not_authorise_writes(core, client):
    _, token = core.tokens.create("acme", "builder")
    assert _signed_in(client, token).status_code == 303
    answer = client.post("/passports", content=b"<> a <https://w3id.org/mpr#Passport> .",
                         headers={"Content-Type": "text/turtle"})
    assert answer.status_code == 401


def test_a_form_from_another_origin_is_refused(core, client):
    _, token = core.tokens.create("acme", "builder")
    client.get("/signin")
    answer = client.post("/signin", data={"token": token, "csrf": client.cookies.get("mpr_csrf")},
                         headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert answer.status_code == 403 and "mpr_session" not in answer.headers.get("set-cookie", "")


def test_every_answer_varies_by_cookie_and_signed_in_answers_are_private(core, client):
    anonymous = client.get("/passports")
    assert "Cookie" in anonymous.headers["vary"] and "cache-control" not in anonymous.headers
    _, token = core.tokens.create("acme", "builder")
    _signed_in(client, token)
    signed_in = client.get("/passports")
    assert signed_in.headers["cache-control"] == "private"
