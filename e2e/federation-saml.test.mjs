// SAML sign-in in a real browser (Debian's chromium, driven by playwright-core): an application
// using Auth0's Express SDK (express-openid-connect), unchanged, signs people in to an
// organization of orgwarden (LOGIN_BASE, built with `--features saml`) whose connection
// `e2e-acme-saml` (strategy samlp) trusts a real SAML identity provider: pysaml2's
// (tests-support/saml-idp/idp.py, signing through Debian's xmlsec1), given the metadata orgwarden
// publishes at /samlp/metadata. The person clicks the organization's SSO button, signs in on the
// IdP's form, the IdP's page posts the SAMLResponse back cross-site to /login/callback (the
// binding cookie is SameSite=None; Secure, so it comes along), and the person lands in the
// application with org_id and the samlp identity. The IdP's venv comes from
// tests-support/saml-idp/install: without it this test is skipped, or fails under
// ORGWARDEN_REQUIRE_SERVICES=1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import express from "express";
import eoc from "express-openid-connect";
import { BASE, api, appServer, checkOrganization, trustingBrowser } from "./lib/sign-in.mjs";

const IDP_DIR = new URL("../tests-support/saml-idp/", import.meta.url).pathname;
const PYTHON = join(IDP_DIR, ".venv/bin/python");
const HAVE_IDP = existsSync(PYTHON);
const WHY = "the SAML browser test needs tests-support/saml-idp/.venv (run tests-support/saml-idp/install)";
if (!HAVE_IDP && process.env.ORGWARDEN_REQUIRE_SERVICES === "1") {
  throw new Error(`${WHY}, and ORGWARDEN_REQUIRE_SERVICES=1 says it must run`);
}

let server, appBase, browser, page, shot, problems, t, idp, idpDir;

/** Starts the IdP trusting `metadata`; resolves with its first line (its URLs, its certificate). */
function startIdp(metadata) {
  idpDir = mkdtempSync(join(tmpdir(), "e2e-saml-idp-"));
  const sp = join(idpDir, "sp.xml");
  writeFileSync(sp, metadata);
  idp = spawn(PYTHON, [join(IDP_DIR, "idp.py"), "--sp-metadata", sp], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { PATH: "/usr/local/bin:/usr/bin:/bin" },
  });
  return new Promise((resolve, reject) => {
    idp.once("exit", (code) => reject(new Error(`the SAML IdP exited (${code})`)));
    createInterface({ input: idp.stdout }).once("line", (line) => resolve(JSON.parse(line)));
  });
}

before(async () => {
  if (!HAVE_IDP) return;
  ({ server, appBase } = await appServer());
  const client = await api("POST", "/clients", {
    name: "e2e saml app", app_type: "regular_web", callbacks: [`${appBase}/callback`],
    allowed_logout_urls: [appBase], organization_usage: "require",
    grant_types: ["authorization_code"],
  });
  const connection = await api("POST", "/connections", {
    name: "e2e-acme-saml", display_name: "Acme SAML", strategy: "samlp", enabled_clients: [client.client_id],
    options: { signInEndpoint: "https://idp.invalid/sso" },
  });
  // The metadata an IdP administrator loads: public.
  const m = await fetch(`${BASE}/samlp/metadata?connection=e2e-acme-saml`);
  const metadata = await m.text();
  assert.equal(m.status, 200, `the sign-in server must be built with --features saml: ${metadata}`);
  assert.match(metadata, /AssertionConsumerService[^>]*\/login\/callback\?connection=e2e-acme-saml/);
  const info = await startIdp(metadata);
  await api("PATCH", `/connections/${connection.id}`, {
    options: { signInEndpoint: info.sso_redirect, signingCert: info.cert_pem },
  });
  const org = await api("POST", "/organizations", {
    name: "acme-saml", display_name: "Acme SAML Co",
    enabled_connections: [{ connection_id: connection.id, assign_membership_on_login: true, show_as_button: true }],
  });
  t = { org, info };

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
  idp?.kill();
  if (idpDir) rmSync(idpDir, { recursive: true, force: true });
});

test("the organization's SSO button signs Alice in at Acme's SAML identity provider and back", { skip: HAVE_IDP ? false : WHY }, async () => {
  await page.goto(`${appBase}/login`);
  await page.waitForURL(`${BASE}/authorize?**`);
  await assert.doesNotReject(page.getByRole("heading", { name: "Log in to Acme SAML Co" }).waitFor());
  await shot("federation-saml-01-sso-button");
  await page.getByRole("link", { name: "Continue with Acme SAML" }).click();

  // The IdP's own login form (an AuthnRequest by the HTTP-Redirect binding got it there).
  await page.waitForURL(`${t.info.sso_redirect}?**`);
  await shot("federation-saml-02-idp-login");
  await page.locator("input[name=username]").fill("alice");
  await page.locator("input[name=password]").fill("alice-password");
  await page.getByRole("button", { name: "Sign in" }).click();

  // The IdP's page posts the SAMLResponse to /login/callback, which moves on to the application.
  await page.waitForURL(`${appBase}/me`).catch(async (e) => {
    await shot("federation-saml-failed");
    throw new Error(`stopped at ${page.url()} (console: ${JSON.stringify(problems)}): ${(await page.locator("body").innerText()).slice(0, 500)} (${e.message})`);
  });
  const claims = JSON.parse(await page.locator("body").innerText());
  const userId = "samlp|e2e-acme-saml|alice@example.org";
  assert.equal(claims.sub, userId);
  assert.equal(claims.email, "alice@example.org");
  assert.equal(claims.org_id, t.org.id);
  checkOrganization(claims, t.org.id);
  await shot("federation-saml-03-signed-in");

  const user = await api("GET", `/users/${encodeURIComponent(userId)}`);
  assert.deepEqual(user.identities, [{
    connection: "e2e-acme-saml", user_id: "e2e-acme-saml|alice@example.org", provider: "samlp", isSocial: false,
  }]);
  const members = await api("GET", `/organizations/${t.org.id}/members`);
  assert.ok(members.some((m) => m.user_id === userId), JSON.stringify(members));
  assert.deepEqual(problems, [], "no console errors (CSP violations included)");
});
