// What the sign-in tests share: the Management API of the HTTPS server e2e/run started
// (LOGIN_BASE, LOGIN_TOKEN), a chromium that trusts its CA through the NSS database in NSS_HOME
// (never by ignoring certificate errors), a local HTTP server for the application under test,
// and the organization check Auth0's SDKs make.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { chromium } from "playwright-core";

export const BASE = process.env.LOGIN_BASE;
const TOKEN = process.env.LOGIN_TOKEN;
const NSS_HOME = process.env.NSS_HOME;
export const ARTIFACTS = process.env.E2E_ARTIFACTS || new URL("../artifacts", import.meta.url).pathname;
assert.ok(BASE && TOKEN && NSS_HOME, "run through e2e/run (LOGIN_BASE, LOGIN_TOKEN, NSS_HOME)");
mkdirSync(ARTIFACTS, { recursive: true });
export const PASSWORD = "Correct-Horse-9-Battery";

/** A Management API call; fails the test on any error answer. */
export async function api(method, path, body) {
  const r = await fetch(`${BASE}/api/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  const json = text ? JSON.parse(text) : null;
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return json;
}

/** An HTTP server on a free port (its handler set later), and its base URL. */
export async function appServer() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, appBase: `http://localhost:${server.address().port}` };
}

/**
 * Chromium in a throwaway profile whose HOME holds the NSS database that trusts orgwarden's CA;
 * `problems` collects console errors (CSP violations included) and page errors.
 */
export async function trustingBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "orgwarden-e2e-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    env: { ...process.env, HOME: NSS_HOME },
    viewport: { width: 420, height: 860 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  const close = async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); };
  const shot = (name) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  return { page, problems, close, shot };
}

/** The check Auth0's SDKs make and express-openid-connect leaves to the app. */
export function checkOrganization(claims, organization) {
  if (organization.startsWith("org_")) assert.equal(claims.org_id, organization);
  else assert.equal(claims.org_name, organization.toLowerCase());
}
