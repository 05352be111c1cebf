// The dashboard in a real browser (Debian's chromium, driven by playwright-core): sign in,
// create an organization, enable two connections, toggle a setting, read the sign-up rule's
// hint, disable one, sign out; then the people screens: create a user, add them to the
// organization with a role, invite someone and copy the link, revoke it, remove the member,
// delete the user. Screenshots of the main pages go to $E2E_ARTIFACTS.
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

async function signIn() {
  await page.goto(BASE + "/dashboard/organizations");
  await page.waitForURL(/\/dashboard\/sign-in/);
  await page.getByLabel("Dashboard password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/dashboard\/organizations$/);
}

test("people: users, an organization's members with roles, invitations", async () => {
  await page.setViewportSize({ width: 1200, height: 900 });
  await signIn();
  const nav = page.getByRole("navigation", { name: "Main" });

  // Users: a weak password is refused with the policy's message, a good one creates.
  await nav.getByRole("link", { name: "Users" }).click();
  await page.getByRole("heading", { name: "Users", level: 1 }).waitFor();
  await page.getByLabel("Database connection").selectOption({ label: "e2e-members" });
  await page.getByLabel("Email", { exact: true }).fill("pat@e2e.test");
  await page.getByLabel("Name (optional)").fill("Pat Example");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByRole("button", { name: "Create user" }).click();
  await page.locator("#password-error").waitFor();
  assert.match(await page.locator("#password-error").textContent(), /PasswordStrengthError/);
  assert.equal(await page.getByLabel("Password", { exact: true }).inputValue(), "", "never sent back");
  assert.equal(await page.getByLabel("Email", { exact: true }).inputValue(), "pat@e2e.test", "kept as typed");
  await page.getByLabel("Password", { exact: true }).fill("A long enough passphrase 7");
  await page.getByRole("button", { name: "Create user" }).click();
  await page.getByText("Created.").waitFor();
  await page.getByLabel("Search users").fill("pat");
  await page.getByRole("button", { name: "Search" }).click();
  const patRow = page.locator("tbody tr", { hasText: "pat@e2e.test" });
  await patRow.waitFor();
  await patRow.getByRole("button", { name: "Block Pat Example" }).click();
  await page.getByText("User blocked.").waitFor();
  assert.equal(await page.locator("tbody tr", { hasText: "pat@e2e.test" }).getByText("blocked", { exact: true }).isVisible(), true);
  await page.locator("tbody tr", { hasText: "pat@e2e.test" }).getByRole("button", { name: "Unblock Pat Example" }).click();
  await page.getByText("User unblocked.").waitFor();
  await shot("08-users");

  // Members: the organization's tab; an unknown email is refused, Pat is added and given a role.
  await nav.getByRole("link", { name: "Organizations" }).click();
  await page.getByRole("link", { name: "acme-e2e" }).click();
  const tabs = page.getByRole("navigation", { name: "Organization" });
  await tabs.getByRole("link", { name: "Members" }).click();
  await page.getByRole("heading", { name: /^Members of/ }).waitFor();
  const who = page.getByLabel("Email or user id of an existing user");
  await who.fill("nobody@e2e.test");
  await page.getByRole("button", { name: "Add member" }).click();
  await page.locator("#user-error").waitFor();
  await page.getByLabel("Email or user id of an existing user").fill("pat@e2e.test");
  await page.getByRole("button", { name: "Add member" }).click();
  await page.getByText("Member added.").waitFor();
  await page.getByLabel("Role for Pat Example").selectOption({ label: "e2e-editor" });
  await page.getByRole("button", { name: "Give role" }).click();
  await page.getByText("Roles saved.").waitFor();
  const member = page.locator("tbody tr", { hasText: "pat@e2e.test" });
  assert.equal(await member.getByRole("button", { name: "Take e2e-editor from Pat Example" }).isVisible(), true);
  await shot("09-members");

  // Invitations: create one for the web application with the role; its link is shown to copy.
  await tabs.getByRole("link", { name: "Invitations" }).click();
  await page.getByText("No pending invitation.").waitFor();
  await page.getByLabel("Invitee's email").fill("sam@e2e.test");
  await page.getByLabel("Inviter's name (shown to the invitee)").fill("Pat");
  await page.getByLabel("Application").selectOption({ label: "e2e web (https://app.e2e.test/login)" });
  await page.getByLabel("e2e-editor").check();
  await page.getByRole("button", { name: "Create invitation" }).click();
  await page.getByText("Invitation created").waitFor();
  const link = await page.getByLabel("Invitation link for sam@e2e.test").inputValue();
  assert.match(link, /^https:\/\/app\.e2e\.test\/login\?invitation=[A-Za-z0-9]+&organization=org_/);
  const inviteRow = page.locator("tbody tr", { hasText: "sam@e2e.test" });
  assert.equal(await inviteRow.getByRole("button", { name: "Copy" }).isVisible(), true, "copy button shown with JS");
  assert.match(await inviteRow.textContent(), /Roles: e2e-editor/);
  await shot("10-invitations");
  await inviteRow.getByRole("button", { name: "Revoke the invitation of sam@e2e.test" }).click();
  await page.getByText("Invitation revoked.").waitFor();
  await page.getByText("No pending invitation.").waitFor();

  // Remove the member, then delete the user after its confirmation page.
  await tabs.getByRole("link", { name: "Members" }).click();
  await page.getByRole("button", { name: "Remove Pat Example" }).click();
  await page.getByText("Member removed.").waitFor();
  await page.getByText("This organization has no members yet.").waitFor();
  await nav.getByRole("link", { name: "Users" }).click();
  await page.getByRole("link", { name: "Delete Pat Example…" }).click();
  await page.getByRole("heading", { name: "Delete user Pat Example?" }).waitFor();
  await page.getByRole("button", { name: "Delete user" }).click();
  await page.getByText("Deleted.").waitFor();
  assert.equal(await page.locator("tbody tr", { hasText: "pat@e2e.test" }).count(), 0);

  assert.deepEqual(problems, [], "no console errors (CSP violations, script errors)");
});
