//! After a restart: decide what each unanswered write did, then hold the database to the
//! writers' models exactly, check that clients' credentials work (or are refused), and that
//! what was deleted stays deleted.

use serde_json::{json, Value};
use time::OffsetDateTime;

use super::model::{Client, Op, Org, Writer, CLIENT_SCOPE};
use super::world::{self, Api, World};
use super::{Figures, Problems};

/// What an unanswered write turned out to have done.
enum Outcome {
    Applied,
    NotApplied,
}

fn metadata(v: u64) -> Option<Value> {
    Some(json!({ "v": v.to_string() }))
}

/// Decides from `world` whether the writer's unanswered write happened, and updates the model
/// to match. A state that is neither the one before nor the one after is a half-write.
fn resolve(
    w: &mut Writer,
    world: &World,
    killed_at: OffsetDateTime,
    problems: &mut Problems,
) -> Option<Outcome> {
    use Outcome::{Applied, NotApplied};
    let op = w.pending.take()?;
    let outcome = match &op {
        Op::CreateOrganization { name, enabled } => match world.org_named(name) {
            None => NotApplied,
            Some((id, found)) => {
                if found.enabled != *enabled || found.metadata != metadata(0) {
                    problems.half(format!(
                        "organization {id} was created with connections {enabled:?} and \
                         metadata v=0, but holds {:?} and {:?}",
                        found.enabled, found.metadata
                    ));
                }
                // The model takes what is there, so one fault is reported once.
                let org = Org {
                    name: name.clone(),
                    metadata: 0,
                    enabled: found.enabled.clone(),
                };
                w.orgs.insert(id.clone(), org);
                Applied
            }
        },
        Op::CreateConnection { name } => match world.connection_named(name) {
            None => NotApplied,
            Some(id) => {
                w.connections.insert(id.clone(), name.clone());
                Applied
            }
        },
        Op::CreateClient { name } => match world.client_named(name) {
            None => NotApplied,
            Some(id) => {
                let client = Client {
                    name: name.clone(),
                    secret: None,
                    grant: None,
                };
                w.clients.insert(id.clone(), client);
                Applied
            }
        },
        Op::CreateGrant { client } => match world.grant_of(client) {
            None => NotApplied,
            Some(id) => {
                if let Some(c) = w.clients.get_mut(client) {
                    c.grant = Some(id.clone());
                }
                Applied
            }
        },
        Op::RotateKey => {
            let before = w.keys.as_ref().map(|k| k.current.clone());
            match world.current_key() {
                Some(kid) if Some(kid) != before.as_ref() => {
                    // A key made after the kill is start-up's: it found no current key.
                    if world.keys[kid].since > killed_at {
                        problems.half(format!(
                            "no current signing key survived a rotation; start-up made {kid}"
                        ));
                    }
                    w.rotated_to(kid.clone());
                    Applied
                }
                _ => NotApplied,
            }
        }
        Op::DeleteConnection { id } => gone(!world.connections.contains_key(id)),
        Op::DeleteOrganization { id } => gone(!world.orgs.contains_key(id)),
        Op::DeleteClient { id } => gone(!world.clients.contains_key(id)),
        Op::PatchMetadata { id, to } => {
            match (world.orgs.get(id), w.orgs.get(id)) {
                (Some(found), _) if found.metadata == metadata(*to) => Applied,
                (Some(found), Some(model)) if found.metadata != metadata(model.metadata) => {
                    problems.half(format!(
                        "organization {id}: metadata is {:?}, neither v={} nor v={to}",
                        found.metadata, model.metadata
                    ));
                    NotApplied
                }
                // Untouched, or missing (which the comparison reports).
                _ => NotApplied,
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
            let found = world.orgs.get(org).map(|o| o.enabled.get(connection));
            match found {
                Some(Some(a)) if a == assign => Applied,
                _ => NotApplied,
            }
        }
        Op::Disable { org, connection } => {
            let found = world
                .orgs
                .get(org)
                .map(|o| o.enabled.contains_key(connection));
            gone(found == Some(false))
        }
    };
    w.note(format!(
        "unanswered {op:?} found {}",
        if matches!(outcome, Applied) {
            "done"
        } else {
            "not done"
        }
    ));
    if matches!(outcome, Applied) && !op.is_creation() {
        w.apply(op, false);
    }
    Some(outcome)
}

fn gone(is_gone: bool) -> Outcome {
    if is_gone {
        Outcome::Applied
    } else {
        Outcome::NotApplied
    }
}

/// Holds the database to the models: every acknowledged (or resolved) object is there as
/// promised, and nothing else is. Returns how many facts were compared.
fn compare(
    writers: &[Writer],
    world: &World,
    admin: &str,
    audience: &str,
    problems: &mut Problems,
) -> u64 {
    let mut facts = 0;
    let mut orgs = std::collections::BTreeMap::new();
    let mut connections = std::collections::BTreeMap::new();
    let mut clients = std::collections::BTreeMap::new();
    for w in writers {
        orgs.extend(w.orgs.iter());
        connections.extend(w.connections.iter());
        clients.extend(w.clients.iter());
    }
    for (id, o) in &orgs {
        facts += 2 + o.enabled.len() as u64;
        let expected = world::Org {
            name: o.name.clone(),
            metadata: metadata(o.metadata),
            enabled: o.enabled.clone(),
        };
        match world.orgs.get(*id) {
            None => problems.lost(format!("organization {id} ({}) is missing", o.name)),
            Some(found) if *found != expected => problems.lost(format!(
                "organization {id}: expected {expected:?}, found {found:?}"
            )),
            Some(_) => {}
        }
    }
    for (id, o) in &world.orgs {
        if !orgs.contains_key(id) {
            problems.unexplained(format!("organization {id} ({}) was never created", o.name));
        }
    }
    for (id, name) in &connections {
        facts += 1;
        if world.connections.get(*id) != Some(name) {
            problems.lost(format!("connection {id} ({name}) is missing"));
        }
    }
    for (id, name) in &world.connections {
        if !connections.contains_key(id) {
            problems.unexplained(format!("connection {id} ({name}) should not exist"));
        }
    }
    for (id, c) in &clients {
        facts += 1;
        if world.clients.get(*id) != Some(&c.name) {
            problems.lost(format!("client {id} ({}) is missing", c.name));
        }
        let Some(grant) = &c.grant else { continue };
        facts += 1;
        let expected = world::Grant {
            client: id.to_string(),
            audience: audience.to_owned(),
            scope: vec![CLIENT_SCOPE.to_owned()],
        };
        if world.grants.get(grant) != Some(&expected) {
            problems.lost(format!(
                "grant {grant} of client {id}: expected {expected:?}, found {:?}",
                world.grants.get(grant)
            ));
        }
    }
    for (id, name) in &world.clients {
        if id != admin && !clients.contains_key(id) {
            problems.unexplained(format!("client {id} ({name}) should not exist"));
        }
    }
    for keys in writers.iter().filter_map(|w| w.keys.as_ref()) {
        facts += keys.known.len() as u64;
        if world.current_key() != Some(&keys.current) {
            problems.lost(format!(
                "the current signing key is {:?}, not {} as rotated last",
                world.current_key(),
                keys.current
            ));
        }
        for kid in &keys.known {
            if !world.keys.contains_key(kid) {
                problems.lost(format!("signing key {kid} no longer verifies tokens"));
            }
        }
        for kid in world.keys.keys() {
            if !keys.known.contains(kid) {
                problems.unexplained(format!("signing key {kid} was never made by a rotation"));
            }
        }
    }
    let grants: std::collections::BTreeSet<&String> =
        clients.values().filter_map(|c| c.grant.as_ref()).collect();
    for (id, g) in &world.grants {
        if g.client != admin && !grants.contains(id) {
            problems.unexplained(format!("grant {id} ({g:?}) should not exist"));
        }
    }
    facts
}

/// A client-credentials token request: the status, and the token when one was issued.
async fn token(api: &Api, id: &str, secret: &str, audience: &str) -> (u16, Option<String>) {
    let resp = api
        .http
        .post(format!("{}/oauth/token", api.base))
        .json(&json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret, "audience": audience}))
        .send()
        .await
        .expect("the token endpoint answers");
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    (status, body["access_token"].as_str().map(str::to_owned))
}

