// Shared set-up for the Node part of the compatibility suite.
//
// compat/run starts `orgwarden serve`, then runs these tests with:
//   ORGWARDEN_ADMIN_CLIENT  path of <data-dir>/admin-client.json (client_id, client_secret, domain)
//   NODE_EXTRA_CA_CERTS     <data-dir>/tls/ca.pem, so Node trusts the server as a user would
//   COMPAT_RUN_ID           a short suffix that keeps this run's names apart from other runs
//
// Nothing here changes what the SDK sends or how it reads answers. The fetch recorder below only
// watches the traffic (it calls the real fetch with the same arguments and returns its response
// untouched) so that a failing test can print the exact exchange for the report.

import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import { ManagementClient, ManagementError } from "auth0";

const adminPath = process.env.ORGWARDEN_ADMIN_CLIENT;
if (!adminPath) {
  throw new Error("ORGWARDEN_ADMIN_CLIENT is not set: run the suite with compat/run");
}

export const admin = JSON.parse(fs.readFileSync(adminPath, "utf8"));
export const domain = process.env.ORGWARDEN_DOMAIN || admin.domain;
export const runId = (process.env.COMPAT_RUN_ID || Math.random().toString(36).slice(2, 8)).toLowerCase();

let seq = 0;
/** A name unique to this run: lowercase letters, digits and dashes (valid for organizations and connections). */
export function uniqueName(prefix) {
  seq += 1;
  return `${prefix}-n${runId}-${seq}`;
}

/** The ManagementClient exactly as a user builds it: domain + client credentials; the SDK gets its own token. */
export function managementClient(opts = {}) {
  return new ManagementClient({
    domain,
    clientId: opts.clientId ?? admin.client_id,
    clientSecret: opts.clientSecret ?? admin.client_secret,
    ...opts.extra,
  });
}

// ---- traffic recorder (observation only) ----
const exchanges = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async function recordingFetch(input, init) {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const entry = {
    method: init?.method ?? "GET",
    url,
    body:
      typeof init?.body === "string"
        ? redact(init.body)
        : init?.body instanceof URLSearchParams
          ? redact(init.body.toString())
          : init?.body == null
            ? undefined
            : "[non-string body]",
  };
  exchanges.push(entry);
  if (exchanges.length > 50) exchanges.shift();
  const res = await realFetch(input, init);
  entry.status = res.status;
  try {
    entry.response = redact(await res.clone().text());
  } catch {
    entry.response = "[unreadable]";
  }
  return res;
};

function redact(text) {
  return text
    .replace(/(client_secret=)[^&]+/g, "$1…")
    .replace(/("client_secret"\s*:\s*")[^"]+/g, "$1…")
    .replace(/("access_token"\s*:\s*")[^"]+/g, "$1…")
    .replace(/("id_token"\s*:\s*")[^"]+/g, "$1…")
    .slice(0, 2000);
}

/** The last n exchanges, for a failure message. */
export function lastExchanges(n = 3) {
  return exchanges
    .slice(-n)
    .map((e) => `${e.method} ${e.url}${e.body ? ` body=${e.body}` : ""}\n  <- ${e.status} ${e.response ?? ""}`)
    .join("\n");
}

/**
 * Run an SDK call that must fail; check that the SDK raised its own error type with the status,
 * errorCode and message the API documents. Returns the error.
 */
export async function expectSdkError(promiseOrFn, { type, statusCode, errorCode, message, oauth = false }) {
  let err;
  try {
    await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected the SDK to throw ${type?.name ?? "an error"} (${statusCode}); it resolved.\n${lastExchanges()}`);
  const ctx = `\n${err.name}: ${err.message}\nlast exchanges:\n${lastExchanges()}`;
  assert.ok(err instanceof ManagementError, `expected a ManagementError, got ${err?.constructor?.name}${ctx}`);
  if (type) assert.ok(err instanceof type, `expected ${type.name}, got ${err.constructor.name}${ctx}`);
  assert.equal(err.statusCode, statusCode, `statusCode${ctx}`);
  if (oauth) {
    // /oauth/token errors are OAuth-style: {error, error_description}
    if (errorCode !== undefined) assert.equal(err.body?.error, errorCode, `body.error${ctx}`);
    if (message !== undefined) assert.equal(err.body?.error_description, message, `body.error_description${ctx}`);
    return err;
  }
  if (errorCode !== undefined) assert.equal(err.body?.errorCode, errorCode, `body.errorCode${ctx}`);
  if (message !== undefined) {
    if (message instanceof RegExp) assert.match(err.body?.message ?? "", message, `body.message${ctx}`);
    else assert.equal(err.body?.message, message, `body.message${ctx}`);
    // The SDK's own Error#message carries the body, so users see the server's text.
    assert.ok(err.message.includes(String(err.body?.message)), `Error#message should include the body's message${ctx}`);
  }
  assert.equal(err.body?.statusCode, statusCode, `body.statusCode${ctx}`);
  return err;
}

