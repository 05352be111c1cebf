// Federated sign-in in a real browser (Debian's chromium, driven by playwright-core): an
// application using Auth0's Express SDK (express-openid-connect), unchanged, signs people in to
// an organization of orgwarden (LOGIN_BASE) whose connection `e2e-acme-sso` (strategy oidc)
// federates with a second orgwarden (UPSTREAM_BASE), the organization's own identity provider.
// The person clicks the organization's SSO button, signs in on the upstream's login page, and
// lands in the application with org_id and the federated identity (oidc|e2e-acme-sso|<sub>).
// Both servers serve HTTPS with their generated CAs: the browser trusts them through the NSS
// database in NSS_HOME, the downstream trusts the upstream's through --upstream-ca-file (all
// set up by e2e/run, never by ignoring certificate errors).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import express from "express";
import eoc from "express-openid-connect";
import { BASE, PASSWORD, api, appServer, checkOrganization, trustingBrowser } from "./lib/sign-in.mjs";

const UPSTREAM = process.env.UPSTREAM_BASE;
const UPSTREAM_TOKEN = process.env.UPSTREAM_TOKEN;
assert.ok(UPSTREAM && UPSTREAM_TOKEN, "run through e2e/run (UPSTREAM_BASE, UPSTREAM_TOKEN)");

/** A Management API call on the upstream; fails the test on any error answer. */
async function upstream(method, path, body) {
  const r = await fetch(`${UPSTREAM}/api/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${UPSTREAM_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.ok, `upstream ${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

let server, appBase, browser, page, shot, problems, t;

before(async () => {
  // The upstream: a client for orgwarden (its callback is /login/callback), Ann on a database
  // connection of Acme's own.
  const idpClient = await upstream("POST", "/clients", {
    name: "orgwarden federation", app_type: "regular_web", callbacks: [`${BASE}/login/callback`],
    grant_types: ["authorization_code"], token_endpoint_auth_method: "client_secret_post",
  });
  await upstream("POST", "/connections", {
    name: "acme-staff", strategy: "auth0", enabled_clients: [idpClient.client_id],
  });
  const annUpstream = await upstream("POST", "/users", {
    connection: "acme-staff", email: "ann@acme-idp.test", password: PASSWORD, name: "Ann of Acme",
  });

  // The downstream: the application, the oidc connection (discovered from the upstream at
  // create), an organization with membership on login through it.
  ({ server, appBase } = await appServer());
  const client = await api("POST", "/clients", {
    name: "e2e federation app", app_type: "regular_web", callbacks: [`${appBase}/callback`],
    allowed_logout_urls: [appBase], organization_usage: "require",
    grant_types: ["authorization_code"],
  });
  const connection = await api("POST", "/connections", {
    name: "e2e-acme-sso", display_name: "Acme SSO", strategy: "oidc", enabled_clients: [client.client_id],
    options: {
      type: "back_channel", discovery_url: `${UPSTREAM}/.well-known/openid-configuration`,
      client_id: idpClient.client_id, client_secret: idpClient.client_secret, scope: "openid profile email",
    },
  });
  assert.equal(connection.options.token_endpoint, `${UPSTREAM}/oauth/token`, "endpoints from discovery");
  const org = await api("POST", "/organizations", {
    name: "acme-federated", display_name: "Acme Federated",
    enabled_connections: [{ connection_id: connection.id, assign_membership_on_login: true, show_as_button: true }],
  });
  t = { org, annUpstream };

  const app = express();
  app.use(eoc.auth({
    issuerBaseURL: BASE, baseURL: appBase, clientID: client.client_id, clientSecret: client.client_secret,
    secret: randomBytes(32).toString("hex"), authRequired: false, routes: { login: false },
    authorizationParams: { response_type: "code", scope: "openid profile email", organization: org.id },
  }));
  app.get("/login", (req, res) => res.oidc.login({ returnTo: "/me" }));
  app.get("/me", (req, res) => req.oidc.isAuthenticated() ? res.json(req.oidc.idTokenClaims) : res.status(401).json({ signedIn: false }));
  app.use((err, req, res, _next) => res.status(err.status || 500).json({ error: err.error || "error", description: err.error_description || err.message }));
  server.on("request", app);

  browser = await trustingBrowser();
  ({ page, problems, shot } = browser);
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("the organization's SSO button signs Ann in at Acme's identity provider and back", async () => {
  await page.goto(`${appBase}/login`);
  await page.waitForURL(`${BASE}/authorize?**`);
  await assert.doesNotReject(page.getByRole("heading", { name: "Log in to Acme Federated" }).waitFor());
  await shot("federation-01-sso-button");
  await page.getByRole("link", { name: "Continue with Acme SSO" }).click();

  // The upstream's own login page.
  await page.waitForURL(`${UPSTREAM}/authorize?**`);
  await shot("federation-02-upstream-login");
  await page.locator("input[name=username]").fill("ann@acme-idp.test");
  await page.locator("input[name=password]").fill(PASSWORD);
  await page.getByRole("button", { name: "Continue" }).click();

  // Back through /login/callback to the application.
  await page.waitForURL(`${appBase}/me`).catch(async (e) => {
    await shot("federation-failed");
    throw new Error(`stopped at ${page.url()} (console: ${JSON.stringify(problems)}): ${(await page.locator("body").innerText()).slice(0, 500)} (${e.message})`);
  });
  const claims = JSON.parse(await page.locator("body").innerText());
  const userId = `oidc|e2e-acme-sso|${t.annUpstream.user_id}`;
  assert.equal(claims.sub, userId);
  assert.equal(claims.email, "ann@acme-idp.test");
  assert.equal(claims.org_id, t.org.id);
  checkOrganization(claims, t.org.id);
  await shot("federation-03-signed-in");

  const user = await api("GET", `/users/${encodeURIComponent(userId)}`);
  assert.deepEqual(user.identities, [{
    connection: "e2e-acme-sso", user_id: `e2e-acme-sso|${t.annUpstream.user_id}`, provider: "oidc", isSocial: false,
  }]);
  const members = await api("GET", `/organizations/${t.org.id}/members`);
  assert.ok(members.some((m) => m.user_id === userId), JSON.stringify(members));
  assert.deepEqual(problems, [], "no console errors (CSP violations included)");
});
