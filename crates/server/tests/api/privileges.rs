//! Privilege escalation, as the outside review tried it: body properties guarded by a scope of
//! their own, secrets a caller chooses, and clients given more than the caller holds.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::app::{claims_of, TestApp};

async fn token_for(app: &TestApp, client_id: &str, secret: &str) -> (StatusCode, Value) {
    let r = app.client_token(client_id, secret).await;
    (r.status, r.body)
}

fn insufficient(r: &crate::app::Response, message_has: &str) {
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.body["errorCode"], "insufficient_scope", "{}", r.body);
    let m = r.body["message"].as_str().unwrap_or_default();
    assert!(m.contains(message_has), "{m}");
}

/// Finding 1: `update:clients` alone set the admin client's secret to "a", and the new secret got
/// a token with every scope.
#[tokio::test]
async fn update_clients_cannot_set_a_secret() {
    let app = TestApp::new().await;
    let admin = app.admin().client_id;
    let chosen = "a".repeat(40);
    let only_update = app.token(&["update:clients"]);
    for body in [
        json!({"client_secret": chosen}),
        json!({"client_secret": "a"}),
        json!({"name": "renamed", "client_secret": chosen}),
        json!({"encryption_key": {"pub": "x"}}),
        json!({"client_authentication_methods": {"private_key_jwt": {"credentials": []}}}),
    ] {
        let r = app
            .call(
                Method::PATCH,
                &format!("/api/v2/clients/{admin}"),
                Some(&only_update),
                Some(body.clone()),
            )
            .await;
        insufficient(&r, "Insufficient scope, expected any of: update:client_");
    }
    // Nothing changed: the chosen secret gets nothing, the real one still works.
    assert_eq!(
        token_for(&app, &admin, &chosen).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        token_for(&app, &admin, &app.admin.client_secret).await.0,
        StatusCode::OK
    );
    let r = app.get(&format!("/api/v2/clients/{admin}")).await;
    assert_eq!(r.body["name"], "orgwarden admin");

    // Settings alone still need update:clients, and update:clients is enough for them.
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v2/clients/{admin}"),
            Some(&only_update),
            Some(json!({"description": "the admin"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let keys_only = app.token(&["update:client_keys"]);
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v2/clients/{admin}"),
            Some(&keys_only),
            Some(json!({"description": "x"})),
        )
        .await;
    insufficient(&r, "expected any of: update:clients");
}

/// A secret the caller chooses must be as hard to guess as a generated one.
#[tokio::test]
async fn chosen_secrets_have_a_minimum_length() {
    let app = TestApp::new().await;
    let (id, secret) = app.machine_client("worker").await;
    for short in ["a", &"b".repeat(31)] {
        let r = app
            .patch(
                &format!("/api/v2/clients/{id}"),
                json!({"client_secret": short}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(r.body["errorCode"], "invalid_body");
        assert_eq!(
            r.body["message"],
            format!("Payload validation error: 'String is too short ({} chars), minimum 32' on property client_secret (The secret used to sign tokens for the client).", short.len())
        );
    }
    let aud = app.state.identity().audience.clone();
    app.post(
        "/api/v2/client-grants",
        json!({"client_id": id, "audience": aud, "scope": ["read:organizations"]}),
    )
    .await;
    assert_eq!(token_for(&app, &id, &secret).await.0, StatusCode::OK);
    // With update:client_keys (and the client's scopes), a long secret is accepted.
    let chosen = "c".repeat(32);
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v2/clients/{id}"),
            Some(&app.token(&["update:client_keys", "read:organizations"])),
            Some(json!({"client_secret": chosen})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.get("client_secret").is_none());
    assert_eq!(
        token_for(&app, &id, &secret).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(token_for(&app, &id, &chosen).await.0, StatusCode::OK);
}

/// `update:client_keys` without the admin's other scopes cannot take the admin's secret, by
/// setting it or by rotating it (rotation returns the new secret).
#[tokio::test]
async fn client_keys_cannot_take_over_a_more_privileged_client() {
    let app = TestApp::new().await;
    let admin = app.admin.client_id.clone();
    let keys = app.token(&["update:client_keys", "read:clients", "update:clients"]);
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v2/clients/{admin}"),
            Some(&keys),
            Some(json!({"client_secret": "z".repeat(48)})),
        )
        .await;
    insufficient(&r, "the client holds scopes the caller does not");
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("delete:organizations"));
    let r = app
        .call(
            Method::POST,
            &format!("/api/v2/clients/{admin}/rotate-secret"),
            Some(&keys),
            None,
        )
        .await;
    insufficient(&r, "the client holds scopes the caller does not");
    assert_eq!(
        token_for(&app, &admin, &app.admin.client_secret).await.0,
        StatusCode::OK,
        "the admin's secret is unchanged"
    );

    // A client holding only what the caller holds can be rotated by it.
    let reader = app.client_with(&["read:clients"]).await.client_id;
    let r = app
        .call(
            Method::POST,
            &format!("/api/v2/clients/{reader}/rotate-secret"),
            Some(&keys),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let secret = r.body["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(token_for(&app, &reader, &secret).await.0, StatusCode::OK);
}

/// A grant can carry only scopes the caller holds: `create:client_grants` is not a way to every
/// other scope, nor to orgwarden's own.
#[tokio::test]
async fn grants_carry_only_scopes_the_caller_holds() {
    let app = TestApp::new().await;
    let aud = app.state.identity().audience.clone();
    let (id, secret) = app.machine_client("worker").await;
    let granter = app.token(&[
        "create:client_grants",
        "update:client_grants",
        "read:organizations",
    ]);
    let r = app
        .call(
            Method::POST,
            "/api/v2/client-grants",
            Some(&granter),
            Some(json!({"client_id": id, "audience": aud,
                        "scope": ["read:organizations", "delete:organizations", "orgwarden:faults"]})),
        )
        .await;
    insufficient(&r, "delete:organizations, orgwarden:faults");
    assert_eq!(
        token_for(&app, &id, &secret).await.0,
        StatusCode::FORBIDDEN,
        "no grant was made"
    );
    let r = app
        .call(
            Method::POST,
            "/api/v2/client-grants",
            Some(&granter),
            Some(json!({"client_id": id, "audience": aud, "scope": ["read:organizations"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let grant = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v2/client-grants/{grant}"),
            Some(&granter),
            Some(json!({"scope": ["read:organizations", "create:client_grants", "update:client_keys"]})),
        )
        .await;
    insufficient(&r, "update:client_keys");
    let (status, body) = token_for(&app, &id, &secret).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["scope"], "read:organizations",
        "the grant is unchanged"
    );
    // The caller itself cannot widen its own grant either.
    let admin_grant = app
        .get(&format!(
            "/api/v2/client-grants?client_id={}",
            app.admin.client_id
        ))
        .await;
    let admin_grant = admin_grant.body[0]["id"].as_str().unwrap().to_owned();
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v2/client-grants/{admin_grant}"),
            Some(&app.token(&["update:client_grants"])),
            Some(json!({"scope": ["update:client_grants", "orgwarden:faults", "read:clients"]})),
        )
        .await;
    insufficient(&r, "orgwarden:faults, read:clients");
    // Other audiences are the caller's business (their scopes mean nothing here).
    let r = app
        .call(
            Method::POST,
            "/api/v2/client-grants",
            Some(&granter),
            Some(json!({"client_id": id, "audience": "https://billing.example/", "scope": ["charge:cards"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

/// `is_system` is Auth0's to set (read-only), not a caller's.
#[tokio::test]
async fn is_system_is_read_only() {
    let app = TestApp::new().await;
    let aud = app.state.identity().audience.clone();
    let (id, _) = app.machine_client("worker").await;
    let r = app
        .post(
            "/api/v2/client-grants",
            json!({"client_id": id, "audience": aud, "scope": [], "is_system": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(
        r.body["message"],
        "Payload validation error: 'Additional properties not allowed: is_system'."
    );
    let r = app
        .post(
            "/api/v2/client-grants",
            json!({"client_id": id, "audience": aud, "scope": []}),
        )
        .await;
    let grant = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .patch(
            &format!("/api/v2/client-grants/{grant}"),
            json!({"is_system": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = app.get(&format!("/api/v2/client-grants/{grant}")).await;
    assert!(r.body.get("is_system").is_none(), "{}", r.body);
}

/// A scope asked a thousand times is granted once, and the token works.
#[tokio::test]
async fn repeated_scopes_are_granted_once() {
    let app = TestApp::new().await;
    let aud = app.state.identity().audience.clone();
    let scope = "read:organizations ".repeat(1000) + "read:connections read:organizations";
    let r = app
        .call(
            Method::POST,
            "/oauth/token",
            None,
            Some(
                json!({"grant_type": "client_credentials", "client_id": app.admin.client_id,
                        "client_secret": app.admin.client_secret, "audience": aud, "scope": scope}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["scope"], "read:organizations read:connections");
    let token = r.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        claims_of(&token)["scope"],
        "read:organizations read:connections"
    );
    let r = app
        .call(Method::GET, "/api/v2/organizations", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// Finding 7: a 60,000-item `grant_types` cost seconds of CPU (a quadratic uniqueness check);
/// arrays are now capped and checked in one pass.
#[tokio::test]
async fn huge_arrays_are_refused_cheaply() {
    let app = TestApp::new().await;
    let many: Vec<String> = (0..60_000).map(|i| format!("g{i}")).collect();
    let r = app
        .post(
            "/api/v2/clients",
            json!({"name": "big", "grant_types": many}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("Array is too long (60000), maximum 50"));
    let r = app
        .post(
            "/api/v2/client-grants",
            json!({"client_id": app.admin.client_id, "audience": "https://x.example/", "scope": many}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("Array is too long (60000), maximum 1000"));
    let r = app.get("/api/v2/clients?include_totals=true").await;
    assert_eq!(r.body["total"], 1, "nothing was created");
}