/** Assert with the recent traffic attached, so a mismatch can be reported precisely. */
export function check(cond, what) {
  assert.ok(cond, `${what}\nlast exchanges:\n${lastExchanges()}`);
}

// ---- the Authentication API (people's sign-in) ----

/**
 * Run an authentication-client call that must fail; check that the SDK raised `type` (node-auth0's
 * AuthApiError, or UserInfoError) with the status and the OAuth error/description it read from
 * the answer. Returns the error.
 */
export async function expectAuthError(promiseOrFn, { type, statusCode, error, description }) {
  let err;
  try {
    await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected the SDK to throw ${type.name} (${statusCode}); it resolved.\n${lastExchanges()}`);
  const ctx = `\n${err.name}: ${err.message}\nlast exchanges:\n${lastExchanges()}`;
  assert.ok(err instanceof type, `expected ${type.name}, got ${err?.constructor?.name}${ctx}`);
  assert.equal(err.statusCode, statusCode, `statusCode${ctx}`);
  if (error !== undefined) assert.equal(err.error, error, `error${ctx}`);
  if (description !== undefined) {
    assert.equal(err.error_description, description, `error_description${ctx}`);
    // The SDK's own Error#message is the server's description, so users see the server's text.
    assert.equal(err.message, description, `Error#message${ctx}`);
  }
  return err;
}

/** A PKCE pair (RFC 7636, S256), as a client library makes one. */
export function pkcePair() {
  const verifier = crypto.randomBytes(32).toString("base64url");
  const challenge = crypto.createHash("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
}

/** A JWT's claims, read without checking anything (the SDK under test does the checking). */
export function claimsOf(jwt) {
  return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8"));
}

function htmlUnescape(text) {
  const named = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, e) => {
    if (e[0] === "#") return String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return named[e.toLowerCase()] ?? whole;
  });
}

/**
 * What a browser does for a sign-in: GET /authorize, then submit the login form it answers
 * (its hidden fields, the email and password, and the CSRF cookie it set), without following
 * the redirect. Returns the callback URL the server sent the browser to.
 */
export async function signInThroughTheForm(authorize, { username, password }) {
  const page = await fetch(`https://${domain}/authorize?${new URLSearchParams(authorize)}`, { redirect: "manual" });
  const html = await page.text();
  check(page.status === 200, `GET /authorize answers the login page (${page.status})`);
  const cookies = page.headers.getSetCookie().map((c) => c.split(";")[0]);
  check(cookies.some((c) => c.startsWith("orgwarden_login_csrf=")), `the login page sets its CSRF cookie: ${cookies}`);
  const action = htmlUnescape(/<form[^>]*\saction="([^"]*)"/.exec(html)?.[1] ?? "");
  check(action !== "", "the login page has a form with an action");
  const fields = new URLSearchParams();
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    fields.append(htmlUnescape(name), htmlUnescape(value));
  }
  fields.append("username", username);
  fields.append("password", password);
  const done = await fetch(new URL(action, `https://${domain}/`), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies.join("; ") },
    body: fields.toString(),
    redirect: "manual",
  });
  check(done.status === 302, `the login form's POST redirects to the callback (${done.status})`);
  return new URL(done.headers.get("location"));
}

/**
 * What a browser does with a page holding one form: GET `url`, then POST its form (its hidden
 * fields plus `fields`, with the cookies the page set) without following a redirect. Returns
 * the answer.
 */
export async function submitThePage(url, fields) {
  const page = await fetch(url, { redirect: "manual" });
  const html = await page.text();
  check(page.status === 200, `GET ${new URL(url).pathname} answers a page (${page.status})`);
  const cookies = page.headers.getSetCookie().map((c) => c.split(";")[0]);
  const action = htmlUnescape(/<form[^>]*\saction="([^"]*)"/.exec(html)?.[1] ?? "");
  check(action !== "", "the page has a form with an action");
  const body = new URLSearchParams();
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    body.append(htmlUnescape(name), htmlUnescape(value));
  }
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  return fetch(new URL(action, url), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies.join("; ") },
    body: body.toString(),
    redirect: "manual",
  });
}

/**
 * The last password-change link the server logged for `userId` (orgwarden sends no email; it
 * logs the link). compat/run passes the server's log as COMPAT_SERVER_LOG.
 */
export function loggedPasswordLink(userId) {
  const log = fs.readFileSync(process.env.COMPAT_SERVER_LOG, "utf8").replace(/\x1b\[[0-9;]*m/g, "");
  const lines = log.split("\n").filter((l) => l.includes("password-change link") && l.includes(userId));
  const url = /url=(\S+)/.exec(lines.at(-1) ?? "")?.[1];
  check(url !== undefined, `the server logged a password-change link for ${userId}`);
  return url;
}
