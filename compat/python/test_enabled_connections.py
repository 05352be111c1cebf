"""Organization enabled connections and the newer organizations.connections API, through
auth0-python's ManagementClient.

KNOWN FAILURES (server incompatibilities, reported to the lead; the tests stay failing):
  (none in this file)
"""

import pytest

from auth0.management import BadRequestError, ConflictError, NotFoundError

from conftest import check, expect_sdk_error, unique_name

SIGNUP_RULE = "Only database connections with assign_membership_on_login = true support is_signup_enabled = true."


def dump(model):
    return model.dict(exclude_unset=True) if hasattr(model, "dict") else dict(model)


@pytest.fixture(scope="module")
def setup(client):
    org = client.organizations.create(name=unique_name("ec-org"), display_name="Enabled connections")
    conns = {
        "db": client.connections.create(name=unique_name("ec-db"), strategy="auth0"),
        "db2": client.connections.create(name=unique_name("ec-db2"), strategy="auth0"),
        "saml": client.connections.create(name=unique_name("ec-saml"), strategy="samlp"),
        "ad": client.connections.create(name=unique_name("ec-ad"), strategy="ad"),
        "gh": client.connections.create(name=unique_name("ec-gh"), strategy="github"),
    }
    yield org, conns
    try:
        client.organizations.delete(org.id)
    except Exception:
        pass
    for c in conns.values():
        try:
            client.connections.delete(c.id)
        except Exception:
            pass


def test_enabled_connections_add_list_pager_get_update_delete(client, setup):
    org, conns = setup
    ec = client.organizations.enabled_connections

    added_db = ec.add(org.id, connection_id=conns["db"].id, assign_membership_on_login=True, is_signup_enabled=True)
    assert dump(added_db) == {
        "connection_id": conns["db"].id,
        "assign_membership_on_login": True,
        "is_signup_enabled": True,
        "show_as_button": True,
        "connection": {"name": conns["db"].name, "strategy": "auth0"},
    }
    added_saml = ec.add(org.id, connection_id=conns["saml"].id, assign_membership_on_login=True, show_as_button=False)
    assert dump(added_saml) == {
        "connection_id": conns["saml"].id,
        "assign_membership_on_login": True,
        "show_as_button": False,
        "connection": {"name": conns["saml"].name, "strategy": "samlp"},
    }
    for key in ("db2", "ad", "gh"):
        r = ec.add(org.id, connection_id=conns[key].id)
        assert r.connection_id == conns[key].id
        assert r.assign_membership_on_login is False
        assert r.show_as_button is True
        if key == "db2":
            assert r.is_signup_enabled is False
        else:
            assert "is_signup_enabled" not in dump(r), "is_signup_enabled only for database connections"

    # The SDK's own pager with per_page=2 over 5 connections. auth0-python pages until an empty page.
    pager = ec.list(org.id, per_page=2)
    check(pager.response.total == 5, f"include_totals envelope total={pager.response.total}, want 5")
    pages = list(pager.iter_pages())
    sizes = [len(p.items or []) for p in pages]
    assert sizes == [2, 2, 1], sizes
    seen = [e.connection_id for p in pages for e in (p.items or [])]
    assert sorted(seen) == sorted(c.id for c in conns.values())
    assert [e.connection_id for e in ec.list(org.id, per_page=2)] == seen
    assert [e.connection_id for e in ec.list(org.id)] == seen

    one = ec.get(org.id, conns["saml"].id)
    assert dump(one) == dump(added_saml)

    upd = ec.update(
        org.id, conns["db"].id, assign_membership_on_login=True, is_signup_enabled=False, show_as_button=False
    )
    assert dump(upd) == {
        "connection_id": conns["db"].id,
        "assign_membership_on_login": True,
        "is_signup_enabled": False,
        "show_as_button": False,
        "connection": {"name": conns["db"].name, "strategy": "auth0"},
    }
    expect_sdk_error(
        lambda: ec.update(org.id, conns["db"].id, assign_membership_on_login=False, is_signup_enabled=True),
        type=BadRequestError,
        status_code=400,
        error_code="invalid_body",
        message=SIGNUP_RULE,
    )
    expect_sdk_error(
        lambda: ec.update(org.id, conns["saml"].id, is_signup_enabled=True),
        type=BadRequestError,
        status_code=400,
        error_code="invalid_body",
        message=SIGNUP_RULE,
    )

    assert ec.delete(org.id, conns["gh"].id) is None
    expect_sdk_error(
        lambda: ec.get(org.id, conns["gh"].id),
        type=NotFoundError,
        status_code=404,
        message="No connection found by that id",
    )
    remaining = [e.connection_id for e in ec.list(org.id, per_page=2)]
    assert len(remaining) == 4 and conns["gh"].id not in remaining