/// How many deleted clients' credentials each writer tries after a restart.
const DELETED_TRIED_PER_WRITER: usize = 15;

/// Clients with a grant get a token that reads organizations; without one they are refused
/// (403); deleted ones are unknown (401). Returns how many credentials were tried.
async fn check_credentials(
    api: &Api,
    writers: &[Writer],
    audience: &str,
    problems: &mut Problems,
) -> u64 {
    let mut tried = 0;
    for w in writers {
        for (id, c) in &w.clients {
            let Some(secret) = &c.secret else { continue };
            tried += 1;
            let (status, issued) = token(api, id, secret, audience).await;
            match (&c.grant, status, issued) {
                (Some(_), 200, Some(t)) => {
                    let reader = Api {
                        http: api.http.clone(),
                        base: api.base.clone(),
                        token: t,
                    };
                    let s = reader.status("/organizations?per_page=1").await;
                    if s != 200 {
                        problems.lost(format!("client {id}'s token reads organizations: {s}"));
                    }
                }
                (None, 403, _) => {}
                (grant, status, _) => problems.lost(format!(
                    "client {id} (grant {grant:?}): the token endpoint answered {status}"
                )),
            }
        }
        // Each is a failed authentication from this address: a sample, kept under the
        // per-source allowance (a burst of 100 on each fresh server), past which the endpoint
        // answers 429 without looking at the credentials.
        let deleted = w.deleted.clients.iter().filter(|(_, s)| s.is_some());
        for (id, secret) in deleted.rev().take(DELETED_TRIED_PER_WRITER) {
            let Some(secret) = secret else { continue };
            tried += 1;
            let (status, _) = token(api, id, secret, audience).await;
            if status != 401 {
                problems.unexplained(format!(
                    "deleted client {id}: the token endpoint answered {status}, not 401"
                ));
            }
        }
    }
    tried
}

