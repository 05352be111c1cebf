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
    body: typeof init?.body === "string" ? redact(init.body) : init?.body == null ? undefined : "[non-string body]",
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
