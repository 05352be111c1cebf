// Organization sign-in in chromium through openid-client (the certified OpenID Connect relying
// party for Node; 6.x, used directly, not through an SDK), against orgwarden over HTTPS with its
// CA trusted as in sign-in.test.mjs. The client discovers the server, builds the authorization
// URL with PKCE, state and nonce, and checks every answer itself. Covered: an invitation link
// (invitation_url from initiate_login_uri) accepted by signing up, which makes the invitee a
// member with the invitation's role and uses the invitation up; the code exchanged, the ID token
// carrying org_id; user info; refresh, with org_id kept; a post-login organization choice;
// logout through end_session_endpoint, after which prompt=none answers login_required.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as oidc from "openid-client";
import { BASE, PASSWORD, api, appServer, checkOrganization, trustingBrowser } from "./lib/sign-in.mjs";

let server, appBase, browser, page, shot, problems, t, config, pickConfig;
/** What the application keeps between the redirect and the callback, per state. */
const pending = new Map();
/** The tokens of the last sign-in, as the application holds them. */
let tokens;

before(async () => {
  ({ server, appBase } = await appServer());
  const client = await api("POST", "/clients", {
    name: "e2e openid-client", app_type: "regular_web", callbacks: [`${appBase}/callback`],
    allowed_logout_urls: [`${appBase}/bye`], initiate_login_uri: `https://app.e2e.test/login`,
    organization_usage: "require", grant_types: ["authorization_code", "refresh_token"],
    refresh_token: { rotation_type: "rotating", expiration_type: "expiring", token_lifetime: 3600 },
  });
  const picker = await api("POST", "/clients", {
    name: "e2e picker", app_type: "regular_web", callbacks: [`${appBase}/callback`],
    organization_usage: "require", organization_require_behavior: "post_login_prompt",
    grant_types: ["authorization_code"],
  });
  const connection = await api("POST", "/connections", {
    name: "e2e-oidc-db", strategy: "auth0", enabled_clients: [client.client_id, picker.client_id],
  });
  const globex = await api("POST", "/organizations", {
    name: "globex", display_name: "Globex",
    branding: { colors: { primary: "#7a1f5c", page_background: "#f4eef2" } },
    enabled_connections: [{ connection_id: connection.id }],
  });
  const initech = await api("POST", "/organizations", {
    name: "initech", enabled_connections: [{ connection_id: connection.id }],
  });
  const role = await api("POST", "/roles", { name: "e2e-globex-editor" });
  const invitation = await api("POST", `/organizations/${globex.id}/invitations`, {
    inviter: { name: "Ann" }, invitee: { email: "dana@new.test" }, client_id: client.client_id, roles: [role.id],
  });
  t = { client, picker, globex, initech, role, invitation };

  config = await oidc.discovery(new URL(BASE), client.client_id, undefined, oidc.ClientSecretPost(client.client_secret));
  pickConfig = await oidc.discovery(new URL(BASE), picker.client_id, undefined, oidc.ClientSecretPost(picker.client_secret));

  // The application: /login starts a sign-in (an invitation link's parameters passed on),
  // /callback finishes it with every check openid-client makes.
  server.on("request", async (req, res) => {
    const url = new URL(req.url, appBase);
    const send = (status, body) => { res.writeHead(status, { "content-type": "application/json" }); res.end(JSON.stringify(body)); };
    try {
      if (url.pathname === "/login") {
        const which = url.searchParams.get("client") === "picker" ? pickConfig : config;
        const verifier = oidc.randomPKCECodeVerifier();
        const state = oidc.randomState();
        const nonce = oidc.randomNonce();
        pending.set(state, { verifier, nonce, which });
        const params = {
          redirect_uri: `${appBase}/callback`, scope: "openid profile email offline_access", state, nonce,
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256",
        };
        for (const k of ["organization", "invitation", "prompt"]) {
          if (url.searchParams.get(k)) params[k] = url.searchParams.get(k);
        }
        res.writeHead(302, { location: oidc.buildAuthorizationUrl(which, params).href });
        return res.end();
      }
      if (url.pathname === "/callback") {
        const state = url.searchParams.get("state");
        const p = pending.get(state);
        if (!p) return send(400, { error: "unknown state" });
        pending.delete(state);
        if (url.searchParams.get("error")) {
          return send(403, { error: url.searchParams.get("error"), description: url.searchParams.get("error_description") });
        }
        tokens = await oidc.authorizationCodeGrant(p.which, url, {
          pkceCodeVerifier: p.verifier, expectedState: state, expectedNonce: p.nonce, idTokenExpected: true,
        });
        return send(200, tokens.claims());
      }
      if (url.pathname === "/bye") return send(200, { signedOut: true });
      send(404, { error: "not found" });
    } catch (e) {
      send(500, { error: e.code || e.name, description: e.message });
    }
  });

  browser = await trustingBrowser();
  ({ page, problems, shot } = browser);
});