def test_enabled_connections_409_404_and_per_page_500(client, setup):
    _, conns = setup
    ec = client.organizations.enabled_connections
    org = client.organizations.create(name=unique_name("ec-dup"))
    try:
        ec.add(org.id, connection_id=conns["ad"].id, assign_membership_on_login=True)
        # auth0-python retries a 409 twice before raising; it still ends in the SDK's ConflictError.
        expect_sdk_error(
            lambda: ec.add(org.id, connection_id=conns["ad"].id),
            type=ConflictError,
            status_code=409,
            error_code="organization_connection_conflict",
            message="The organization connection already exists.",
        )
        expect_sdk_error(
            lambda: ec.add(org.id, connection_id="con_doesnotexist0000"),
            status_code=404,
            error_code="inexistent_connection",
        )
        expect_sdk_error(
            lambda: ec.add(
                org.id, connection_id=conns["saml"].id, is_signup_enabled=True, assign_membership_on_login=True
            ),
            type=BadRequestError,
            status_code=400,
            error_code="invalid_body",
            message=SIGNUP_RULE,
        )
        expect_sdk_error(
            lambda: ec.list(org.id, per_page=500),
            type=BadRequestError,
            status_code=400,
            error_code="invalid_query_string",
        )
        expect_sdk_error(
            lambda: ec.list("org_doesnotexist0000"),
            type=NotFoundError,
            status_code=404,
            message="No organization found by that id or name",
        )
    finally:
        client.organizations.delete(org.id)


def test_organization_connections_newer_api(client, setup):
    _, conns = setup
    oc = client.organizations.connections
    org = client.organizations.create(name=unique_name("oc-org"))
    try:
        created = oc.create(org.id, connection_id=conns["db"].id, assign_membership_on_login=True, is_enabled=True)
        assert created.connection_id == conns["db"].id
        assert created.assign_membership_on_login is True
        assert created.is_enabled is True
        assert created.organization_access_level == "none"
        assert (created.connection.name, created.connection.strategy) == (conns["db"].name, "auth0")

        for key in ("saml", "ad", "gh", "db2"):
            oc.create(org.id, connection_id=conns[key].id, is_enabled=True)

        pages = list(oc.list(org.id, per_page=2).iter_pages())
        assert [len(p.items or []) for p in pages] == [2, 2, 1]
        assert len({c.connection_id for p in pages for c in (p.items or [])}) == 5
        assert len(list(oc.list(org.id, is_enabled=True))) == 5

        got = oc.get(org.id, conns["saml"].id)
        assert got.connection_id == conns["saml"].id
        assert got.is_enabled is True
        assert got.connection.strategy == "samlp"

        upd = oc.update(org.id, conns["saml"].id, assign_membership_on_login=True, show_as_button=False)
        assert upd.assign_membership_on_login is True
        assert upd.show_as_button is False
        legacy = client.organizations.enabled_connections.get(org.id, conns["saml"].id)
        assert (legacy.assign_membership_on_login, legacy.show_as_button) == (True, False)

        expect_sdk_error(
            lambda: oc.create(org.id, connection_id=conns["saml"].id, is_enabled=True),
            type=ConflictError,
            status_code=409,
            message="The organization connection already exists.",
        )
        expect_sdk_error(
            lambda: oc.update(org.id, conns["saml"].id, is_signup_enabled=True),
            type=BadRequestError,
            status_code=400,
            message=SIGNUP_RULE,
        )
        assert oc.delete(org.id, conns["saml"].id) is None
        expect_sdk_error(lambda: oc.get(org.id, conns["saml"].id), status_code=404)
    finally:
        client.organizations.delete(org.id)
