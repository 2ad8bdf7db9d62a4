"""/admin/tokens: admins make, list and revoke tokens over HTTP (what `mpr token create --url` uses while
`mpr serve` holds the store), and a token made that way works at once."""

from __future__ import annotations

from datetime import date, timedelta

from tests.conftest import AUTH

TURTLE = {"Content-Type": "text/turtle"}


def _create(client, **fields):
    return client.post("/admin/tokens", json={"organisation": "acme", "role": "builder", **fields}, headers=AUTH)


def test_a_created_token_is_answered_once_and_writes_at_once(client, passport_ttl):
    created = _create(client, label="site office")
    assert created.status_code == 201, created.text
    secret = created.json()["token"]
    assert created.headers["location"] == f"/admin/tokens/{created.json()['id']}"
    put = client.put("/passports/p", content=passport_ttl, headers={**TURTLE, "Authorization": f"Bearer {secret}"})
    assert put.status_code == 201, put.text


def test_the_list_names_tokens_but_never_their_secrets(client):
    secret = _create(client, label="site office").json()["token"]
    listed = client.get("/admin/tokens", headers=AUTH)
    assert [t["label"] for t in listed.json()["tokens"]] == ["site office"]
    token_id, secret_part = secret.removeprefix("mpr_").split("_", 1)
    assert token_id in listed.text
    assert secret_part not in listed.text


def test_an_already_expired_token_is_made_with_a_warning(client):
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    created = _create(client, expires=yesterday)
    assert created.status_code == 201
    assert created.json()["warning"] == f"this token expired on {yesterday}: every request with it gets 401"


def test_a_revoked_token_is_refused(client):
    made = _create(client).json()
    assert client.delete(f"/admin/tokens/{made['id']}", headers=AUTH).json()["revoked"] is True
    assert client.get("/health", headers={"Authorization": f"Bearer {made['token']}"}).status_code == 401


def test_only_admins_create_tokens(client):
    _, builder = client.app.state.registry.tokens.create("acme", "builder")
    answer = client.post("/admin/tokens", json={"organisation": "acme", "role": "admin"},
                         headers={"Authorization": f"Bearer {builder}"})
    assert answer.status_code == 403
    assert client.app.state.registry.tokens.list()[-1].role == "builder"


def test_a_request_naming_an_unknown_role_is_400_naming_it(client):
    answer = _create(client, role="emperor")
    assert answer.status_code == 400 and "unknown role 'emperor'" in answer.json()["detail"]


def test_a_request_with_an_unknown_field_is_400_naming_it(client):
    answer = _create(client, colour="red")
    assert answer.status_code == 400 and "colour" in answer.json()["detail"]


def test_a_request_that_is_not_json_is_400(client):
    answer = client.post("/admin/tokens", content=b"organisation=acme", headers=AUTH)
    assert answer.status_code == 400


def test_an_oversized_request_is_413_before_parsing(client):
    answer = client.post("/admin/tokens", content=b"{" + b" " * 5000 + b"}", headers=AUTH)
    assert answer.status_code == 413


def test_revoking_an_id_that_is_no_token_id_is_404(client):
    assert client.delete("/admin/tokens/not%20an%20id", headers=AUTH).status_code == 404
    assert client.delete("/admin/tokens/000000000000", headers=AUTH).status_code == 404
