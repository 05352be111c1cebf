"""Clients and client grants through auth0-python, the organization fields the current SDK offers
on create, and the AsyncManagementClient.

These tests found four server incompatibilities (clients' filters and fields, organizations'
token_quota and third_party_client_access), since fixed; they guard against their return.
"""

import asyncio

import httpx
import pytest

from auth0.management import AsyncManagementClient, ConflictError, ManagementClient, NotFoundError

from conftest import ADMIN, AUDIENCE, DOMAIN, check, expect_sdk_error, unique_name


def test_clients_create_get_offset_pager_update_rotate_delete(client):
    names = [unique_name(p) for p in ("app-a", "app-b", "app-c")]
    apps = [
        client.clients.create(name=n, app_type="non_interactive", grant_types=["client_credentials"]) for n in names
    ]
    try:
        for n, a in zip(names, apps):
            assert a.name == n
            assert a.app_type == "non_interactive"
            check(a.client_secret and len(a.client_secret) >= 32, "secret on create")
        got = client.clients.get(apps[0].client_id)
        assert (got.client_id, got.name) == (apps[0].client_id, names[0])

        pages = list(client.clients.list(per_page=1).iter_pages())
        check(all(len(p.items or []) <= 1 for p in pages), "per_page=1 pages")
        seen = [c.client_id for p in pages for c in (p.items or [])]
        for a in apps:
            check(a.client_id in seen, f"client {a.client_id} missing from the paged list")
        assert len(set(seen)) == len(seen)

        upd = client.clients.update(apps[1].client_id, description="updated", name=f"{names[1]}-x")
        assert (upd.description, upd.name) == ("updated", f"{names[1]}-x")

        client.client_grants.create(client_id=apps[2].client_id, audience=AUDIENCE, scope=["read:organizations"])
        rotated = client.clients.rotate_secret(apps[2].client_id)
        check(rotated.client_secret and rotated.client_secret != apps[2].client_secret, "a new secret")
        fresh = ManagementClient(domain=DOMAIN, client_id=apps[2].client_id, client_secret=rotated.client_secret)
        list(fresh.organizations.list(take=1).iter_pages())
        stale = ManagementClient(domain=DOMAIN, client_id=apps[2].client_id, client_secret=apps[2].client_secret)
        with pytest.raises(httpx.HTTPStatusError) as info:
            stale.organizations.list(take=1)
        assert info.value.response.status_code == 401
    finally:
        for a in apps:
            try:
                client.clients.delete(a.client_id)
            except Exception:
                pass
    expect_sdk_error(lambda: client.clients.get(apps[0].client_id), type=NotFoundError, status_code=404)


def test_client_grants_create_list_update_delete_409(client):
    app = client.clients.create(name=unique_name("grants-app"), app_type="non_interactive")
    try:
        grant = client.client_grants.create(client_id=app.client_id, audience=AUDIENCE, scope=["read:organizations"])
        check(grant.id, "grant id")
        expect_sdk_error(
            lambda: client.client_grants.create(client_id=app.client_id, audience=AUDIENCE, scope=[]),
            type=ConflictError,
            status_code=409,
        )
        assert [g.id for g in client.client_grants.list(client_id=app.client_id, take=1)] == [grant.id]
        pages = list(client.client_grants.list(take=1).iter_pages())
        check(len(pages) >= 2, f"take=1 over 2+ grants should give 2+ pages, got {len(pages)}")
        check(any(g.id == grant.id for p in pages for g in (p.items or [])), "the new grant is in the full list")

        upd = client.client_grants.update(grant.id, scope=["read:organizations", "read:connections"])
        assert sorted(upd.scope) == ["read:connections", "read:organizations"]
        assert sorted(client.client_grants.get(grant.id).scope) == ["read:connections", "read:organizations"]
        client.client_grants.delete(grant.id)
        expect_sdk_error(lambda: client.client_grants.get(grant.id), status_code=404)
    finally:
        client.clients.delete(app.client_id)


def test_clients_list_filters_and_fields_are_applied(client):
    spa = client.clients.create(name=unique_name("spa-app"), app_type="spa")
    try:
        spas = list(client.clients.list(app_type="spa"))
        check(any(c.client_id == spa.client_id for c in spas), "app_type=spa finds the SPA")
        check(all(c.app_type == "spa" for c in spas), f"app_type=spa returned app types {sorted({c.app_type for c in spas})}")
        third = list(client.clients.list(is_first_party=False))
        check(all(c.is_first_party is False for c in third), "is_first_party=false returned first-party clients")
        slim = list(client.clients.list(fields="client_id,name", include_fields=True))
        keys = sorted(slim[0].dict(exclude_unset=True).keys())
        check(keys == ["client_id", "name"], f"fields=client_id,name returned keys {keys}")
    finally:
        client.clients.delete(spa.client_id)


def test_clients_get_with_fields(client):
    app = client.clients.create(name=unique_name("fields-app"), app_type="non_interactive")
    try:
        slim = client.clients.get(app.client_id, fields="client_id,name", include_fields=True)
        keys = sorted(slim.dict(exclude_unset=True).keys())
        check(keys == ["client_id", "name"], f"fields=client_id,name returned keys {keys}")
    finally:
        client.clients.delete(app.client_id)


def test_organization_create_with_enabled_connections_and_token_quota(client):
    conn = client.connections.create(name=unique_name("org-create-db"), strategy="auth0")
    try:
        org = client.organizations.create(
            name=unique_name("with-conns"),
            enabled_connections=[
                {"connection_id": conn.id, "assign_membership_on_login": True, "is_signup_enabled": True}
            ],
            token_quota={"client_credentials": {"per_day": 100, "enforce": True}},
        )
        try:
            ecs = [e.dict(exclude_unset=True) for e in (org.enabled_connections or [])]
            assert ecs == [
                {
                    "connection_id": conn.id,
                    "assign_membership_on_login": True,
                    "is_signup_enabled": True,
                    "show_as_button": True,
                    "connection": {"name": conn.name, "strategy": "auth0"},
                }
            ]
            assert [e.connection_id for e in client.organizations.enabled_connections.list(org.id)] == [conn.id]
            check(org.token_quota is not None, "create response has no token_quota")
            assert org.token_quota.client_credentials.per_day == 100
            assert client.organizations.get(org.id).token_quota.client_credentials.per_day == 100
        finally:
            client.organizations.delete(org.id)
    finally:
        client.connections.delete(conn.id)


def test_organization_create_with_third_party_client_access(client):
    org = client.organizations.create(name=unique_name("third-party"), third_party_client_access="allow")
    try:
        assert org.third_party_client_access == "allow"
        assert client.organizations.get(org.id).third_party_client_access == "allow"
    finally:
        client.organizations.delete(org.id)


def test_async_management_client():
    async def scenario():
        aclient = AsyncManagementClient(domain=DOMAIN, client_id=ADMIN["client_id"], client_secret=ADMIN["client_secret"])
        name = unique_name("async")
        org = await aclient.organizations.create(name=name)
        try:
            assert (await aclient.organizations.get_by_name(name)).id == org.id
            seen = [o.id async for o in await aclient.organizations.list(take=2)]
            assert org.id in seen
        finally:
            await aclient.organizations.delete(org.id)

    asyncio.run(scenario())
