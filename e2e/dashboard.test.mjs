// The dashboard in a real browser (Debian's chromium, driven by playwright-core): sign in,
// create an organization, enable two connections, toggle a setting, read the sign-up rule's
// hint, disable one, sign out. Screenshots of the main pages go to $E2E_ARTIFACTS.
// Started by e2e/run, which gives BASE_URL and DASHBOARD_PASSWORD.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const BASE = process.env.BASE_URL;
const PASSWORD = process.env.DASHBOARD_PASSWORD;
const ARTIFACTS = process.env.E2E_ARTIFACTS || new URL("./artifacts", import.meta.url).pathname;
const SIGNUP_HINT = "Sign-up needs membership on login, and only database connections support it.";
assert.ok(BASE && PASSWORD, "run through e2e/run (BASE_URL and DASHBOARD_PASSWORD)");
mkdirSync(ARTIFACTS, { recursive: true });

let browser, context, page;
const problems = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  page = await context.newPage();
  // Any console error (a CSP violation, a script error) fails the run.
  // (Pages answered 401 or 422 on purpose are not problems.)
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
});

after(async () => { await browser?.close(); });

const shot = (name) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

test("sign in, manage an organization's connections, sign out", async () => {
  await page.goto(BASE + "/");
  await page.waitForURL(/\/dashboard\/sign-in/);
  await shot("01-sign-in");
  // A wrong password is refused with a message.
  await page.getByLabel("Dashboard password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await assert.doesNotReject(page.getByText("Those credentials are not valid").waitFor());
  await page.getByLabel("Dashboard password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/dashboard\/organizations$/);
  assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Organizations");

  // Create an organization; a bad name first, then a good one.
  await page.getByRole("link", { name: "New organization" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Acme E2E");
  await page.getByLabel("Display name").fill("Acme <b>E2E</b>");
  await page.getByLabel("Primary colour").fill("#0b5cad");
  await page.getByLabel("Page background colour").fill("#f4f6f8");
  await page.getByLabel("Key 1", { exact: true }).fill("tier");
  await page.getByLabel("Value 1", { exact: true }).fill("gold");
  await page.getByRole("button", { name: "Create organization" }).click();
  await page.locator("#name-error").waitFor();
  assert.match(await page.locator("#name-error").textContent(), /organization-name/);
  assert.equal(await page.getByLabel("Display name").inputValue(), "Acme <b>E2E</b>", "kept as typed");
  await shot("02-organization-form-error");
  await page.getByLabel("Name", { exact: true }).fill("acme-e2e");
  await page.getByRole("button", { name: "Create organization" }).click();
  await page.waitForURL(/\/connections\?notice=created$/);
  await page.getByRole("heading", { name: "Connections of Acme <b>E2E</b>" }).waitFor();
  assert.match(await page.locator("h2#enabled").textContent(), /0 of 10/);

  // Enable two connections from the picker.
  await page.getByLabel("Connection", { exact: true }).selectOption({ label: "e2e-members (auth0)" });
  await page.locator("#new-membership").check();
  await page.getByRole("button", { name: "Enable connection" }).click();
  await page.getByText("Connection enabled.").waitFor();
  await page.getByLabel("Filter the tenant's connections by name").fill("saml");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByLabel("Connection", { exact: true }).selectOption({ label: "e2e-saml (samlp)" });
  await page.getByRole("button", { name: "Enable connection" }).click();
  await page.getByText("Connection enabled.").waitFor();
  assert.match(await page.locator("h2#enabled").textContent(), /2 of 10/);

  // The sign-up rule is explained next to the control; non-database rows cannot turn it on.
  const dbRow = page.locator("tbody tr", { hasText: "e2e-members" });
  const samlRow = page.locator("tbody tr", { hasText: "e2e-saml" });
  assert.equal(await dbRow.getByText(SIGNUP_HINT).isVisible(), true);
  assert.equal(await samlRow.getByLabel("Allow sign-up").isDisabled(), true);

  // Toggle a setting: allow sign-up on the database connection (membership is on).
  await dbRow.getByLabel("Allow sign-up").check();
  await dbRow.getByRole("button", { name: "Save" }).click();
  await page.getByText("Saved.").waitFor();
  assert.equal(await page.locator("tbody tr", { hasText: "e2e-members" }).getByLabel("Allow sign-up").isChecked(), true);
  // Membership off with sign-up on: refused, with the API's message on that row.
  await page.locator("tbody tr", { hasText: "e2e-members" }).getByLabel(/Add members on login/).uncheck();
  await page.locator("tbody tr", { hasText: "e2e-members" }).getByRole("button", { name: "Save" }).click();
  await page.getByText("Only database connections with assign_membership_on_login = true support is_signup_enabled = true.").waitFor();
  await shot("03-organization-connections");

  // Disable one, after a confirmation page.
  await page.locator("tbody tr", { hasText: "e2e-saml" }).getByRole("link", { name: "Disable…" }).click();
  await page.getByRole("heading", { name: "Disable e2e-saml for acme-e2e?" }).waitFor();
  await page.getByRole("button", { name: "Disable connection" }).click();
  await page.getByText("Connection disabled.").waitFor();
  assert.match(await page.locator("h2#enabled").textContent(), /1 of 10/);

  // The other screens.
  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Organizations" }).click();
  await page.getByLabel("Search by name or display name").fill("ACME");
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("link", { name: "acme-e2e" }).waitFor();
  await shot("04-organizations");
  await nav.getByRole("link", { name: "Connections" }).click();
  await page.getByRole("heading", { name: "Connections", exact: true }).waitFor();
  await shot("05-connections");
  await nav.getByRole("link", { name: "Machine clients" }).click();
  await page.getByLabel("New client's name").fill("e2e reporting");
  await page.getByRole("button", { name: "Create client" }).click();
  await page.getByLabel("Client secret (shown once)").waitFor();
  assert.equal(await page.getByRole("button", { name: "Copy" }).isVisible(), true, "copy button shown with JS");
  await shot("06-client-created");

  // Narrow screen.
  await page.setViewportSize({ width: 380, height: 800 });
  await page.goto(BASE + "/dashboard/organizations");
  await shot("07-organizations-narrow");

  // Keyboard: the skip link is the first stop.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to content");

  // Sign out.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByText("You are signed out.").waitFor();
  await page.goto(BASE + "/dashboard/organizations");
  await page.waitForURL(/\/dashboard\/sign-in/);

  assert.deepEqual(problems, [], "no console errors (CSP violations, script errors)");
});
