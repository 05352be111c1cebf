"""Rate limits as a client lives them: orgwarden answers 429 (with Retry-After and the
X-RateLimit headers) or 503 for the next requests, set through its fault-injection endpoint,
and auth0-python's own retry rides through without any help from the test."""

import time

import httpx

from conftest import ADMIN, AUDIENCE, DOMAIN, unique_name

BASE = f"https://{DOMAIN}"


def admin_token() -> str:
    r = httpx.post(
        f"{BASE}/oauth/token",
        json={"grant_type": "client_credentials", "client_id": ADMIN["client_id"], "client_secret": ADMIN["client_secret"], "audience": AUDIENCE},
    )
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def faults(token: str, rule: dict | None = None):
    headers = {"authorization": f"Bearer {token}"}
    if rule is None:
        r = httpx.get(f"{BASE}/orgwarden/v1/faults", headers=headers)
        assert r.status_code == 200, r.text
    else:
        r = httpx.post(f"{BASE}/orgwarden/v1/faults", headers=headers, json=rule)
        assert r.status_code == 201, r.text
    return r.json()


def test_two_429s_then_the_sdk_retry_succeeds(client):
    org = client.organizations.create(name=unique_name("retry-org"))
    try:
        token = admin_token()
        path = f"/api/v2/organizations/{org.id}/enabled_connections"
        faults(token, {"method": "GET", "path": path, "action": "rate_limit", "count": 2})
        started = time.monotonic()
        page = client.organizations.enabled_connections.list(org.id)
        assert list(page) == []
        assert time.monotonic() - started >= 0.9, "the SDK waited for Retry-After before retrying"
        assert faults(token) == [], "both injected 429s were answered, then the retry got through"
    finally:
        client.organizations.delete(org.id)


def test_a_503_once_then_the_sdk_retry_succeeds(client):
    org = client.organizations.create(name=unique_name("retry5xx-org"))
    try:
        token = admin_token()
        faults(token, {"method": "GET", "path": f"/api/v2/organizations/{org.id}", "action": "error", "status": 503})
        got = client.organizations.get(org.id)
        assert got.id == org.id
        assert faults(token) == []
    finally:
        client.organizations.delete(org.id)