after(async () => {
  await browser?.close();
  server?.close();
});

const body = async () => JSON.parse(await page.locator("body").innerText());

test("an invitation link, accepted by signing up, makes a member with the invitation's role", async () => {
  const link = new URL(t.invitation.invitation_url);
  assert.equal(link.origin + link.pathname, "https://app.e2e.test/login");
  assert.equal(link.searchParams.get("organization"), t.globex.id);
  // The application's login route receives the link's parameters and passes them on.
  await page.goto(`${appBase}/login?${link.searchParams}`);
  await page.waitForURL(`${BASE}/authorize?**`);
  await assert.doesNotReject(page.getByRole("heading", { name: /to Globex/ }).waitFor());
  const accent = await page.getByRole("button").first().evaluate((b) => getComputedStyle(b).backgroundColor);
  assert.equal(accent, "rgb(122, 31, 92)", "the organization's primary colour");
  await shot("openid-client-01-invitation");
  if (await page.getByRole("button", { name: "Sign up" }).count() === 0) {
    await page.getByRole("link", { name: "Sign up" }).click();
  }
  await page.locator("input[name=email]").fill("dana@new.test");
  await page.locator("input[name=password]").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForURL(`${appBase}/callback?**`);
  const claims = await body();
  assert.equal(claims.email, "dana@new.test", JSON.stringify(claims));
  checkOrganization(claims, t.globex.id);
  checkOrganization(claims, "globex");
  const roles = await api("GET", `/organizations/${t.globex.id}/members/${encodeURIComponent(claims.sub)}/roles`);
  assert.deepEqual(roles.map((r) => r.id), [t.role.id]);
  const left = await fetch(`${BASE}/api/v2/organizations/${t.globex.id}/invitations/${t.invitation.id}`, {
    headers: { authorization: `Bearer ${process.env.LOGIN_TOKEN}` },
  });
  assert.equal(left.status, 404, "the invitation is used up");
  t.dana = claims.sub;
});

test("user info and refresh keep the organization", async () => {
  const info = await oidc.fetchUserInfo(config, tokens.access_token, t.dana);
  assert.equal(info.email, "dana@new.test");
  assert.ok(tokens.refresh_token, "offline_access gave a refresh token");
  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token, "rotated");
  assert.equal(refreshed.claims().org_id, t.globex.id);
  assert.equal(refreshed.claims().sub, t.dana);
  await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token), (e) => e.error === "invalid_grant");
  tokens = refreshed;
});

test("after login, a person with several organizations chooses one", async () => {
  await api("POST", `/organizations/${t.initech.id}/members`, { members: [t.dana] });
  await page.goto(`${appBase}/login?client=picker`);
  await assert.doesNotReject(page.getByRole("heading", { name: "Choose an organization" }).waitFor());
  await shot("openid-client-02-choose");
  await page.getByRole("button", { name: "initech" }).click();
  await page.waitForURL(`${appBase}/callback?**`);
  const claims = await body();
  checkOrganization(claims, t.initech.id);
  assert.equal(claims.sub, t.dana);
});

test("logout ends the session: prompt=none then answers login_required", async () => {
  const end = oidc.buildEndSessionUrl(config, {
    id_token_hint: tokens.id_token, post_logout_redirect_uri: `${appBase}/bye`, state: "bye-state",
  });
  await page.goto(end.href);
  await page.waitForURL(`${appBase}/bye?**`);
  assert.equal(new URL(page.url()).searchParams.get("state"), "bye-state");
  await page.goto(`${appBase}/login?organization=globex&prompt=none`);
  await page.waitForURL(`${appBase}/callback?**`);
  assert.deepEqual(await body(), { error: "login_required", description: "Login required" });
  assert.deepEqual(problems, [], "no console errors (CSP violations included)");
});
