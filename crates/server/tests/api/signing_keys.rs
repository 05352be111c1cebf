//! `/api/v2/keys/signing`, rotation (old tokens keep working, new ones use the new key) and
//! revocation (a revoked key's tokens are refused at once and it leaves the JWKS).

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
    assert_eq!(old["current"], false);
    assert_eq!(old["previous"], true, "rotated out");
    assert_eq!(old["revoked"], false, "rotating out is not revoking");
    assert!(old.get("revoked_at").is_none());
    assert!(old["current_until"].as_str().unwrap().ends_with('Z'));
    let new = &keys[0];
    assert_eq!(
        (new["kid"].as_str(), &new["current"], &new["previous"]),
        (
            Some(new_kid.as_str()),
            &Value::Bool(true),
            &Value::Bool(false)
        )
    );
    assert!(new.get("current_until").is_none());
    // Auth0's required fields: the SHA-1 of the certificate, with and without colons.
    let fingerprint = new["fingerprint"].as_str().unwrap();
    assert_eq!(fingerprint.len(), 59, "{fingerprint}");
    assert_eq!(new["thumbprint"], fingerprint.replace(':', ""));
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

fn jwks_kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn revoking_a_previous_key_refuses_its_tokens_at_once_and_unpublishes_it() {
    let app = TestApp::new().await;
    let old_token = app.token(&["read:organizations"]);
    let old_kid = kid_of(&old_token);
    // Verified once, so it sits in the verified-token cache.
    let r = app
        .call(Method::GET, "/api/v2/organizations", Some(&old_token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .post("/api/v2/keys/signing/rotate", serde_json::json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let new_kid = r.body["kid"].as_str().unwrap().to_owned();
    // The admin token was signed by the old key too: use one from the new key from here on.
    let admin = app.token(&["read:signing_keys", "update:signing_keys"]);
    let revoke = |kid: &str| format!("/api/v2/keys/signing/{kid}/revoke");

    let r = app
        .call(Method::PUT, &revoke(&old_kid), Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let cert = r.body["cert"].as_str().unwrap().to_owned();
    assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(
        r.body,
        serde_json::json!({"cert": cert, "kid": old_kid}),
        "Auth0's answer: the key's certificate and kid"
    );

    // Its token is refused right away (the cache was cleared), the new key's tokens are not.
    let r = app
        .call(Method::GET, "/api/v2/organizations", Some(&old_token), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(r.body["message"], "Invalid token");
    let r = app
        .call(
            Method::GET,
            "/api/v2/organizations",
            Some(&app.token(&["read:organizations"])),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);

    // Gone from the JWKS; listed as revoked.
    let jwks = app
        .call(Method::GET, "/.well-known/jwks.json", None, None)
        .await
        .body;
    assert_eq!(jwks_kids(&jwks), vec![new_kid.clone()]);
    let r = app
        .call(
            Method::GET,
            &format!("/api/v2/keys/signing/{old_kid}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        (&r.body["revoked"], &r.body["previous"], &r.body["current"]),
        (&Value::Bool(true), &Value::Bool(true), &Value::Bool(false))
    );
    let revoked_at = r.body["revoked_at"].as_str().unwrap().to_owned();
    assert!(revoked_at.ends_with('Z'), "{revoked_at}");
    assert_eq!(r.body["cert"], cert.as_str());
    let list = app
        .call(Method::GET, "/api/v2/keys/signing", Some(&admin), None)
        .await
        .body;
    assert_eq!(
        list.as_array().unwrap().len(),
        2,
        "revoked keys stay listed"
    );

    // Revoking again answers the same and keeps the first revocation time.
    let r = app
        .call(Method::PUT, &revoke(&old_kid), Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["kid"], old_kid.as_str());
    let r = app
        .call(
            Method::GET,
            &format!("/api/v2/keys/signing/{old_kid}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.body["revoked_at"], revoked_at.as_str());
}

#[tokio::test]
async fn revocation_needs_update_signing_keys() {
    let app = TestApp::new().await;
    let old_kid = kid_of(&app.admin_token);
    let r = app
        .post("/api/v2/keys/signing/rotate", serde_json::json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let path = format!("/api/v2/keys/signing/{old_kid}/revoke");

    for scopes in [
        &["read:signing_keys"][..],
        &["read:signing_keys", "create:signing_keys"][..],
    ] {
        let r = app
            .call(Method::PUT, &path, Some(&app.token(scopes)), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{scopes:?}");
        assert_eq!(
            r.body["message"],
            "Insufficient scope, expected any of: update:signing_keys"
        );
    }
    let r = app.call(Method::PUT, &path, None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app
        .call(Method::POST, &path, Some(&app.admin_token), None)
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "PUT only");

    // Nothing was revoked: the old key's tokens still verify.
    let r = app.get("/api/v2/keys/signing").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k["revoked"] == false));
}

#[tokio::test]
async fn revoking_an_unknown_key_is_a_404() {
    let app = TestApp::new().await;
    let r = app
        .call(
            Method::PUT,
            "/api/v2/keys/signing/nosuchkid/revoke",
            Some(&app.admin_token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body,
        serde_json::json!({"statusCode": 404, "error": "Not Found", "message": "Signing key not found"})
    );
    let r = app.get("/api/v2/keys/signing/nosuchkid").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["message"], "Signing key not found");
}

#[tokio::test]
async fn the_current_key_cannot_be_revoked() {
    let app = TestApp::new().await;
    let kid = kid_of(&app.admin_token);
    let r = app
        .call(
            Method::PUT,
            &format!("/api/v2/keys/signing/{kid}/revoke"),
            Some(&app.admin_token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.body["statusCode"], 400);
    assert_eq!(r.body["error"], "Bad Request");
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .starts_with("The current signing key cannot be revoked: rotate"),
        "{}",
        r.body
    );
    // It still signs and verifies.
    let r = app.get("/api/v2/keys/signing").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body[0]["kid"], kid.as_str());
    assert_eq!(r.body[0]["revoked"], false);
    let jwks = app
        .call(Method::GET, "/.well-known/jwks.json", None, None)
        .await
        .body;
    assert_eq!(jwks_kids(&jwks), vec![kid]);
}

/// What another instance signs with: a ring built from the keys in storage.
async fn ring_of_store(app: &TestApp) -> orgwarden_server::auth::keys::KeyRing {
    let keys = app.state.store().signing_keys().await.unwrap();
    orgwarden_server::auth::keys::KeyRing::new(&keys, None, time::OffsetDateTime::now_utc(), 86_400)
        .unwrap()
}

fn admin_claims(app: &TestApp) -> orgwarden_server::auth::keys::Claims {
    serde_json::from_value(crate::app::claims_of(&app.admin_token)).unwrap()
}

#[tokio::test]
async fn a_key_another_instance_made_verifies_at_its_first_token_and_a_made_up_one_never() {
    use orgwarden_server::auth::keys::generate_key;
    let app = TestApp::new().await;
    let claims = admin_claims(&app);
    let get = |token: String| {
        let app = &app;
        async move {
            app.call(Method::GET, "/api/v2/organizations", Some(&token), None)
                .await
        }
    };

    // Another instance rotates (or `orgwarden token` made the data directory's first key a
    // moment after this server read its keys): this server has not reloaded yet.
    let now = time::OffsetDateTime::now_utc();
    app.state
        .store()
        .add_signing_key(generate_key(now, None).unwrap(), now)
        .await
        .unwrap();
    let theirs = ring_of_store(&app).await.sign(&claims).unwrap();
    assert_ne!(kid_of(&theirs), kid_of(&app.admin_token));
    let r = get(theirs.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // And this server's own old token still verifies (rotated out, not revoked).
    assert_eq!(get(app.admin_token.clone()).await.status, StatusCode::OK);

    // A key that is in no store: refused, with Auth0's message, whatever its kid says.
    let stranger = orgwarden_server::auth::keys::KeyRing::new(
        &[generate_key(now, None).unwrap()],
        None,
        now,
        86_400,
    )
    .unwrap()
    .sign(&claims)
    .unwrap();
    for _ in 0..3 {
        let r = get(stranger.clone()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        assert_eq!(r.body["message"], "Invalid token");
    }
    assert_eq!(get(theirs).await.status, StatusCode::OK);
}
