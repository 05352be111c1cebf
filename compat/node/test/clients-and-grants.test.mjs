// Clients and client grants through auth0 (node-auth0 v7), against a real orgwarden; plus the
// organization fields the current SDK offers on create.
//
// These tests found four server incompatibilities (clients' filters and fields, organizations'
// token_quota and third_party_client_access), since fixed; they guard against their return.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Management, ManagementClient } from "auth0";
import { domain, managementClient, uniqueName, expectSdkError, check } from "../lib/support.mjs";

const client = managementClient();
const audience = `https://${domain}/api/v2/`;

test("clients: create, get, list through the SDK's offset pager, update, rotate secret, delete", async () => {
  const names = [uniqueName("app-a"), uniqueName("app-b"), uniqueName("app-c")];
  const apps = [];
  for (const name of names) {
    apps.push(await client.clients.create({ name, app_type: "non_interactive", grant_types: ["client_credentials"] }));
  }
  try {
    for (const [i, a] of apps.entries()) {
      assert.equal(a.name, names[i]);
      assert.equal(a.app_type, "non_interactive");
      check(typeof a.client_secret === "string" && a.client_secret.length >= 32, "secret on create");
    }
    const got = await client.clients.get(apps[0].client_id);
    assert.equal(got.client_id, apps[0].client_id);
    assert.equal(got.name, names[0]);

    // offset pager, per_page 1: the SDK walks every page itself
    let page = await client.clients.list({ per_page: 1 });
    const seen = page.data.map((c) => c.client_id);
    let pages = 1;
    while (page.hasNextPage()) {
      page = await page.getNextPage();
      pages += 1;
      check(page.data.length <= 1, `page ${pages} has ${page.data.length} clients for per_page=1`);
      seen.push(...page.data.map((c) => c.client_id));
      check(pages < 1000, "the pager does not stop");
    }
    for (const a of apps) check(seen.includes(a.client_id), `client ${a.client_id} missing from the paged list`);
    assert.equal(new Set(seen).size, seen.length);

    const upd = await client.clients.update(apps[1].client_id, { description: "updated", name: `${names[1]}-x` });
    assert.equal(upd.description, "updated");
    assert.equal(upd.name, `${names[1]}-x`);

    // rotate: the old secret stops working, the new one gets a token through the SDK
    await client.clientGrants.create({ client_id: apps[2].client_id, audience, scope: ["read:organizations"] });
    const rotated = await client.clients.rotateSecret(apps[2].client_id);
    check(rotated.client_secret && rotated.client_secret !== apps[2].client_secret, "a new secret");
    const fresh = new ManagementClient({ domain, clientId: apps[2].client_id, clientSecret: rotated.client_secret });
    await fresh.organizations.list({ take: 1 });
    const stale = new ManagementClient({ domain, clientId: apps[2].client_id, clientSecret: apps[2].client_secret });
    await expectSdkError(stale.organizations.list({ take: 1 }), { statusCode: 401, errorCode: "access_denied", oauth: true });
  } finally {
    for (const a of apps) await client.clients.delete(a.client_id).catch(() => {});
  }
  await expectSdkError(client.clients.get(apps[0].client_id), { type: Management.NotFoundError, statusCode: 404 });
});