/// Everything deleted with an acknowledgement since the last check answers 404. Returns how
/// many were looked up.
async fn check_deleted(api: &Api, writers: &mut [Writer], problems: &mut Problems) -> u64 {
    let mut looked = 0;
    for w in writers.iter_mut() {
        let d = std::mem::take(&mut w.deleted);
        let paths = d
            .organizations
            .iter()
            .map(|id| format!("/organizations/{id}"))
            .chain(d.connections.iter().map(|id| format!("/connections/{id}")))
            .chain(d.clients.iter().map(|(id, _)| format!("/clients/{id}")))
            .chain(d.grants.iter().map(|id| format!("/client-grants/{id}")));
        for path in paths {
            looked += 1;
            let status = api.status(&path).await;
            if status != 404 {
                problems.unexplained(format!("{path} was deleted but answers {status}"));
            }
        }
    }
    looked
}

/// What a check after a restart knows besides the writers' models.
pub struct Restart<'a> {
    pub api: &'a Api,
    /// The admin client's id, and the Management API's audience.
    pub admin: &'a str,
    pub audience: &'a str,
    /// When the last server died: keys made later are start-up's.
    pub killed_at: OffsetDateTime,
    /// The admin's token from the first start, which must still verify.
    pub first_token: Option<&'a str>,
}

/// The whole check after a restart.
pub async fn after_restart(
    r: &Restart<'_>,
    writers: &mut [Writer],
    figures: &mut Figures,
    problems: &mut Problems,
) {
    let world = world::read(r.api, problems).await;
    for w in writers.iter_mut() {
        match resolve(w, &world, r.killed_at, problems) {
            Some(Outcome::Applied) => figures.unknown_applied += 1,
            Some(Outcome::NotApplied) => figures.unknown_not_applied += 1,
            None => {}
        }
    }
    figures.facts_compared += compare(writers, &world, r.admin, r.audience, problems);
    figures.credentials_tried += check_credentials(r.api, writers, r.audience, problems).await;
    figures.deleted_looked_up += check_deleted(r.api, writers, problems).await;
    // The admin's own grant is untouched by the load.
    let admin_grant = world
        .grants
        .values()
        .any(|g| g.client == r.admin && g.audience == r.audience);
    if !admin_grant {
        problems.lost("the admin client's grant is missing".to_owned());
    }
    if let Some(old) = r.first_token {
        let old_api = Api {
            http: r.api.http.clone(),
            base: r.api.base.clone(),
            token: old.to_owned(),
        };
        let status = old_api.status("/organizations?per_page=1").await;
        if status != 200 {
            problems.lost(format!(
                "a token from the first start is refused ({status}): signing keys were lost"
            ));
        }
    }
    figures.restarts_verified += 1;
}
