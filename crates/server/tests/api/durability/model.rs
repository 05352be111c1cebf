//! What one writer has been promised: the objects it owns (named `dur-w{N}-…`, so writers never
//! touch each other's), the writes it may send next, and the one write whose answer never came.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use reqwest::Method;
use serde_json::{json, Value};

use super::rng::Rng;

/// Connections a writer keeps at most (each may be enabled on all its organizations).
const MAX_CONNECTIONS: usize = 6;
/// Organizations a writer keeps at most.
const MAX_ORGANIZATIONS: usize = 12;
/// Clients a writer keeps at most.
const MAX_CLIENTS: usize = 5;
/// Connections enabled in one organization creation, at most.
const MAX_ENABLED_AT_CREATION: usize = 4;

/// The scope a writer's clients are granted: enough to read organizations with their token.
pub const CLIENT_SCOPE: &str = "read:organizations";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub name: String,
    /// `metadata.v` as acknowledged last.
    pub metadata: u64,
    /// Enabled connections: id -> `assign_membership_on_login`.
    pub enabled: BTreeMap<String, bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub name: String,
    /// Unknown when the creation's answer was lost (the secret is shown only there).
    pub secret: Option<String>,
    /// The id of its grant on the Management API, if one was created.
    pub grant: Option<String>,
}

/// The token signing keys, kept by one writer (rotation is tenant-wide).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    /// The kid of the current key.
    pub current: String,
    /// Every kid there has been: all still verify (they were revoked less than a token
    /// lifetime ago), so all are listed.
    pub known: BTreeSet<String>,
}

/// One write, fully decided before it is sent (names included), so an unanswered one can be
/// recognized in the database afterwards.
#[derive(Debug, Clone)]
pub enum Op {
    CreateConnection {
        name: String,
    },
    DeleteConnection {
        id: String,
    },
    CreateOrganization {
        name: String,
        enabled: BTreeMap<String, bool>,
    },
    DeleteOrganization {
        id: String,
    },
    PatchMetadata {
        id: String,
        to: u64,
    },
    Enable {
        org: String,
        connection: String,
        assign: bool,
    },
    Disable {
        org: String,
        connection: String,
    },
    UpdateEnabled {
        org: String,
        connection: String,
        assign: bool,
    },
    CreateClient {
        name: String,
    },
    CreateGrant {
        client: String,
    },
    DeleteClient {
        id: String,
    },
    RotateKey,
}

/// The HTTP request of a write, and the status that acknowledges it.
pub struct Request {
    pub method: Method,
    pub path: String,
    pub body: Option<Value>,
    pub expect: u16,
}

impl Op {
    pub fn kind(&self) -> &'static str {
        match self {
            Op::CreateConnection { .. } => "create connection",
            Op::DeleteConnection { .. } => "delete connection",
            Op::CreateOrganization { .. } => "create organization with connections",
            Op::DeleteOrganization { .. } => "delete organization",
            Op::PatchMetadata { .. } => "patch organization metadata",
            Op::Enable { .. } => "enable connection",
            Op::Disable { .. } => "disable connection",
            Op::UpdateEnabled { .. } => "update enabled connection",
            Op::CreateClient { .. } => "create client",
            Op::CreateGrant { .. } => "create client grant",
            Op::DeleteClient { .. } => "delete client",
            Op::RotateKey => "rotate signing key",
        }
    }

    /// Whether the write makes an object (whose id only its answer tells).
    pub fn is_creation(&self) -> bool {
        matches!(
            self,
            Op::CreateConnection { .. }
                | Op::CreateOrganization { .. }
                | Op::CreateClient { .. }
                | Op::CreateGrant { .. }
                | Op::RotateKey
        )
    }

    pub fn request(&self, audience: &str) -> Request {
        let r = |method, path: String, body, expect| Request {
            method,
            path,
            body,
            expect,
        };
        match self {
            Op::CreateConnection { name } => r(
                Method::POST,
                "/connections".into(),
                Some(json!({"name": name, "strategy": "samlp"})),
                201,
            ),
            Op::DeleteConnection { id } => {
                r(Method::DELETE, format!("/connections/{id}"), None, 202)
            }
            Op::CreateOrganization { name, enabled } => {
                let enabled: Vec<Value> = enabled
                    .iter()
                    .map(|(c, a)| json!({"connection_id": c, "assign_membership_on_login": a}))
                    .collect();
                r(
                    Method::POST,
                    "/organizations".into(),
                    Some(
                        json!({"name": name, "metadata": {"v": "0"}, "enabled_connections": enabled}),
                    ),
                    201,
                )
            }
            Op::DeleteOrganization { id } => {
                r(Method::DELETE, format!("/organizations/{id}"), None, 204)
            }
            Op::PatchMetadata { id, to } => r(
                Method::PATCH,
                format!("/organizations/{id}"),
                Some(json!({"metadata": {"v": to.to_string()}})),
                200,
            ),
            Op::Enable {
                org,
                connection,
                assign,
            } => r(
                Method::POST,
                format!("/organizations/{org}/enabled_connections"),
                Some(json!({"connection_id": connection, "assign_membership_on_login": assign})),
                201,
            ),
            Op::Disable { org, connection } => r(
                Method::DELETE,
                format!("/organizations/{org}/enabled_connections/{connection}"),
                None,
                204,
            ),
            Op::UpdateEnabled {
                org,
                connection,
                assign,
            } => r(
                Method::PATCH,
                format!("/organizations/{org}/enabled_connections/{connection}"),
                Some(json!({"assign_membership_on_login": assign})),
                200,
            ),
            Op::CreateClient { name } => r(
                Method::POST,
                "/clients".into(),
                Some(
                    json!({"name": name, "app_type": "non_interactive", "grant_types": ["client_credentials"]}),
                ),
                201,
            ),
            Op::CreateGrant { client } => r(
                Method::POST,
                "/client-grants".into(),
                Some(json!({"client_id": client, "audience": audience, "scope": [CLIENT_SCOPE]})),
                201,
            ),
            Op::DeleteClient { id } => r(Method::DELETE, format!("/clients/{id}"), None, 204),
            Op::RotateKey => r(Method::POST, "/keys/signing/rotate".into(), None, 201),
        }
    }
}