test("client grants: create, list by client_id through the checkpoint pager, update, delete, 409", async () => {
  const app = await client.clients.create({ name: uniqueName("grants-app"), app_type: "non_interactive" });
  try {
    const grant = await client.clientGrants.create({ client_id: app.client_id, audience, scope: ["read:organizations"] });
    check(typeof grant.id === "string" && grant.id.length > 0, "grant id");
    await expectSdkError(client.clientGrants.create({ client_id: app.client_id, audience, scope: [] }), {
      type: Management.ConflictError,
      statusCode: 409,
    });

    const mine = [];
    for await (const g of await client.clientGrants.list({ client_id: app.client_id, take: 1 })) mine.push(g);
    assert.deepEqual(
      mine.map((g) => g.id),
      [grant.id],
    );
    const all = [];
    let page = await client.clientGrants.list({ take: 1 });
    let pages = 1;
    all.push(...page.data);
    while (page.hasNextPage()) {
      page = await page.getNextPage();
      pages += 1;
      all.push(...page.data);
      check(pages < 1000, "the pager does not stop");
    }
    check(pages >= 2, `take=1 over 2+ grants should give 2+ pages, got ${pages}`);
    check(all.some((g) => g.id === grant.id), "the new grant is in the full list");

    const upd = await client.clientGrants.update(grant.id, { scope: ["read:organizations", "read:connections"] });
    assert.deepEqual([...upd.scope].sort(), ["read:connections", "read:organizations"]);
    assert.deepEqual([...(await client.clientGrants.get(grant.id)).scope].sort(), ["read:connections", "read:organizations"]);

    await client.clientGrants.delete(grant.id);
    await expectSdkError(client.clientGrants.get(grant.id), { statusCode: 404 });
  } finally {
    await client.clients.delete(app.client_id);
  }
});

test("clients: list filters (app_type, is_first_party) and fields are applied", async () => {
  const spa = await client.clients.create({ name: uniqueName("spa-app"), app_type: "spa" });
  try {
    const spas = [];
    for await (const c of await client.clients.list({ app_type: "spa" })) spas.push(c);
    check(spas.some((c) => c.client_id === spa.client_id), "app_type=spa finds the SPA");
    check(spas.every((c) => c.app_type === "spa"), `app_type=spa returned app types ${[...new Set(spas.map((c) => c.app_type))]}`);

    const thirdParty = [];
    for await (const c of await client.clients.list({ is_first_party: false })) thirdParty.push(c);
    check(thirdParty.every((c) => c.is_first_party === false), "is_first_party=false returned first-party clients");

    const slim = [];
    for await (const c of await client.clients.list({ fields: "client_id,name", include_fields: true })) slim.push(c);
    check(slim.length > 0, "fields list is not empty");
    check(
      slim.every((c) => Object.keys(c).sort().join(",") === "client_id,name"),
      `fields=client_id,name returned keys ${Object.keys(slim[0]).sort().join(",")}`,
    );
  } finally {
    await client.clients.delete(spa.client_id);
  }
});

test("clients: get with fields", async () => {
  const app = await client.clients.create({ name: uniqueName("fields-app"), app_type: "non_interactive" });
  try {
    const slim = await client.clients.get(app.client_id, { fields: "client_id,name", include_fields: true });
    assert.deepEqual(Object.keys(slim).sort(), ["client_id", "name"]);
  } finally {
    await client.clients.delete(app.client_id);
  }
});

test("organizations: create with enabled_connections and token_quota", async () => {
  const conn = await client.connections.create({ name: uniqueName("org-create-db"), strategy: "auth0" });
  try {
    const org = await client.organizations.create({
      name: uniqueName("with-conns"),
      enabled_connections: [{ connection_id: conn.id, assign_membership_on_login: true, is_signup_enabled: true }],
      token_quota: { client_credentials: { per_day: 100, enforce: true } },
    });
    assert.deepEqual(org.enabled_connections, [
      {
        connection_id: conn.id,
        assign_membership_on_login: true,
        is_signup_enabled: true,
        show_as_button: true,
        connection: { name: conn.name, strategy: "auth0" },
      },
    ]);
    assert.equal(org.token_quota?.client_credentials?.per_day, 100);
    const listed = [];
    for await (const e of await client.organizations.enabledConnections.list(org.id)) listed.push(e.connection_id);
    assert.deepEqual(listed, [conn.id]);
    await client.organizations.delete(org.id);
  } finally {
    await client.connections.delete(conn.id);
  }
});

test("organizations: create with third_party_client_access", async () => {
  const org = await client.organizations.create({ name: uniqueName("third-party"), third_party_client_access: "allow" });
  try {
    assert.equal(org.third_party_client_access, "allow");
    assert.equal((await client.organizations.get(org.id)).third_party_client_access, "allow");
  } finally {
    await client.organizations.delete(org.id);
  }
});
