//! `private_key_jwt`: a client registers public keys (`client_authentication_methods`), shown
//! back without the PEM, and gets tokens with assertions signed by the private key; a wrong key,
//! another audience, a long-lived or replayed assertion is refused.

use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use axum::http::{Method, StatusCode};
use base64::Engine;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{json, Value};

use crate::app::{Response, TestApp};

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// A key pair: the private key for signing, the public key in PEM.
fn key() -> (EncodingKey, String) {
    let pair = KeyPair::generate(KeySize::Rsa2048).unwrap();
    let private = pem("PRIVATE KEY", pair.as_der().unwrap().as_ref());
    let public: PublicKeyX509Der = pair.public_key().as_der().unwrap();
    (
        EncodingKey::from_rsa_pem(private.as_bytes()).unwrap(),
        pem("PUBLIC KEY", public.as_ref()),
    )
}

fn assertion(key: &EncodingKey, client: &str, aud: &str, lifetime: i64, jti: &str) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = json!({"iss": client, "sub": client, "aud": aud, "iat": now, "exp": now + lifetime, "jti": jti});
    jsonwebtoken::encode(&Header::new(jsonwebtoken::Algorithm::RS256), &claims, key).unwrap()
}

async fn token(app: &TestApp, client: &str, jwt: &str) -> Response {
    let body = json!({"grant_type": "client_credentials", "client_id": client,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": jwt, "audience": app.state.identity().audience});
    app.call(Method::POST, "/oauth/token", None, Some(body))
        .await
}

#[tokio::test]
async fn clients_sign_in_with_a_registered_key_once_per_assertion() {
    let app = TestApp::new().await;
    let (private, public) = key();
    let r = app
        .post(
            "/api/v2/clients",
            json!({"name": "keyed", "app_type": "non_interactive",
            "client_authentication_methods": {"private_key_jwt": {"credentials": [
                {"name": "key 1", "credential_type": "public_key", "pem": public}]}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let client = r.body["client_id"].as_str().unwrap().to_owned();
    let cred = &r.body["client_authentication_methods"]["private_key_jwt"]["credentials"][0];
    assert!(cred["id"].as_str().unwrap().starts_with("cred_"));
    assert_eq!(
        cred["kid"].as_str().unwrap().len(),
        43,
        "an RFC 7638 thumbprint: {cred}"
    );
    assert_eq!(
        (cred["alg"].as_str(), cred["credential_type"].as_str()),
        (Some("RS256"), Some("public_key"))
    );
    assert!(
        cred.get("pem").is_none(),
        "the key is not shown back: {cred}"
    );
    let got = app.get(&format!("/api/v2/clients/{client}")).await;
    assert!(
        got.body["client_authentication_methods"]["private_key_jwt"]["credentials"][0]
            .get("pem")
            .is_none()
    );
    let r = app
        .post(
            "/api/v2/client-grants",
            json!({"client_id": client,
        "audience": app.state.identity().audience, "scope": ["read:organizations"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let issuer = app.state.identity().issuer.clone();
    let jwt = assertion(&private, &client, &issuer, 60, "j1");
    let r = token(&app, &client, &jwt).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["scope"], "read:organizations");
    // The same assertion again: refused.
    assert_eq!(
        token(&app, &client, &jwt).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The token endpoint's URL is an audience too; other audiences are not.
    let r = token(
        &app,
        &client,
        &assertion(&private, &client, &format!("{issuer}oauth/token"), 60, "j2"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let refused = |why: &str, r: &Response| {
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{why}: {}", r.body);
        assert_eq!(r.body["error"], "access_denied", "{why}");
    };
    refused(
        "another audience",
        &token(
            &app,
            &client,
            &assertion(&private, &client, "https://elsewhere/", 60, "j3"),
        )
        .await,
    );
    refused(
        "valid for an hour",
        &token(
            &app,
            &client,
            &assertion(&private, &client, &issuer, 3600, "j4"),
        )
        .await,
    );
    let (other_key, _) = key();
    refused(
        "another key",
        &token(
            &app,
            &client,
            &assertion(&other_key, &client, &issuer, 60, "j5"),
        )
        .await,
    );
    refused(
        "no assertion id",
        &token(
            &app,
            &client,
            &assertion(&private, &client, &issuer, 60, ""),
        )
        .await,
    );

    // Keys are checked when registered, and kept by id on a change.
    let r = app.patch(&format!("/api/v2/clients/{client}"), json!({"client_authentication_methods":
        {"private_key_jwt": {"credentials": [{"credential_type": "public_key", "pem": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"}]}}})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let id = cred["id"].as_str().unwrap();
    let (_, second) = key();
    let r = app.patch(&format!("/api/v2/clients/{client}"), json!({"client_authentication_methods":
        {"private_key_jwt": {"credentials": [{"id": id}, {"credential_type": "public_key", "pem": second}]}}})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let creds: &Value = &r.body["client_authentication_methods"]["private_key_jwt"]["credentials"];
    assert_eq!(creds.as_array().unwrap().len(), 2);
    assert_eq!(creds[0]["id"], id);
    let r = token(
        &app,
        &client,
        &assertion(&private, &client, &issuer, 60, "j6"),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "the kept key still works: {}",
        r.body
    );
}
