//! The authorization table: every operation in orgwarden's own OpenAPI document
//! (`crates/server/openapi.json`, served at `/api/v2/openapi.json`), with the scopes the document
//! says guard it, and every body property guarded by a scope of its own
//! (`x-orgwarden-field-scopes`). For each one:
//! - with no scope, and with *every other* scope orgwarden knows, the call is refused with
//!   Auth0's 403 `insufficient_scope` naming exactly the documented scopes (no scope grants more
//!   than its name says);
//! - with each documented scope alone (all of them where the operation needs all), it is not
//!   refused for want of a scope;
//! - a guarded property needs its own scope, whatever else the token holds.
//!
//! Then, for every Management API scope, that no caller can hand it to a client it does not
//! hold itself: not by a grant, not by taking over a client that holds it.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use orgwarden_domain::scope::MANAGEMENT_SCOPES;
use serde_json::{json, Value};

use crate::app::TestApp;

const DOCUMENT: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json"));

/// Every scope a token can hold here: the Management API's and orgwarden's own.
fn all_scopes() -> Vec<String> {
    orgwarden_server::bootstrap::admin_scopes()
}

struct Operation {
    method: Method,
    path: String,
    /// Empty: public.
    scopes: Vec<String>,
    all_of: bool,
    field_scopes: Vec<(String, Vec<String>)>,
}

fn operations() -> Vec<Operation> {
    let doc: Value = serde_json::from_str(DOCUMENT).expect("openapi.json is JSON");
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            if !op.is_object() || ["parameters", "servers"].contains(&method.as_str()) {
                continue;
            }
            let mut scopes = BTreeSet::new();
            for requirement in op["security"].as_array().into_iter().flatten() {
                for (_, listed) in requirement.as_object().into_iter().flatten() {
                    for s in listed.as_array().into_iter().flatten() {
                        scopes.insert(s.as_str().expect("a scope").to_owned());
                    }
                }
            }
            let field_scopes = op["x-orgwarden-field-scopes"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(field, s)| {
                            let s = s.as_array().expect("a scope list");
                            let s = s.iter().map(|v| v.as_str().unwrap().to_owned()).collect();
                            (field.clone(), s)
                        })
                        .collect()
                })
                .unwrap_or_default();
            ops.push(Operation {
                method,
                path: format!("{}{}", server_prefix(path), path),
                scopes: scopes.into_iter().collect(),
                all_of: op["x-orgwarden-scopes-all-of"] == json!(true),
                field_scopes,
            });
        }
    }
    assert!(
        ops.len() >= 40,
        "the document lists {} operations",
        ops.len()
    );
    ops
}

/// Paths in the document are relative to `/api/v2` unless they start at the root.
fn server_prefix(path: &str) -> &'static str {
    let rooted = [
        "/oauth/",
        "/.well-known/",
        "/orgwarden/",
        "/healthz",
        "/readyz",
        "/metrics",
    ];
    if rooted.iter().any(|r| path.starts_with(r)) || path.starts_with("/api/v2") {
        ""
    } else {
        "/api/v2"
    }
}

/// Fresh things for one operation to act on, so a DELETE in one check spoils no other.
struct Fixtures {
    org: String,
    org_name: String,
    connection: String,
    client: String,
    grant: String,
    kid: String,
}

impl Fixtures {
    async fn new(app: &TestApp, n: usize) -> Fixtures {
        let connection = app.connection(&format!("conn-{n}"), "samlp").await;
        let org_name = format!("org-{n}");
        let org = app.organization(&org_name).await;
        let r = app
            .post(
                &format!("/api/v2/organizations/{org}/enabled_connections"),
                json!({"connection_id": connection}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        // A client with no grant on the Management API: taking it over raises nobody.
        let (client, _) = app.machine_client(&format!("client-{n}")).await;
        let r = app
            .post(
                "/api/v2/client-grants",
                json!({"client_id": client, "audience": "https://fixture.example/", "scope": ["a"]}),
            )
            .await;
        let grant = r.body["id"].as_str().unwrap().to_owned();
        let kid = app.get("/api/v2/keys/signing").await.body[0]["kid"]
            .as_str()
            .unwrap()
            .to_owned();
        Fixtures {
            org,
            org_name,
            connection,
            client,
            grant,
            kid,
        }
    }

    /// The path with its parameters filled in.
    fn fill(&self, template: &str) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = open + rest[open..].find('}').expect("a closed parameter");
            let name = &rest[open + 1..close];
            out.push_str(self.value(&out, name));
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }

    fn value(&self, before: &str, name: &str) -> &str {
        match name {
            "name" => &self.org_name,
            "connection_id" | "connectionId" => &self.connection,
            "kid" => &self.kid,
            "grant_id" => &self.grant,
            _ if before.ends_with("/organizations/") => &self.org,
            _ if before.ends_with("/connections/") => &self.connection,
            _ if before.ends_with("/clients/") => &self.client,
            _ if before.ends_with("/client-grants/") => &self.grant,
            _ => "unknown_id",
        }
    }
}

async fn call(
    app: &TestApp,
    op: &Operation,
    path: &str,
    scopes: Option<&[String]>,
    body: Option<Value>,
) -> crate::app::Response {
    let token = scopes.map(|s| {
        app.state
            .tokens()
            .mint(&app.admin.client_id, &app.state.identity().audience, s)
            .unwrap()
    });
    let body = body.or_else(|| {
        [Method::POST, Method::PATCH, Method::PUT]
            .contains(&op.method)
            .then(|| json!({}))
    });
    app.call(op.method.clone(), path, token.as_deref(), body)
        .await
}

fn refused(r: &crate::app::Response, op: &Operation, expected: &[String], why: &str) {
    let what = format!("{} {} {why}", op.method, op.path);
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}: {}", r.body);
    assert_eq!(
        r.body["errorCode"], "insufficient_scope",
        "{what}: {}",
        r.body
    );
    let message = r.body["message"].as_str().unwrap_or_default();
    let listed: BTreeSet<&str> = message
        .rsplit(": ")
        .next()
        .unwrap_or_default()
        .split(", ")
        .collect();
    let expected: BTreeSet<&str> = expected.iter().map(String::as_str).collect();
    assert!(
        listed.is_subset(&expected) && !listed.is_empty(),
        "{what}: the refusal names {listed:?}, the document {expected:?}"
    );
}

