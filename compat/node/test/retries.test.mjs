// Rate limits as a client lives them: orgwarden answers 429 (with Retry-After and the
// X-RateLimit headers) or 503 for the next requests, set through its fault-injection endpoint,
// and the SDK's own retry rides through without any help from the test.

import { test } from "node:test";
import assert from "node:assert/strict";
import { admin, domain, managementClient, uniqueName } from "../lib/support.mjs";

const base = `https://${domain}`;

async function adminToken() {
  const r = await fetch(`${base}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      grant_type: "client_credentials",
      client_id: admin.client_id,
      client_secret: admin.client_secret,
      audience: `${base}/api/v2/`,
    }),
  });
  assert.equal(r.status, 200);
  return (await r.json()).access_token;
}

async function faults(token, rule) {
  const r = await fetch(`${base}/orgwarden/v1/faults`, {
    method: rule ? "POST" : "GET",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: rule ? JSON.stringify(rule) : undefined,
  });
  assert.equal(r.status, rule ? 201 : 200);
  return r.json();
}

test("rate limits: two 429s with Retry-After, then the SDK's retry succeeds", async () => {
  const client = managementClient();
  const org = await client.organizations.create({ name: uniqueName("retry-org") });
  try {
    const token = await adminToken();
    const path = `/api/v2/organizations/${org.id}/enabled_connections`;
    await faults(token, { method: "GET", path, action: "rate_limit", count: 2 });
    const started = Date.now();
    const page = await client.organizations.enabledConnections.list(org.id);
    assert.deepEqual(page.data, []);
    assert.ok(Date.now() - started >= 900, "the SDK waited for Retry-After before retrying");
    assert.deepEqual(await faults(token), [], "both injected 429s were answered, then the retry got through");
  } finally {
    await client.organizations.delete(org.id);
  }
});

test("rate limits: a 503 once, then the SDK's retry succeeds", async () => {
  const client = managementClient();
  const org = await client.organizations.create({ name: uniqueName("retry5xx-org") });
  try {
    const token = await adminToken();
    await faults(token, { method: "GET", path: `/api/v2/organizations/${org.id}`, action: "error", status: 503 });
    const got = await client.organizations.get(org.id);
    assert.equal(got.id, org.id);
    assert.deepEqual(await faults(token), []);
  } finally {
    await client.organizations.delete(org.id);
  }
});
