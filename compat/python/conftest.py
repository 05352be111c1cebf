"""Shared set-up for the Python part of the compatibility suite (auth0-python, current major).

compat/run starts `orgwarden serve`, then runs pytest here with:
  ORGWARDEN_ADMIN_CLIENT   path of <data-dir>/admin-client.json (client_id, client_secret, domain)
  SSL_CERT_FILE            <data-dir>/tls/ca.pem: httpx (ManagementClient, its TokenProvider) trusts it
  REQUESTS_CA_BUNDLE       the same, for requests (GetToken and the authentication API)
  COMPAT_RUN_ID            a short suffix that keeps this run's names apart from other runs

Nothing here changes what the SDK sends or how it reads answers. The recorder below wraps
httpx.Client.send (the management clients) and requests.Session.send (the authentication clients,
the TokenVerifier's JWKS fetch) only to remember the exchanges (it calls the real send and returns
its response untouched), so that a failing test can print the exact request and answer for the
report.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import string
from collections import deque

import httpx
import pytest
import requests

from auth0.authentication import GetToken
from auth0.authentication.exceptions import Auth0Error
from auth0.management import Auth0, ManagementClient
from auth0.management.core.api_error import ApiError

ADMIN_PATH = os.environ.get("ORGWARDEN_ADMIN_CLIENT")
if not ADMIN_PATH:
    raise RuntimeError("ORGWARDEN_ADMIN_CLIENT is not set: run the suite with compat/run")

with open(ADMIN_PATH, encoding="utf-8") as f:
    ADMIN = json.load(f)
DOMAIN = os.environ.get("ORGWARDEN_DOMAIN") or ADMIN["domain"]
AUDIENCE = f"https://{DOMAIN}/api/v2/"
RUN_ID = (os.environ.get("COMPAT_RUN_ID") or "".join(random.choices(string.ascii_lowercase + string.digits, k=6))).lower()

_seq = itertools.count(1)


def unique_name(prefix: str) -> str:
    """A name unique to this run: lowercase letters, digits and dashes."""
    return f"{prefix}-p{RUN_ID}-{next(_seq)}"


# ---- traffic recorder (observation only) ----
_EXCHANGES: deque = deque(maxlen=50)
_real_send = httpx.Client.send


def _redact(text: str) -> str:
    import re

    text = re.sub(r"(client_secret=)[^&]+", r"\1…", text)
    text = re.sub(r'("client_secret"\s*:\s*")[^"]+', r"\1…", text)
    text = re.sub(r'("access_token"\s*:\s*")[^"]+', r"\1…", text)
    text = re.sub(r'("id_token"\s*:\s*")[^"]+', r"\1…", text)
    return text[:2000]


def _recording_send(self, request, *args, **kwargs):
    entry = {"method": request.method, "url": str(request.url)}
    try:
        body = request.content
        if body:
            entry["body"] = _redact(body.decode("utf-8", "replace"))
    except Exception:  # streaming request bodies are not read here
        entry["body"] = "[stream]"
    _EXCHANGES.append(entry)
    response = _real_send(self, request, *args, **kwargs)
    entry["status"] = response.status_code
    try:
        entry["response"] = _redact(response.content.decode("utf-8", "replace"))
    except Exception:
        entry["response"] = "[not read]"
    return response


httpx.Client.send = _recording_send

_real_requests_send = requests.Session.send


def _recording_requests_send(self, request, **kwargs):
    entry = {"method": request.method, "url": request.url}
    body = request.body
    if body:
        entry["body"] = _redact(body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body))
    _EXCHANGES.append(entry)
    response = _real_requests_send(self, request, **kwargs)
    entry["status"] = response.status_code
    entry["response"] = _redact(response.text)
    return response


requests.Session.send = _recording_requests_send


def last_exchanges(n: int = 3) -> str:
    out = []
    for e in list(_EXCHANGES)[-n:]:
        line = f"{e['method']} {e['url']}"
        if e.get("body"):
            line += f" body={e['body']}"
        line += f"\n  <- {e.get('status')} {e.get('response', '')}"
        out.append(line)
    return "\n".join(out)


def check(cond, what: str) -> None:
    assert cond, f"{what}\nlast exchanges:\n{last_exchanges()}"


def expect_sdk_error(fn, *, type=ApiError, status_code, error_code=None, message=None):
    """Call fn, which must raise the SDK's error; check status, errorCode and message. Returns the error."""
    try:
        result = fn()
        # pagers: a list call only fails when its first page is fetched, which happens in the call
    except ApiError as e:
        err = e
    else:
        raise AssertionError(f"expected {type.__name__} ({status_code}); got {result!r}\n{last_exchanges()}")
    ctx = f"\n{err.__class__.__name__}: {err}\nlast exchanges:\n{last_exchanges()}"
    assert isinstance(err, type), f"expected {type.__name__}, got {err.__class__.__name__}{ctx}"
    assert err.status_code == status_code, f"status_code{ctx}"
    body = err.body if isinstance(err.body, dict) else {}
    assert body.get("statusCode") == status_code, f"body.statusCode{ctx}"
    if error_code is not None:
        assert body.get("errorCode") == error_code, f"body.errorCode{ctx}"
    if message is not None:
        import re

        if isinstance(message, re.Pattern):
            assert message.search(body.get("message", "")), f"body.message{ctx}"
        else:
            assert body.get("message") == message, f"body.message{ctx}"
        assert str(body.get("message")) in str(err), f"str(error) should include the body's message{ctx}"
    return err


def expect_auth_error(fn, *, status_code, error_code, message=None):
    """Call fn, an authentication-client call that must fail; check the SDK's Auth0Error carries
    the status, the error code and the description it read from the answer. Returns the error."""
    try:
        result = fn()
    except Auth0Error as e:
        err = e
    else:
        raise AssertionError(f"expected Auth0Error ({status_code}); got {result!r}\n{last_exchanges()}")
    ctx = f"\n{err.__class__.__name__}: {err}\nlast exchanges:\n{last_exchanges()}"
    assert err.status_code == status_code, f"status_code{ctx}"
    assert err.error_code == error_code, f"error_code{ctx}"
    if message is not None:
        assert err.message == message, f"message{ctx}"
    return err


@pytest.fixture(scope="session")
def admin():
    return ADMIN


@pytest.fixture(scope="session")
def client() -> ManagementClient:
    """The ManagementClient exactly as a user builds it; the SDK gets its own token."""
    return ManagementClient(domain=DOMAIN, client_id=ADMIN["client_id"], client_secret=ADMIN["client_secret"])


@pytest.fixture(scope="session")
def token() -> str:
    """A Management API token from the authentication API's client-credentials grant."""
    got = GetToken(DOMAIN, ADMIN["client_id"], client_secret=ADMIN["client_secret"]).client_credentials(AUDIENCE)
    return got["access_token"]


@pytest.fixture(scope="session")
def lowlevel(token) -> Auth0:
    """The lower-level generated client with an explicit base URL (the README's override)."""
    return Auth0(base_url=f"https://{DOMAIN}/api/v2", token=token)
