//! `/api/v2/keys/signing` and rotation: old tokens keep working, new ones use the new key.

use axum::http::{Method, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

use crate::app::TestApp;

fn kid_of(token: &str) -> String {
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key() {
    let app = TestApp::new().await;
    let old_token = app.admin_token.clone();
    let old_kid = kid_of(&old_token);
    let r = app.get("/api/v2/keys/signing").await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    assert_eq!(r.body[0]["kid"], old_kid.as_str());
    assert_eq!(r.body[0]["current"], true);
    assert!(r.body[0]["cert"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----"));

    let r = app
        .post("/api/v2/keys/signing/rotate", serde_json::json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let new_kid = r.body["kid"].as_str().unwrap().to_owned();
    assert_ne!(new_kid, old_kid);
    assert!(r.body["cert"].as_str().unwrap().contains("CERTIFICATE"));

    // The old token still works; the JWKS publishes both keys; new tokens use the new key.
    assert_eq!(
        app.get("/api/v2/organizations").await.status,
        StatusCode::OK
    );
    let jwks = app.get("/.well-known/jwks.json").await.body;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
    assert_eq!(kid_of(&app.token(&["read:organizations"])), new_kid);
    let keys = app.get("/api/v2/keys/signing").await.body;
    let old = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == old_kid.as_str())
        .unwrap();
    assert_eq!(old["revoked"], true);
    assert_eq!(old["current"], false);
}

#[tokio::test]
async fn rotation_needs_both_scopes() {
    let app = TestApp::new().await;
    let token = app.token(&["read:signing_keys", "create:signing_keys"]);
    let r = app
        .call(
            Method::POST,
            "/api/v2/keys/signing/rotate",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body["message"],
        "Insufficient scope, expected any of: update:signing_keys"
    );
    let r = app
        .call(Method::GET, "/api/v2/keys/signing", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
}