fn admitted(r: &crate::app::Response, op: &Operation, why: &str) {
    let scope_refusal =
        r.status == StatusCode::FORBIDDEN && r.body["errorCode"] == "insufficient_scope";
    // The token and revocation endpoints answer 401 to a request without client credentials,
    // and /userinfo to one without a person's token: that is their job, not a want of scope.
    let own_authentication =
        ["/oauth/token", "/oauth/revoke", "/userinfo"].contains(&op.path.as_str());
    assert!(
        !scope_refusal && (r.status != StatusCode::UNAUTHORIZED || own_authentication),
        "{} {} {why}: {} {}",
        op.method,
        op.path,
        r.status,
        r.body
    );
}

#[tokio::test]
async fn every_operation_needs_exactly_its_documented_scopes() {
    // Thousands of calls as fast as the server answers: the dev plan's 500/s would refuse some
    // (scopes are what this test is about; rate limits have their own).
    let app = TestApp::builder().plan("off").build().await;
    let every = all_scopes();
    let mut checks = 0;
    let ops = operations();
    for (n, op) in ops.iter().enumerate() {
        let fx = Fixtures::new(&app, n).await;
        let path = fx.fill(&op.path);
        if op.scopes.is_empty() {
            let r = call(&app, op, &path, None, None).await;
            admitted(&r, op, "without a token (public)");
            checks += 1;
            continue;
        }
        // Without a token at all: 401.
        let r = call(&app, op, &path, None, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{} {path}", op.method);
        // No scope, then every scope but the documented ones.
        refused(
            &call(&app, op, &path, Some(&[]), None).await,
            op,
            &op.scopes,
            "with no scope",
        );
        let others: Vec<String> = every
            .iter()
            .filter(|s| !op.scopes.contains(s))
            .cloned()
            .collect();
        refused(
            &call(&app, op, &path, Some(&others), None).await,
            op,
            &op.scopes,
            "with every other scope",
        );
        checks += 3;
        if op.all_of {
            for missing in &op.scopes {
                let held: Vec<String> = every.iter().filter(|s| *s != missing).cloned().collect();
                refused(
                    &call(&app, op, &path, Some(&held), None).await,
                    op,
                    &op.scopes,
                    &format!("without {missing}"),
                );
                checks += 1;
            }
            let r = call(&app, op, &path, Some(&op.scopes), None).await;
            admitted(&r, op, "with all of its scopes");
            checks += 1;
        } else {
            for s in &op.scopes {
                let fx = Fixtures::new(&app, 10_000 + n * 10 + checks % 10).await;
                let path = fx.fill(&op.path);
                let r = call(&app, op, &path, Some(std::slice::from_ref(s)), None).await;
                admitted(&r, op, &format!("with only {s}"));
                checks += 1;
            }
        }
    }
    println!(
        "authorization table: {} operations, {checks} scope checks",
        ops.len()
    );
}

/// Sample values for guarded properties (valid enough to pass validation).
fn sample(field: &str, fx: &Fixtures) -> Value {
    match field {
        "enabled_connections" => json!([{ "connection_id": fx.connection }]),
        "signing_keys" => json!([{ "cert": "-----BEGIN CERTIFICATE-----" }]),
        "client_secret" => json!("s".repeat(48)),
        "encryption_key" => json!({"pub": "-----BEGIN PUBLIC KEY-----", "cert": "x"}),
        "client_authentication_methods" => {
            json!({"private_key_jwt": {"credentials": []}})
        }
        other => panic!("no sample for the guarded field {other}: add one"),
    }
}

#[tokio::test]
async fn every_guarded_field_needs_its_own_scope() {
    let app = TestApp::new().await;
    let every = all_scopes();
    let mut checks = 0;
    let ops = operations();
    let guarded: Vec<&Operation> = ops.iter().filter(|o| !o.field_scopes.is_empty()).collect();
    assert!(
        guarded
            .iter()
            .any(|o| o.method == Method::PATCH && o.path == "/api/v2/clients/{id}"),
        "the document guards PATCH /clients/{{id}}'s fields"
    );
    for (n, op) in guarded.iter().enumerate() {
        for (field, field_scopes) in &op.field_scopes {
            let fx = Fixtures::new(&app, 20_000 + n * 100 + checks).await;
            let path = fx.fill(&op.path);
            let mut body = json!({ field.as_str(): sample(field, &fx) });
            if op.method == Method::POST {
                body["name"] = json!(format!("guarded-{n}-{checks}"));
            }
            let without: Vec<String> = every
                .iter()
                .filter(|s| !field_scopes.contains(s))
                .cloned()
                .collect();
            let r = call(&app, op, &path, Some(&without), Some(body.clone())).await;
            refused(
                &r,
                op,
                field_scopes,
                &format!("setting {field} without its scope"),
            );
            // With the field's scope (and the operation's, where the body needs it), admitted.
            let mut with: Vec<String> = field_scopes.clone();
            if op.method == Method::POST {
                with.extend(op.scopes.iter().cloned());
            }
            let r = call(&app, op, &path, Some(&with), Some(body)).await;
            admitted(&r, op, &format!("setting {field} with {with:?}"));
            checks += 2;
        }
    }
    println!("guarded fields: {checks} checks");
}

/// For every scope: a caller that lacks it cannot put it on a grant (create or widen), nor take
/// over a client that holds it (set its secret, rotate it, set its key credentials) — even while
/// holding every other scope.
#[tokio::test]
async fn no_caller_can_hand_out_a_scope_it_lacks() {
    let app = TestApp::new().await;
    let aud = app.state.identity().audience.clone();
    let mut checks = 0;
    for (n, scope) in all_scopes().iter().enumerate() {
        let held: Vec<String> = all_scopes().into_iter().filter(|s| s != scope).collect();
        let (client, secret) = app.machine_client(&format!("holder-{n}")).await;
        let companion = if scope == "read:clients" {
            "read:connections"
        } else {
            "read:clients"
        };
        let grant_body = json!({"client_id": client, "audience": aud, "scope": [scope, companion]});
        let op = |method: Method, path: &str| Operation {
            method,
            path: path.to_owned(),
            scopes: vec![],
            all_of: false,
            field_scopes: vec![],
        };
        let create = op(Method::POST, "/api/v2/client-grants");
        let r = call(
            &app,
            &create,
            &create.path,
            Some(&held),
            Some(grant_body.clone()),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "granting {scope}: {}",
            r.body
        );
        assert!(r.body["message"]
            .as_str()
            .unwrap()
            .ends_with(scope.as_str()));
        // A grant without it, then widening it.
        let r = app
            .post(
                "/api/v2/client-grants",
                json!({"client_id": client, "audience": aud, "scope": [companion]}),
            )
            .await;
        let grant = r.body["id"].as_str().unwrap().to_owned();
        let update = op(Method::PATCH, &format!("/api/v2/client-grants/{grant}"));
        let r = call(
            &app,
            &update,
            &update.path,
            Some(&held),
            Some(json!({"scope": [companion, scope]})),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "widening to {scope}: {}",
            r.body
        );
        // Now the client holds it (granted by the admin); a caller lacking it cannot take it over.
        let r = app
            .patch(
                &format!("/api/v2/client-grants/{grant}"),
                json!({"scope": [companion, scope]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        for (method, path, body) in [
            (
                Method::PATCH,
                format!("/api/v2/clients/{client}"),
                Some(json!({"client_secret": "t".repeat(40)})),
            ),
            (
                Method::PATCH,
                format!("/api/v2/clients/{client}"),
                Some(
                    json!({"client_authentication_methods": {"private_key_jwt": {"credentials": []}}}),
                ),
            ),
            (
                Method::POST,
                format!("/api/v2/clients/{client}/rotate-secret"),
                None,
            ),
        ] {
            let o = op(method, &path);
            let r = call(&app, &o, &path, Some(&held), body).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{} {path} lacking {scope}: {}",
                o.method,
                r.body
            );
            assert_eq!(r.body["errorCode"], "insufficient_scope");
        }
        // The client's own secret still works, unchanged.
        let r = app.client_token(&client, &secret).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        checks += 5;
    }
    assert!(MANAGEMENT_SCOPES.len() >= 30);
    println!("escalation: {} scopes, {checks} checks", all_scopes().len());
}
