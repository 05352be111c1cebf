// A single-page application signing people in to an organization with Auth0's own SPA SDK
// (@auth0/auth0-spa-js, unchanged, loaded by a page in chromium) against orgwarden over HTTPS:
// the redirect login and the code exchanged by the browser itself (CORS), tokens renewed with
// rotating refresh tokens (useRefreshTokens, as Auth0 recommends now that browsers block
// third-party cookies) across a reload, logout, and then silent authentication in an iframe
// (response_mode=web_message) answering login_required to the SDK. The SDK checks the ID token
// (issuer, audience, nonce, and org_id for the organization asked for).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { BASE, PASSWORD, api, appServer, trustingBrowser } from "./lib/sign-in.mjs";

const require = createRequire(import.meta.url);
const SDK = readFileSync(require.resolve("@auth0/auth0-spa-js/dist/auth0-spa-js.production.js"), "utf8");

let server, appBase, browser, page, shot, problems, t;

before(async () => {
  ({ server, appBase } = await appServer());
  const spa = await api("POST", "/clients", {
    name: "e2e spa", app_type: "spa", token_endpoint_auth_method: "none",
    callbacks: [`${appBase}/`], allowed_logout_urls: [`${appBase}/`], web_origins: [appBase],
    organization_usage: "require", grant_types: ["authorization_code", "refresh_token"],
    refresh_token: { rotation_type: "rotating", expiration_type: "expiring", token_lifetime: 3600 },
  });
  const connection = await api("POST", "/connections", {
    name: "e2e-spa-db", strategy: "auth0", enabled_clients: [spa.client_id],
  });
  const hooli = await api("POST", "/organizations", {
    name: "hooli", enabled_connections: [{ connection_id: connection.id }],
  });
  const gavin = await api("POST", "/users", { connection: "e2e-spa-db", email: "gavin@hooli.test", password: PASSWORD });
  await api("POST", `/organizations/${hooli.id}/members`, { members: [gavin.user_id] });
  t = { spa, hooli, gavin };

  // The application: one page, the SDK as its README shows it, and a few functions for the test.
  const html = `<!doctype html><meta charset="utf-8"><title>SPA</title><script src="/sdk.js"></script>
<script>
window.ready = (async () => {
  const client = await auth0.createAuth0Client({
    domain: ${JSON.stringify(new URL(BASE).host)}, clientId: ${JSON.stringify(spa.client_id)},
    authorizationParams: { redirect_uri: location.origin + "/", organization: ${JSON.stringify(hooli.id)} },
    useRefreshTokens: true, cacheLocation: "localstorage",
  });
  if (location.search.includes("code=")) {
    await client.handleRedirectCallback();
    history.replaceState({}, "", "/");
  }
  window.app = {
    login: () => client.loginWithRedirect(),
    user: async () => (await client.isAuthenticated()) ? client.getUser() : null,
    claims: () => client.getIdTokenClaims(),
    renew: () => client.getTokenSilently({ cacheMode: "off", detailedResponse: true }),
    // The iframe (prompt=none, web_message): what the SDK does without refresh tokens.
    iframe: async () => {
      const plain = await auth0.createAuth0Client({
        domain: ${JSON.stringify(new URL(BASE).host)}, clientId: ${JSON.stringify(spa.client_id)},
        authorizationParams: { redirect_uri: location.origin + "/", organization: ${JSON.stringify(hooli.id)} },
      });
      return plain.getTokenSilently({ cacheMode: "off" });
    },
    logout: () => client.logout({ logoutParams: { returnTo: location.origin + "/" } }),
  };
  return true;
})();
</script>`;
  server.on("request", (req, res) => {
    const url = new URL(req.url, appBase);
    if (url.pathname === "/sdk.js") {
      res.writeHead(200, { "content-type": "text/javascript" });
      return res.end(SDK);
    }
    if (url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(html);
    }
    res.writeHead(404).end();
  });
  browser = await trustingBrowser();
  ({ page, problems, shot } = browser);
});

after(async () => {
  await browser?.close();
  server?.close();
});

const ready = () => page.evaluate(() => window.ready);

test("loginWithRedirect: the browser exchanges the code itself (CORS) and the SDK checks org_id", async () => {
  await page.goto(`${appBase}/`);
  await ready();
  assert.equal(await page.evaluate(() => window.app.user()), null);
  await Promise.all([page.waitForURL(`${BASE}/authorize?**`), page.evaluate(() => window.app.login())]);
  await page.locator("input[name=username]").fill("gavin@hooli.test");
  await page.locator("input[name=password]").fill(PASSWORD);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(`${appBase}/?**`);
  await ready();
  await page.waitForURL(`${appBase}/`);
  const user = await page.evaluate(() => window.app.user());
  assert.equal(user?.email, "gavin@hooli.test", JSON.stringify(user));
  const claims = await page.evaluate(() => window.app.claims());
  assert.equal(claims.org_id, t.hooli.id);
  assert.equal(claims.sub, t.gavin.user_id);
  await shot("spa-01-signed-in");
});

test("getTokenSilently renews with rotating refresh tokens, across a reload", async () => {
  const grants = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && r.url() === `${BASE}/oauth/token`) {
      grants.push(new URLSearchParams(r.postData()).get("grant_type"));
    }
  });
  const first = await page.evaluate(() => window.app.renew());
  assert.ok(first.access_token && first.id_token, JSON.stringify(first));
  const second = await page.evaluate(() => window.app.renew());
  assert.ok(second.access_token, JSON.stringify(second));
  assert.deepEqual(grants, ["refresh_token", "refresh_token"], "each renewal redeemed the (rotated) refresh token");
  await page.reload();
  await ready();
  const user = await page.evaluate(() => window.app.user());
  assert.equal(user?.sub, t.gavin.user_id, "signed in after the reload");
  const again = await page.evaluate(() => window.app.renew());
  assert.ok(again.access_token, "the stored (rotated) refresh token still works");
});

test("logout ends the session; silent authentication in an iframe then answers login_required", async () => {
  const back = page.waitForRequest((r) =>
    r.isNavigationRequest() && r.url() === `${appBase}/` && r.redirectedFrom()?.url().startsWith(`${BASE}/v2/logout?`));
  const committed = page.waitForEvent("framenavigated", {
    predicate: (f) => f === page.mainFrame() && f.url() === `${appBase}/`,
  });
  await page.evaluate(() => window.app.logout());
  await back;
  await committed;
  await page.waitForLoadState("load");
  await ready();
  assert.equal(await page.evaluate(() => window.app.user()), null);
  // The SDK's iframe: /authorize with prompt=none and response_mode=web_message, its answer
  // posted back to the page (login_required, which checkSession takes as "not signed in").
  // This shows the message's delivery, not the session's end: this Chromium does not send the
  // session cookie to an https iframe under an http://localhost page (a third-party cookie)
  // even before logout; the session's end is shown by openid-client.test.mjs.
  const framed = page.waitForRequest((r) => r.url().includes("response_mode=web_message") && r.url().includes("prompt=none"));
  const error = await page.evaluate(() => window.app.iframe().then(() => null, (e) => e.error));
  await framed;
  assert.equal(error, "login_required");
  assert.deepEqual(problems, [], "no console errors");
});
