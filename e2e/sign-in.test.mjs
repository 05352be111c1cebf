// Organization sign-in in a real browser (Debian's chromium, driven by playwright-core)
// through Auth0's own Express SDK (express-openid-connect), unchanged, against orgwarden over
// HTTPS: the browser trusts orgwarden's generated CA through an NSS database in a throwaway
// profile (never by ignoring certificate errors), node through NODE_EXTRA_CA_CERTS.
// A member signs in (a wrong password first), the app sees org_id and org_name (the SDK does not
// check them; this test does, as Auth0's other SDKs do); a non-member is refused with
// access_denied; an organization with membership on login admits and adds a newcomer; sign-up
// where enabled; logout through the discovery document's end_session_endpoint.
// Started by e2e/run, which gives LOGIN_BASE (the TLS server), LOGIN_TOKEN (a Management API
// token) and NSS_HOME (a HOME whose .pki/nssdb trusts the CA).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import express from "express";
import eoc from "express-openid-connect";
import { BASE, PASSWORD, api, appServer, checkOrganization, trustingBrowser } from "./lib/sign-in.mjs";

let server, appBase, browser, page, shot, problems, t;

before(async () => {
  // The app's port first: the client's callback names it.
  ({ server, appBase } = await appServer());
  const client = await api("POST", "/clients", {
    name: "e2e express", app_type: "regular_web", callbacks: [`${appBase}/callback`],
    allowed_logout_urls: [appBase], organization_usage: "require",
    grant_types: ["authorization_code", "refresh_token"],
  });
  const connection = await api("POST", "/connections", {
    name: "e2e-db", strategy: "auth0", enabled_clients: [client.client_id],
  });
  const acme = await api("POST", "/organizations", {
    name: "acme", display_name: "Acme Inc",
    enabled_connections: [{ connection_id: connection.id }],
  });
  const openCo = await api("POST", "/organizations", {
    name: "open-co", enabled_connections: [{ connection_id: connection.id, assign_membership_on_login: true, is_signup_enabled: true }],
  });
  const ann = await api("POST", "/users", { connection: "e2e-db", email: "ann@acme.test", password: PASSWORD });
  const bob = await api("POST", "/users", { connection: "e2e-db", email: "bob@else.test", password: PASSWORD });
  await api("POST", `/organizations/${acme.id}/members`, { members: [ann.user_id] });
  t = { acme, openCo, ann, bob };

  // Auth0's Express SDK as its README shows it; /login?org=… picks the organization.
  const app = express();
  app.use(eoc.auth({
    issuerBaseURL: BASE, baseURL: appBase, clientID: client.client_id, clientSecret: client.client_secret,
    secret: randomBytes(32).toString("hex"), authRequired: false, idpLogout: true, routes: { login: false },
    authorizationParams: { response_type: "code", scope: "openid profile email", organization: "acme" },
  }));
  app.get("/login", (req, res) => res.oidc.login({
    returnTo: "/me",
    authorizationParams: { organization: req.query.org || "acme", ...(req.query.signup ? { screen_hint: "signup" } : {}) },
  }));
  app.get("/me", (req, res) => req.oidc.isAuthenticated() ? res.json(req.oidc.idTokenClaims) : res.status(401).json({ signedIn: false }));
  // The SDK's callback errors (access_denied from the server) end here.
  app.use((err, req, res, _next) => res.status(err.status || 500).json({ error: err.error || "error", description: err.error_description || err.message }));
  server.on("request", app);

  browser = await trustingBrowser();
  ({ page, problems, shot } = browser);
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("a member signs in to her organization; the app sees org_id", async () => {
  await page.goto(`${appBase}/login?org=acme`);
  await page.waitForURL(`${BASE}/authorize?**`);
  await assert.doesNotReject(page.getByRole("heading", { name: "Log in to Acme Inc" }).waitFor());
  await shot("sign-in-01-login-page");
  await page.locator("input[name=username]").fill("ann@acme.test");
  await page.locator("input[name=password]").fill("not her password");
  await page.getByRole("button", { name: "Continue" }).click();
  await assert.doesNotReject(page.getByRole("alert").filter({ hasText: "Wrong email or password." }).waitFor());
  assert.ok(page.url().startsWith(`${BASE}/u/login`), page.url());
  await page.locator("input[name=password]").fill(PASSWORD);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(`${appBase}/me`);
  const claims = JSON.parse(await page.locator("body").innerText());
  assert.equal(claims.sub, t.ann.user_id);
  assert.equal(claims.email, "ann@acme.test");
  assert.equal(claims.org_id, t.acme.id);
  checkOrganization(claims, "acme");
  checkOrganization(claims, t.acme.id);
  await shot("sign-in-02-signed-in");
});

test("logout goes through the end_session_endpoint and back", async () => {
  await page.goto(`${appBase}/logout`);
  await page.waitForURL(`${appBase}/`);
  const r = await page.goto(`${appBase}/me`);
  assert.equal(r.status(), 401);
});

test("a non-member is refused with access_denied", async () => {
  await page.goto(`${appBase}/login?org=acme`);
  await page.locator("input[name=username]").fill("bob@else.test");
  await page.locator("input[name=password]").fill(PASSWORD);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(`${appBase}/callback?**`);
  const body = JSON.parse(await page.locator("body").innerText());
  assert.equal(body.error, "access_denied", JSON.stringify(body));
  assert.match(body.description, /is not part of the org_/);
  assert.equal((await page.goto(`${appBase}/me`)).status(), 401);
});

test("membership on login admits a newcomer and makes him a member", async () => {
  await page.goto(`${appBase}/login?org=open-co`);
  await page.locator("input[name=username]").fill("bob@else.test");
  await page.locator("input[name=password]").fill(PASSWORD);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(`${appBase}/me`);
  const claims = JSON.parse(await page.locator("body").innerText());
  assert.equal(claims.org_id, t.openCo.id);
  const members = await api("GET", `/organizations/${t.openCo.id}/members`);
  assert.ok(members.some((m) => m.user_id === t.bob.user_id), JSON.stringify(members));
  await page.goto(`${appBase}/logout`);
  await page.waitForURL(`${appBase}/`);
});

test("sign-up where the organization allows it", async () => {
  await page.goto(`${appBase}/login?org=open-co&signup=1`);
  await assert.doesNotReject(page.getByRole("button", { name: "Sign up" }).waitFor());
  await shot("sign-in-03-sign-up");
  await page.locator("input[name=email]").fill("cleo@new.test");
  await page.locator("input[name=password]").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForURL(`${appBase}/me`);
  const claims = JSON.parse(await page.locator("body").innerText());
  assert.equal(claims.email, "cleo@new.test");
  assert.equal(claims.org_id, t.openCo.id);
  assert.deepEqual(problems, [], "no console errors (CSP violations included)");
});
