// Organization enabled connections (/organizations/{id}/enabled_connections) and the newer
// /organizations/{id}/connections API, through auth0 (node-auth0 v7), against a real orgwarden.
//
// KNOWN FAILURES (server incompatibilities, reported to the lead; the tests stay failing):
//   (none in this file)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Management } from "auth0";
import { managementClient, uniqueName, expectSdkError, check } from "../lib/support.mjs";

const client = managementClient();
const SIGNUP_RULE = "Only database connections with assign_membership_on_login = true support is_signup_enabled = true.";

let org;
const conns = {}; // db, db2, saml, ad, gh

before(async () => {
  org = await client.organizations.create({ name: uniqueName("ec-org"), display_name: "Enabled connections" });
  conns.db = await client.connections.create({ name: uniqueName("ec-db"), strategy: "auth0" });
  conns.db2 = await client.connections.create({ name: uniqueName("ec-db2"), strategy: "auth0" });
  conns.saml = await client.connections.create({ name: uniqueName("ec-saml"), strategy: "samlp" });
  conns.ad = await client.connections.create({ name: uniqueName("ec-ad"), strategy: "ad" });
  conns.gh = await client.connections.create({ name: uniqueName("ec-gh"), strategy: "github" });
});

after(async () => {
  if (org) await client.organizations.delete(org.id).catch(() => {});
  for (const c of Object.values(conns)) await client.connections.delete(c.id).catch(() => {});
});

test("enabled connections: add with settings, list through the SDK's pager (per_page 2, 5 connections), get, update, delete", async () => {
  const ec = client.organizations.enabledConnections;

  const addedDb = await ec.add(org.id, {
    connection_id: conns.db.id,
    assign_membership_on_login: true,
    is_signup_enabled: true,
  });
  assert.deepEqual(addedDb, {
    connection_id: conns.db.id,
    assign_membership_on_login: true,
    is_signup_enabled: true,
    show_as_button: true,
    connection: { name: conns.db.name, strategy: "auth0" },
  });

  const addedSaml = await ec.add(org.id, {
    connection_id: conns.saml.id,
    assign_membership_on_login: true,
    show_as_button: false,
  });
  assert.deepEqual(addedSaml, {
    connection_id: conns.saml.id,
    assign_membership_on_login: true,
    show_as_button: false,
    connection: { name: conns.saml.name, strategy: "samlp" },
  });

  for (const c of [conns.db2, conns.ad, conns.gh]) {
    const r = await ec.add(org.id, { connection_id: c.id });
    assert.equal(r.connection_id, c.id);
    assert.equal(r.assign_membership_on_login, false);
    assert.equal(r.show_as_button, true);
    if (c.strategy === "auth0") assert.equal(r.is_signup_enabled, false);
    else assert.equal("is_signup_enabled" in r, false, "is_signup_enabled only for database connections");
  }

  // The SDK's own pager, per_page 2: pages of 2, 2, 1 and it stops by itself.
  let page = await ec.list(org.id, { per_page: 2 });
  const pageSizes = [page.data.length];
  const seen = page.data.map((e) => e.connection_id);
  check(page.response.total === 5, `include_totals envelope total=${page.response.total}, want 5`);
  while (page.hasNextPage()) {
    page = await page.getNextPage();
    pageSizes.push(page.data.length);
    seen.push(...page.data.map((e) => e.connection_id));
    check(pageSizes.length < 20, "the pager does not stop");
  }
  assert.deepEqual(pageSizes, [2, 2, 1]);
  assert.deepEqual(new Set(seen), new Set(Object.values(conns).map((c) => c.id)));
  assert.equal(seen.length, 5);

  // The async iterator, per_page 2, and the default per_page (the SDK pages until an empty page).
  const iterated = [];
  for await (const e of await ec.list(org.id, { per_page: 2 })) iterated.push(e.connection_id);
  assert.deepEqual(iterated, seen);
  const all = [];
  for await (const e of await ec.list(org.id)) all.push(e.connection_id);
  assert.deepEqual(all, seen);

  // get
  const one = await ec.get(org.id, conns.saml.id);
  assert.deepEqual(one, addedSaml);

  // update, then the sign-up rule's 400
  const upd = await ec.update(org.id, conns.db.id, { assign_membership_on_login: true, is_signup_enabled: false, show_as_button: false });
  assert.deepEqual(upd, {
    connection_id: conns.db.id,
    assign_membership_on_login: true,
    is_signup_enabled: false,
    show_as_button: false,
    connection: { name: conns.db.name, strategy: "auth0" },
  });
  await expectSdkError(ec.update(org.id, conns.db.id, { assign_membership_on_login: false, is_signup_enabled: true }), {
    type: Management.BadRequestError,
    statusCode: 400,
    errorCode: "invalid_body",
    message: SIGNUP_RULE,
  });
  await expectSdkError(ec.update(org.id, conns.saml.id, { is_signup_enabled: true }), {
    type: Management.BadRequestError,
    statusCode: 400,
    errorCode: "invalid_body",
    message: SIGNUP_RULE,
  });
  // delete, then 404
  await ec.delete(org.id, conns.gh.id);
  await expectSdkError(ec.get(org.id, conns.gh.id), {
    type: Management.NotFoundError,
    statusCode: 404,
    message: "No connection found by that id",
  });
  const after = [];
  for await (const e of await ec.list(org.id, { per_page: 2 })) after.push(e.connection_id);
  assert.equal(after.length, 4);
  assert.equal(after.includes(conns.gh.id), false);
});

