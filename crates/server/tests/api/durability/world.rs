//! Everything the database holds, read back through the Management API after a restart, and
//! the invariants that must hold for all of it (unacknowledged writes included).

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::Problems;

/// A client of the API over plain HTTP with one bearer token.
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    /// Sends a request to `/api/v2{path}`: its status and JSON body (`null` if not JSON), or
    /// an error when no complete answer arrived.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> reqwest::Result<(u16, Value)> {
        let mut req = self
            .http
            .request(method, format!("{}/api/v2{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok((status, body))
    }

    /// A GET that must answer 200.
    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self
            .send(Method::GET, path, None)
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// The status of a GET.
    pub async fn status(&self, path: &str) -> u16 {
        self.send(Method::GET, path, None)
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
            .0
    }

    /// Every item of a list, page by page with checkpoints.
    async fn all(&self, path: &str, key: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut from: Option<String> = None;
        loop {
            let page = match &from {
                None => self.get(&format!("{path}?take=100")).await,
                Some(f) => self.get(&format!("{path}?take=100&from={f}")).await,
            };
            items.extend(page[key].as_array().cloned().unwrap_or_default());
            match page["next"].as_str() {
                Some(next) => from = Some(next.to_owned()),
                None => return items,
            }
        }
    }

    /// The `total` a list reports with `include_totals`.
    async fn total(&self, path: &str) -> u64 {
        let page = self
            .get(&format!("{path}?include_totals=true&per_page=1"))
            .await;
        page["total"]
            .as_u64()
            .unwrap_or_else(|| panic!("no total in {page}"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub name: String,
    pub metadata: Option<Value>,
    /// Enabled connections: id -> `assign_membership_on_login`.
    pub enabled: BTreeMap<String, bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub client: String,
    pub audience: String,
    pub scope: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub current: bool,
    pub revoked: bool,
    /// When it was made.
    pub since: OffsetDateTime,
}

#[derive(Debug, Default)]
pub struct World {
    pub orgs: BTreeMap<String, Org>,
    /// id -> name.
    pub connections: BTreeMap<String, String>,
    /// id -> name.
    pub clients: BTreeMap<String, String>,
    pub grants: BTreeMap<String, Grant>,
    /// The signing keys that verify tokens, by kid.
    pub keys: BTreeMap<String, Key>,
}

impl World {
    /// The kid of the current signing key (`read` checks there is exactly one).
    pub fn current_key(&self) -> Option<&String> {
        self.keys
            .iter()
            .find(|(_, k)| k.current)
            .map(|(kid, _)| kid)
    }

    pub fn org_named(&self, name: &str) -> Option<(&String, &Org)> {
        self.orgs.iter().find(|(_, o)| o.name == name)
    }

    pub fn connection_named(&self, name: &str) -> Option<&String> {
        self.connections
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(id, _)| id)
    }

    pub fn client_named(&self, name: &str) -> Option<&String> {
        self.clients
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(id, _)| id)
    }

    pub fn grant_of(&self, client: &str) -> Option<&String> {
        self.grants
            .iter()
            .find(|(_, g)| g.client == client)
            .map(|(id, _)| id)
    }
}

fn text(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} in {v}"))
        .to_owned()
}

/// Reads the whole database, and records where it breaks an invariant: a list's total that
/// disagrees with its items, an enabled connection that does not exist.
pub async fn read(api: &Api, problems: &mut Problems) -> World {
    let mut world = World::default();
    for c in api.all("/connections", "connections").await {
        world.connections.insert(text(&c, "id"), text(&c, "name"));
    }
    for c in api.all("/clients", "clients").await {
        world
            .clients
            .insert(text(&c, "client_id"), text(&c, "name"));
    }
    for g in api.all("/client-grants", "client_grants").await {
        let scope = g["scope"]
            .as_array()
            .map(|s| {
                s.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let grant = Grant {
            client: text(&g, "client_id"),
            audience: text(&g, "audience"),
            scope,
        };
        world.grants.insert(text(&g, "id"), grant);
    }
    let keys = api.get("/keys/signing").await;
    for k in keys.as_array().expect("a list of keys") {
        let key = Key {
            current: k["current"].as_bool() == Some(true),
            revoked: k["revoked"].as_bool() == Some(true),
            since: OffsetDateTime::parse(&text(k, "current_since"), &Rfc3339)
                .unwrap_or_else(|e| panic!("current_since of {k}: {e}")),
        };
        if key.current && key.revoked {
            problems.invariant(format!("the current signing key is revoked: {k}"));
        }
        world.keys.insert(text(k, "kid"), key);
    }
    let current = world.keys.values().filter(|k| k.current).count();
    if current != 1 {
        problems.invariant(format!("{current} current signing keys, not 1"));
    }
    for o in api.all("/organizations", "organizations").await {
        let id = text(&o, "id");
        let page = api
            .get(&format!(
                "/organizations/{id}/enabled_connections?include_totals=true&per_page=100"
            ))
            .await;
        let items = page["enabled_connections"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if page["total"].as_u64() != Some(items.len() as u64) {
            problems.invariant(format!(
                "organization {id}: enabled_connections total {} but {} items",
                page["total"],
                items.len()
            ));
        }
        let mut enabled = BTreeMap::new();
        for e in &items {
            let cid = text(e, "connection_id");
            if !world.connections.contains_key(&cid) {
                problems.invariant(format!(
                    "organization {id} has connection {cid} enabled, which does not exist"
                ));
            }
            let assign = e["assign_membership_on_login"]
                .as_bool()
                .unwrap_or_else(|| {
                    panic!("no assign_membership_on_login in {e}");
                });
            enabled.insert(cid, assign);
        }
        let org = Org {
            name: text(&o, "name"),
            metadata: o.get("metadata").cloned(),
            enabled,
        };
        world.orgs.insert(id, org);
    }
    for (path, seen) in [
        ("/organizations", world.orgs.len()),
        ("/connections", world.connections.len()),
        ("/clients", world.clients.len()),
        ("/client-grants", world.grants.len()),
    ] {
        let total = api.total(path).await;
        if total != seen as u64 {
            problems.invariant(format!(
                "{path}: include_totals says {total}, the pages hold {seen}"
            ));
        }
    }
    for (id, g) in &world.grants {
        if !world.clients.contains_key(&g.client) {
            problems.invariant(format!(
                "grant {id} belongs to client {}, which does not exist",
                g.client
            ));
        }
    }
    world
}