/// Things deleted with an acknowledgement since the last check (they must stay deleted).
#[derive(Debug, Default)]
pub struct Deleted {
    pub organizations: Vec<String>,
    pub connections: Vec<String>,
    /// With the secret, when known: its credentials must be refused now.
    pub clients: Vec<(String, Option<String>)>,
    pub grants: Vec<String>,
}

#[derive(Debug)]
pub struct Writer {
    pub index: usize,
    names: u64,
    metadata: u64,
    pub connections: BTreeMap<String, String>,
    pub orgs: BTreeMap<String, Org>,
    pub clients: BTreeMap<String, Client>,
    /// The signing keys, for the one writer that rotates them.
    pub keys: Option<Keys>,
    /// The write sent last whose answer never arrived: done or not, but never half.
    pub pending: Option<Op>,
    pub deleted: Deleted,
    /// Acknowledged writes, by kind.
    pub acknowledged: BTreeMap<&'static str, u64>,
    /// The last writes and what became of them, shown when a check fails.
    pub history: VecDeque<String>,
}

impl Writer {
    pub fn new(index: usize) -> Writer {
        Writer {
            index,
            names: 0,
            metadata: 0,
            connections: BTreeMap::new(),
            orgs: BTreeMap::new(),
            clients: BTreeMap::new(),
            keys: None,
            pending: None,
            deleted: Deleted::default(),
            acknowledged: BTreeMap::new(),
            history: VecDeque::new(),
        }
    }

    /// Remembers a line of history (the last few are kept).
    pub fn note(&mut self, line: String) {
        if self.history.len() == 12 {
            self.history.pop_front();
        }
        self.history.push_back(line);
    }

    fn name(&mut self, what: &str) -> String {
        self.names += 1;
        format!("dur-w{}-{what}{}", self.index, self.names)
    }

    /// The next write: one that should succeed given what was acknowledged so far.
    pub fn choose(&mut self, rng: &mut Rng) -> Op {
        loop {
            if let Some(op) = self.try_choose(rng) {
                return op;
            }
        }
    }

    fn try_choose(&mut self, rng: &mut Rng) -> Option<Op> {
        let org = rng.pick(self.orgs.keys()).cloned();
        let connection = rng.pick(self.connections.keys()).cloned();
        let client = rng.pick(self.clients.keys()).cloned();
        Some(match rng.below(22) {
            0..=1 if self.connections.len() < MAX_CONNECTIONS => Op::CreateConnection {
                name: self.name("c"),
            },
            2 if self.connections.len() >= 3 => Op::DeleteConnection { id: connection? },
            3..=5 if self.orgs.len() < MAX_ORGANIZATIONS => {
                let count = rng.below(MAX_ENABLED_AT_CREATION as u64 + 1) as usize;
                let mut enabled = BTreeMap::new();
                for _ in 0..count {
                    if let Some(c) = rng.pick(self.connections.keys()) {
                        enabled.insert(c.clone(), rng.below(2) == 0);
                    }
                }
                Op::CreateOrganization {
                    name: self.name("o"),
                    enabled,
                }
            }
            6 if self.orgs.len() >= MAX_ORGANIZATIONS / 2 => Op::DeleteOrganization { id: org? },
            7..=9 => {
                self.metadata += 1;
                Op::PatchMetadata {
                    id: org?,
                    to: self.metadata,
                }
            }
            10..=12 => {
                let org = org?;
                let free: Vec<&String> = self
                    .connections
                    .keys()
                    .filter(|c| !self.orgs[&org].enabled.contains_key(*c))
                    .collect();
                Op::Enable {
                    connection: rng.pick(free.into_iter())?.clone(),
                    org,
                    assign: rng.below(2) == 0,
                }
            }
            13..=14 => {
                let org = org?;
                let connection = rng.pick(self.orgs[&org].enabled.keys())?.clone();
                Op::Disable { org, connection }
            }
            15 => {
                let org = org?;
                let (connection, assign) = rng.pick(self.orgs[&org].enabled.iter())?;
                Op::UpdateEnabled {
                    connection: connection.clone(),
                    assign: !assign,
                    org,
                }
            }
            16..=17 if self.clients.len() < MAX_CLIENTS => Op::CreateClient {
                name: self.name("app"),
            },
            18..=19 => {
                let without: Vec<&String> = self
                    .clients
                    .iter()
                    .filter(|(_, c)| c.grant.is_none())
                    .map(|(id, _)| id)
                    .collect();
                Op::CreateGrant {
                    client: rng.pick(without.into_iter())?.clone(),
                }
            }
            20 if self.clients.len() >= 3 => Op::DeleteClient { id: client? },
            // Rarely: each key is kept for a token lifetime, and every start loads them all.
            21 if self.keys.is_some() && rng.below(3) == 0 => Op::RotateKey,
            _ => return None,
        })
    }