test("enabled connections: 409 on a duplicate, 404 for an unknown connection, 400 on per_page 500", async () => {
  const ec = client.organizations.enabledConnections;
  const dupOrg = await client.organizations.create({ name: uniqueName("ec-dup") });
  try {
    await ec.add(dupOrg.id, { connection_id: conns.ad.id, assign_membership_on_login: true });
    await expectSdkError(ec.add(dupOrg.id, { connection_id: conns.ad.id }), {
      type: Management.ConflictError,
      statusCode: 409,
      errorCode: "organization_connection_conflict",
      message: "The organization connection already exists.",
    });
    await expectSdkError(ec.add(dupOrg.id, { connection_id: "con_doesnotexist0000" }), {
      statusCode: 404,
      errorCode: "inexistent_connection",
    });
    await expectSdkError(ec.add(dupOrg.id, { connection_id: conns.saml.id, is_signup_enabled: true, assign_membership_on_login: true }), {
      type: Management.BadRequestError,
      statusCode: 400,
      errorCode: "invalid_body",
      message: SIGNUP_RULE,
    });
    await expectSdkError(ec.list(dupOrg.id, { per_page: 500 }), {
      type: Management.BadRequestError,
      statusCode: 400,
      errorCode: "invalid_query_string",
    });
    await expectSdkError(ec.list("org_doesnotexist0000"), {
      type: Management.NotFoundError,
      statusCode: 404,
      message: "No organization found by that id or name",
    });
  } finally {
    await client.organizations.delete(dupOrg.id);
  }
});

test("organizations.connections (the newer API): create, list, get, update, delete", async () => {
  const oc = client.organizations.connections;
  const o = await client.organizations.create({ name: uniqueName("oc-org") });
  try {
    const created = await oc.create(o.id, { connection_id: conns.db.id, assign_membership_on_login: true, is_enabled: true });
    assert.equal(created.connection_id, conns.db.id);
    assert.equal(created.assign_membership_on_login, true);
    assert.equal(created.is_enabled, true);
    assert.equal(created.organization_access_level, "none");
    assert.deepEqual(created.connection, { name: conns.db.name, strategy: "auth0" });

    for (const c of [conns.saml, conns.ad, conns.gh, conns.db2]) await oc.create(o.id, { connection_id: c.id, is_enabled: true });

    // The SDK's pager with per_page 2 over 5 connections
    let page = await oc.list(o.id, { per_page: 2 });
    const sizes = [page.data.length];
    const seen = page.data.map((c) => c.connection_id);
    while (page.hasNextPage()) {
      page = await page.getNextPage();
      sizes.push(page.data.length);
      seen.push(...page.data.map((c) => c.connection_id));
      check(sizes.length < 20, "the pager does not stop");
    }
    assert.deepEqual(sizes, [2, 2, 1]);
    assert.equal(new Set(seen).size, 5);

    const enabledOnly = [];
    for await (const c of await oc.list(o.id, { is_enabled: true })) enabledOnly.push(c.connection_id);
    assert.equal(enabledOnly.length, 5);

    const got = await oc.get(o.id, conns.saml.id);
    assert.equal(got.connection_id, conns.saml.id);
    assert.equal(got.is_enabled, true);
    assert.equal(got.connection?.strategy, "samlp");

    const upd = await oc.update(o.id, conns.saml.id, { assign_membership_on_login: true, show_as_button: false });
    assert.equal(upd.assign_membership_on_login, true);
    assert.equal(upd.show_as_button, false);

    // The same link is visible through the older API.
    const legacy = await client.organizations.enabledConnections.get(o.id, conns.saml.id);
    assert.equal(legacy.assign_membership_on_login, true);
    assert.equal(legacy.show_as_button, false);

    await expectSdkError(oc.create(o.id, { connection_id: conns.saml.id, is_enabled: true }), {
      type: Management.ConflictError,
      statusCode: 409,
      message: "The organization connection already exists.",
    });
    await expectSdkError(oc.update(o.id, conns.saml.id, { is_signup_enabled: true }), {
      type: Management.BadRequestError,
      statusCode: 400,
      message: SIGNUP_RULE,
    });

    await oc.delete(o.id, conns.saml.id);
    await expectSdkError(oc.get(o.id, conns.saml.id), { statusCode: 404 });
  } finally {
    await client.organizations.delete(o.id);
  }
});
