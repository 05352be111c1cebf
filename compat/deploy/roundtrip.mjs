// Auth0's Deploy CLI against two real orgwarden servers: seed tenant A through the API,
// `a0deploy export` it, check the export holds what was seeded, `a0deploy import` it into the
// empty tenant B, read B back and compare, change the export and import again.
//
//   node roundtrip.mjs WORK_DIR A_DATA_DIR B_DATA_DIR
//
// Each data dir holds the server's admin-client.json and tls/ca.pem; NODE_EXTRA_CA_CERTS must
// name a file with both CAs (compat/deploy/run sets it). Every step that fails prints why and
// exits non-zero; the CLI's own output is kept in WORK_DIR.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';

const HERE = dirname(fileURLToPath(import.meta.url));
const A0DEPLOY = join(HERE, 'node_modules', '.bin', 'a0deploy');
const [WORK, A_DIR, B_DIR] = process.argv.slice(2);
if (!WORK || !A_DIR || !B_DIR) {
  console.error('usage: node roundtrip.mjs WORK_DIR A_DATA_DIR B_DATA_DIR');
  process.exit(2);
}
// The resource types orgwarden serves (docs/behaviour.md lists what it answers for the rest).
const INCLUDED = ['organizations', 'connections', 'databases', 'clients', 'clientGrants', 'resourceServers', 'roles'];

let step = 'start';
const started = Date.now();
const say = (s) => console.log(`  [${((Date.now() - started) / 1000).toFixed(1)}s] ${s}`);

// ---- a tenant: token, calls --------------------------------------------------------------
async function tenant(dir) {
  const admin = JSON.parse(readFileSync(join(dir, 'admin-client.json'), 'utf8'));
  const r = await fetch(admin.token_url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: admin.client_id,
      client_secret: admin.client_secret,
      audience: admin.audience,
    }),
  });
  const tokenBody = await r.text();
  assert.equal(r.status, 200, `token for ${dir}: ${tokenBody}`);
  const { access_token } = JSON.parse(tokenBody);
  const api = async (method, path, body) => {
    const res = await fetch(`${admin.audience.replace(/\/$/, '')}${path}`, {
      method,
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) {
      throw new Error(`${method} ${path} -> ${res.status} ${text}`);
    }
    return text ? JSON.parse(text) : null;
  };
  return { admin, api, dir };
}

function config(t, file) {
  const cfg = {
    AUTH0_DOMAIN: t.admin.domain,
    AUTH0_CLIENT_ID: t.admin.client_id,
    AUTH0_CLIENT_SECRET: t.admin.client_secret,
    AUTH0_INCLUDED_ONLY: INCLUDED,
    AUTH0_ALLOW_DELETE: false,
  };
  writeFileSync(file, JSON.stringify(cfg, null, 2), { mode: 0o600 });
  return file;
}