    /// Records an acknowledged write; `body` is the answer's JSON.
    pub fn acknowledge(&mut self, op: Op, body: &Value) {
        *self.acknowledged.entry(op.kind()).or_default() += 1;
        // The id only: the answer may hold a client secret.
        let id = body
            .get("id")
            .or_else(|| body.get("client_id"))
            .map(|v| format!(" -> {v}"))
            .unwrap_or_default();
        self.note(format!("acknowledged {op:?}{id}"));
        match op {
            Op::CreateOrganization { name, enabled } => {
                let answered = body["enabled_connections"].as_array().map(Vec::len);
                assert_eq!(
                    answered,
                    Some(enabled.len()),
                    "the creation's answer lists its enabled connections: {body}"
                );
                let id = string(body, "id");
                let org = Org {
                    name,
                    metadata: 0,
                    enabled,
                };
                self.orgs.insert(id, org);
            }
            Op::CreateConnection { name } => {
                self.connections.insert(string(body, "id"), name);
            }
            Op::CreateClient { name } => {
                let client = Client {
                    name,
                    secret: Some(string(body, "client_secret")),
                    grant: None,
                };
                self.clients.insert(string(body, "client_id"), client);
            }
            Op::CreateGrant { client } => {
                let id = string(body, "id");
                if let Some(c) = self.clients.get_mut(&client) {
                    c.grant = Some(id);
                }
            }
            Op::RotateKey => self.rotated_to(string(body, "kid")),
            other => self.apply(other, true),
        }
    }

    /// Records `kid` as the current key, made by a rotation.
    pub fn rotated_to(&mut self, kid: String) {
        let keys = self.keys.as_mut().expect("only the key writer rotates");
        keys.known.insert(kid.clone());
        keys.current = kid;
    }

    /// Applies a write that needs nothing from its answer (and, on `acknowledged`, remembers
    /// what it deleted, to check that it stays deleted).
    pub fn apply(&mut self, op: Op, acknowledged: bool) {
        match op {
            Op::DeleteConnection { id } => {
                self.connections.remove(&id);
                for org in self.orgs.values_mut() {
                    org.enabled.remove(&id);
                }
                if acknowledged {
                    self.deleted.connections.push(id);
                }
            }
            Op::DeleteOrganization { id } => {
                self.orgs.remove(&id);
                if acknowledged {
                    self.deleted.organizations.push(id);
                }
            }
            Op::PatchMetadata { id, to } => {
                if let Some(o) = self.orgs.get_mut(&id) {
                    o.metadata = to;
                }
            }
            Op::Enable {
                org,
                connection,
                assign,
            }
            | Op::UpdateEnabled {
                org,
                connection,
                assign,
            } => {
                if let Some(o) = self.orgs.get_mut(&org) {
                    o.enabled.insert(connection, assign);
                }
            }
            Op::Disable { org, connection } => {
                if let Some(o) = self.orgs.get_mut(&org) {
                    o.enabled.remove(&connection);
                }
            }
            Op::DeleteClient { id } => {
                if let Some(c) = self.clients.remove(&id) {
                    if acknowledged {
                        self.deleted.grants.extend(c.grant);
                        self.deleted.clients.push((id, c.secret));
                    }
                }
            }
            op @ (Op::CreateOrganization { .. }
            | Op::CreateConnection { .. }
            | Op::CreateClient { .. }
            | Op::CreateGrant { .. }
            | Op::RotateKey) => {
                unreachable!("a creation needs its answer: {op:?}")
            }
        }
    }
}

fn string(body: &Value, key: &str) -> String {
    body[key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} in {body}"))
        .to_owned()
}