function a0deploy(args, log) {
  try {
    const out = execFileSync(A0DEPLOY, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
    writeFileSync(log, out);
    return out;
  } catch (e) {
    writeFileSync(log, `${e.stdout ?? ''}\n${e.stderr ?? ''}`);
    throw new Error(`a0deploy ${args[0]} exited ${e.status}:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

// ---- the state compared: everything keyed by name ----------------------------------------
async function state(t) {
  const clients = (await t.api('GET', '/clients?per_page=100')).filter((c) => c.client_id !== t.admin.client_id);
  const clientName = Object.fromEntries(clients.map((c) => [c.client_id, c.name]));
  const connections = await t.api('GET', '/connections?per_page=100');
  const rs = (await t.api('GET', '/resource-servers?per_page=100')).filter((r) => !r.is_system);
  const grants = (await t.api('GET', '/client-grants?per_page=100'))
    .filter((g) => clientName[g.client_id])
    .map((g) => ({
      client: clientName[g.client_id],
      audience: g.audience,
      scope: [...g.scope].sort(),
      organization_usage: g.organization_usage,
    }))
    .sort((a, b) => `${a.client}${a.audience}`.localeCompare(`${b.client}${b.audience}`));
  const orgs = [];
  for (const o of await t.api('GET', '/organizations?per_page=100')) {
    const enabled = await t.api('GET', `/organizations/${o.id}/enabled_connections?per_page=100`);
    const orgGrants = await t.api('GET', `/organizations/${o.id}/client-grants?per_page=100`);
    orgs.push({
      name: o.name,
      display_name: o.display_name,
      branding: o.branding,
      metadata: o.metadata,
      connections: enabled
        .map((e) => ({
          name: e.connection.name,
          assign_membership_on_login: e.assign_membership_on_login,
          show_as_button: e.show_as_button,
          is_signup_enabled: e.is_signup_enabled,
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      client_grants: orgGrants.map((g) => `${clientName[g.client_id]} -> ${g.audience}`).sort(),
    });
  }
  const enabledClients = async (c) => {
    const page = await t.api('GET', `/connections/${c.id}/clients?take=100`);
    return page.clients.map((x) => clientName[x.client_id]).filter(Boolean).sort();
  };
  const conns = [];
  for (const c of connections) {
    conns.push({
      name: c.name,
      strategy: c.strategy,
      display_name: c.display_name,
      options: c.strategy === 'auth0' ? { passwordPolicy: c.options?.passwordPolicy } : c.options,
      enabled_clients: await enabledClients(c),
    });
  }
  const roles = [];
  for (const r of await t.api('GET', '/roles?per_page=100')) {
    const permissions = await t.api('GET', `/roles/${r.id}/permissions?per_page=100`);
    roles.push({
      name: r.name,
      description: r.description,
      permissions: permissions.map((p) => `${p.resource_server_identifier} ${p.permission_name}`).sort(),
    });
  }
  return {
    roles: roles.sort((a, b) => a.name.localeCompare(b.name)),
    organizations: orgs.sort((a, b) => a.name.localeCompare(b.name)),
    connections: conns.sort((a, b) => a.name.localeCompare(b.name)),
    clients: clients
      .map((c) => ({ name: c.name, app_type: c.app_type, callbacks: c.callbacks ?? [], initiate_login_uri: c.initiate_login_uri }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    resourceServers: rs
      .map((r) => ({ identifier: r.identifier, name: r.name, scopes: r.scopes, token_lifetime: r.token_lifetime }))
      .sort((a, b) => a.identifier.localeCompare(b.identifier)),
    clientGrants: grants,
  };
}

// ---- seed A -------------------------------------------------------------------------------
async function seed(t) {
  const web = await t.api('POST', '/clients', {
    name: 'Acme Web', app_type: 'regular_web',
    callbacks: ['https://app.acme.test/callback'], initiate_login_uri: 'https://app.acme.test/login',
  });
  const worker = await t.api('POST', '/clients', { name: 'Billing Worker', app_type: 'non_interactive' });
  const db = await t.api('POST', '/connections', {
    name: 'acme-users', strategy: 'auth0', enabled_clients: [web.client_id],
    options: { passwordPolicy: 'good' },
  });
  const saml = await t.api('POST', '/connections', {
    name: 'globex-saml', strategy: 'samlp', display_name: 'Globex SSO',
    enabled_clients: [web.client_id],
    options: { signInEndpoint: 'https://idp.globex.test/sso', signingCert: 'MIIBc2lnbmluZ2NlcnQ=' },
  });
  await t.api('POST', '/resource-servers', {
    name: 'Billing API', identifier: 'https://billing.acme.test/', token_lifetime: 3600,
    scopes: [{ value: 'read:invoices', description: 'Read invoices' }, { value: 'pay:invoices', description: 'Pay invoices' }],
  });
  const reader = await t.api('POST', '/roles', { name: 'Billing Reader', description: 'Reads invoices' });
  await t.api('POST', `/roles/${reader.id}/permissions`, {
    permissions: [{ resource_server_identifier: 'https://billing.acme.test/', permission_name: 'read:invoices' }],
  });
  const grant = await t.api('POST', '/client-grants', {
    client_id: worker.client_id, audience: 'https://billing.acme.test/', scope: ['read:invoices'],
    organization_usage: 'allow', allow_any_organization: false,
  });
  const acme = await t.api('POST', '/organizations', {
    name: 'acme', display_name: 'Acme Inc.', metadata: { tier: 'gold' },
    branding: { logo_url: 'https://acme.test/logo.png', colors: { primary: '#112233', page_background: '#ffffff' } },
  });
  await t.api('POST', `/organizations/${acme.id}/enabled_connections`, {
    connection_id: db.id, assign_membership_on_login: true, is_signup_enabled: true, show_as_button: true,
  });
  await t.api('POST', `/organizations/${acme.id}/enabled_connections`, {
    connection_id: saml.id, assign_membership_on_login: false, show_as_button: false,
  });
  await t.api('POST', `/organizations/${acme.id}/client-grants`, { grant_id: grant.id });
  const globex = await t.api('POST', '/organizations', { name: 'globex', display_name: 'Globex' });
  await t.api('POST', `/organizations/${globex.id}/enabled_connections`, { connection_id: saml.id });
}

// ---- the round trip -----------------------------------------------------------------------
async function main() {
  mkdirSync(WORK, { recursive: true });
  const a = await tenant(A_DIR);
  const b = await tenant(B_DIR);

  step = 'seed tenant A';
  await seed(a);
  const seeded = await state(a);
  say(`seeded A: ${seeded.roles.length} roles, ${seeded.organizations.length} organizations, ${seeded.connections.length} connections, ${seeded.clients.length} clients, ${seeded.clientGrants.length} grants, ${seeded.resourceServers.length} APIs`);

  step = 'export A';
  const exportDir = join(WORK, 'export');
  a0deploy(['export', '-c', config(a, join(WORK, 'a.json')), '-f', 'yaml', '-o', exportDir], join(WORK, 'export.log'));
  const file = join(exportDir, 'tenant.yaml');
  const exported = yaml.load(readFileSync(file, 'utf8'));
  // A tool that "succeeds" with wrong output is the worst failure: check what it wrote.
  assert.deepEqual((exported.organizations ?? []).map((o) => o.name).sort(), ['acme', 'globex'], 'exported organizations');
  const acme = exported.organizations.find((o) => o.name === 'acme');
  assert.deepEqual(
    acme.connections.map((c) => [c.name, c.assign_membership_on_login, c.is_signup_enabled, c.show_as_button]).sort(),
    [['acme-users', true, true, true], ['globex-saml', false, false, false]],
    'acme exported with its connections and their settings',
  );
  assert.deepEqual(acme.client_grants, [{ client_id: 'Billing Worker' }], "acme's client grant exported by client name");
  assert.deepEqual(acme.branding?.colors?.primary, '#112233', "acme's branding exported");
  assert.deepEqual((exported.databases ?? []).map((d) => d.name), ['acme-users'], 'database connections exported');
  assert.deepEqual((exported.databases[0].enabled_clients ?? []), ['Acme Web'], 'enabled clients exported by name');
  assert.deepEqual((exported.connections ?? []).map((d) => d.name), ['globex-saml'], 'enterprise connections exported');
  assert.deepEqual((exported.resourceServers ?? []).map((r) => r.identifier), ['https://billing.acme.test/'], 'APIs exported');
  assert.equal((exported.clientGrants ?? []).filter((g) => g.client_id === 'Billing Worker').length, 1, 'grants exported');
  assert.deepEqual((exported.roles ?? []).map((r) => [r.name, r.permissions?.length]), [['Billing Reader', 1]], 'roles exported with their permissions');
  say(`exported ${file}`);

  step = 'import into the empty tenant B';
  a0deploy(['import', '-c', config(b, join(WORK, 'b.json')), '-i', file], join(WORK, 'import-1.log'));
  assert.deepEqual(await state(b), seeded, 'B read back after the import equals A');
  say('imported into B: state read back equals A');

  step = 'change the export and import it again';
  acme.display_name = 'Acme Corporation';
  acme.connections = acme.connections.filter((c) => c.name !== 'globex-saml');
  const db = exported.databases[0];
  db.enabled_clients = ['Acme Web', 'Billing Worker'];
  const api = exported.resourceServers[0];
  api.scopes.push({ value: 'refund:invoices', description: 'Refund invoices' });
  const g = exported.clientGrants.find((x) => x.client_id === 'Billing Worker');
  g.scope = ['read:invoices', 'refund:invoices'];
  exported.roles[0].description = 'Reads and pays invoices';
  exported.roles[0].permissions.push({ resource_server_identifier: 'https://billing.acme.test/', permission_name: 'pay:invoices' });
  exported.organizations.push({ name: 'initech', display_name: 'Initech', connections: [{ name: 'acme-users', assign_membership_on_login: false, show_as_button: true }] });
  const changed = join(WORK, 'changed', 'tenant.yaml');
  mkdirSync(dirname(changed), { recursive: true });
  writeFileSync(changed, yaml.dump(exported));
  a0deploy(['import', '-c', config(b, join(WORK, 'b.json')), '-i', changed], join(WORK, 'import-2.log'));

  const expected = structuredClone(seeded);
  const eAcme = expected.organizations.find((o) => o.name === 'acme');
  eAcme.display_name = 'Acme Corporation';
  eAcme.connections = eAcme.connections.filter((c) => c.name !== 'globex-saml');
  expected.organizations.push({
    name: 'initech', display_name: 'Initech', branding: undefined, metadata: undefined,
    connections: [{ name: 'acme-users', assign_membership_on_login: false, show_as_button: true, is_signup_enabled: false }],
    client_grants: [],
  });
  expected.organizations.sort((x, y) => x.name.localeCompare(y.name));
  expected.connections.find((c) => c.name === 'acme-users').enabled_clients = ['Acme Web', 'Billing Worker'];
  expected.resourceServers[0].scopes.push({ value: 'refund:invoices', description: 'Refund invoices' });
  expected.roles[0].description = 'Reads and pays invoices';
  expected.roles[0].permissions = ['https://billing.acme.test/ pay:invoices', 'https://billing.acme.test/ read:invoices'];
  expected.clientGrants.find((x) => x.client === 'Billing Worker').scope = ['read:invoices', 'refund:invoices'];
  const after = await state(b);
  // `branding: undefined` and a missing key compare equal only through JSON.
  assert.deepEqual(JSON.parse(JSON.stringify(after)), JSON.parse(JSON.stringify(expected)), 'B after the changed import');
  say('changed and imported again: B has every change');

  step = 'import the same file again';
  a0deploy(['import', '-c', config(b, join(WORK, 'b.json')), '-i', changed], join(WORK, 'import-3.log'));
  assert.deepEqual(JSON.parse(JSON.stringify(await state(b))), JSON.parse(JSON.stringify(expected)), 'a repeated import changes nothing');
  say('imported the same file again: nothing changed');
}

main().then(
  () => {
    console.log(`deploy: round trip passed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  },
  (e) => {
    console.error(`deploy: FAILED at "${step}":\n${e.stack ?? e}`);
    process.exit(1);
  },
);
