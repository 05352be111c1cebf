//! `/oauth/token`, and the token attack set against `/api/v2`.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use orgwarden_server::auth::keys::Claims;
use serde_json::{json, Value};

use crate::app::{claims_of, TestApp};

fn form_request(body: &str, basic: Option<(&str, &str)>) -> Request<Body> {
    let mut req = Request::post("/oauth/token")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some((id, secret)) = basic {
        req = req.header(
            header::AUTHORIZATION,
            format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))),
        );
    }
    req.body(Body::from(body.to_owned())).unwrap()
}

fn decode_part(token: &str, i: usize) -> Value {
    let part = token.split('.').nth(i).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[tokio::test]
async fn client_credentials_issues_auth0_shaped_tokens() {
    let app = TestApp::new().await;
    let aud = app.state.identity().audience.clone();
    let (id, secret) = (app.admin.client_id.clone(), app.admin.client_secret.clone());

    // JSON body with `"organization": null` and an unknown field, as auth0-python sends.
    let r = app
        .post("/oauth/token", json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret, "audience": aud, "organization": null, "extra": 1}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["expires_in"], 86400);
    assert!(r.body["scope"]
        .as_str()
        .unwrap()
        .contains("read:organization_connections"));
    let token = r.body["access_token"].as_str().unwrap();
    let header = decode_part(token, 0);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    assert!(header["kid"].is_string());
    let claims = decode_part(token, 1);
    assert_eq!(claims["iss"], "https://localhost:8443/");
    assert_eq!(claims["aud"], "https://localhost:8443/api/v2/");
    assert_eq!(claims["sub"], format!("{id}@clients"));
    assert_eq!(claims["azp"], id);
    assert_eq!(claims["gty"], "client-credentials");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        86400
    );
    // The key is published.
    let jwks = app.get("/.well-known/jwks.json").await;
    assert_eq!(jwks.body["keys"][0]["kid"], header["kid"]);
    let oidc = app.get("/.well-known/openid-configuration").await;
    assert_eq!(
        oidc.body["jwks_uri"],
        "https://localhost:8443/.well-known/jwks.json"
    );

    // Form body, secret by HTTP Basic, narrowed scope.
    let body = format!(
        "grant_type=client_credentials&audience={}&scope=read%3Aorganizations",
        form_urlencoded::byte_serialize(aud.as_bytes()).collect::<String>()
    );
    let r = app.send(form_request(&body, Some((&id, &secret)))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["scope"], "read:organizations");
    // The narrowed token is limited to its scope.
    let t = r.body["access_token"].as_str().unwrap().to_owned();
    let r = app
        .call(Method::GET, "/api/v2/connections", Some(&t), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// A machine client gets exactly what its grant holds: its token says so, and the API agrees.
#[tokio::test]
async fn a_granted_client_holds_its_grant_and_nothing_more() {
    let app = TestApp::new().await;
    let reader = app.client_with(&["read:organizations"]).await;
    assert_ne!(reader.client_id, app.admin().client_id);
    let claims = claims_of(&reader.token);
    assert_eq!(claims["scope"], "read:organizations");
    assert_eq!(claims["sub"], format!("{}@clients", reader.client_id));
    let r = app
        .call(
            Method::GET,
            "/api/v2/organizations",
            Some(&reader.token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .call(
            Method::POST,
            "/api/v2/organizations",
            Some(&reader.token),
            Some(json!({"name": "acme"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.body["errorCode"], "insufficient_scope", "{}", r.body);
    // Its secret is its own: it gets a token again, the admin's does not work for it.
    let again = app
        .client_token(&reader.client_id, &reader.client_secret)
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let wrong = app
        .client_token(&reader.client_id, &app.admin().client_secret)
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.body);
}

#[tokio::test]
async fn token_errors_use_the_oauth_shape() {
    let app = TestApp::new().await;
    let aud = app.state.identity().audience.clone();
    let id = app.admin.client_id.clone();
    let cases = [
        (
            json!({"client_id": id, "client_secret": "x", "audience": aud}),
            400,
            "invalid_request",
        ),
        (
            json!({"grant_type": "password", "client_id": id}),
            400,
            "unsupported_grant_type",
        ),
        (
            json!({"grant_type": "client_credentials", "client_id": id, "client_secret": "wrong", "audience": aud}),
            401,
            "access_denied",
        ),
        (
            json!({"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x", "audience": aud}),
            401,
            "access_denied",
        ),
        (
            json!({"grant_type": "client_credentials", "client_id": id, "client_secret": app.admin.client_secret, "audience": "https://other.example/"}),
            403,
            "access_denied",
        ),
        (
            json!({"grant_type": "client_credentials", "client_id": id, "client_secret": app.admin.client_secret}),
            403,
            "access_denied",
        ),
        (
            json!({"grant_type": "client_credentials", "client_id": id, "client_secret": app.admin.client_secret, "audience": aud, "scope": "read:logs"}),
            403,
            "access_denied",
        ),
    ];
    for (body, status, error) in cases {
        let r = app
            .call(Method::POST, "/oauth/token", None, Some(body.clone()))
            .await;
        assert_eq!(r.status.as_u16(), status, "{body} -> {}", r.body);
        assert_eq!(r.body["error"], error, "{body}");
        assert!(r.body["error_description"].is_string());
    }
    let r = app.call(Method::POST, "/oauth/token", None, Some(json!({"grant_type": "client_credentials", "client_id": id, "client_secret": app.admin.client_secret, "audience": aud, "scope": "read:logs"}))).await;
    assert_eq!(
        r.body["error_description"],
        "Client has not been granted scopes: read:logs"
    );
}

fn sign_with(app: &TestApp, edit: impl FnOnce(&mut Claims)) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut claims = Claims {
        iss: app.state.identity().issuer.clone(),
        sub: format!("{}@clients", app.admin.client_id),
        aud: app.state.identity().audience.clone(),
        iat: now,
        exp: now + 3600,
        scope: "read:organizations".into(),
        gty: "client-credentials".into(),
        azp: app.admin.client_id.clone(),
        org_id: None,
    };
    edit(&mut claims);
    app.state.tokens().key_ring().sign(&claims).unwrap()
}

fn with_header(token: &str, header: Value, signature: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    format!(
        "{}.{payload}.{signature}",
        URL_SAFE_NO_PAD.encode(header.to_string())
    )
}

#[tokio::test]
async fn the_token_attack_set_is_refused() {
    let app = TestApp::new().await;
    let good = sign_with(&app, |_| {});
    let kid = decode_part(&good, 0)["kid"].clone();
    let r = app
        .call(Method::GET, "/api/v2/organizations", Some(&good), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);

    let invalid = json!({"statusCode": 401, "error": "Unauthorized", "message": "Invalid token", "attributes": {"error": "Invalid token"}});
    let expired = sign_with(&app, |c| {
        c.iat -= 7200;
        c.exp -= 7200;
    });
    let wrong_aud = sign_with(&app, |c| c.aud = "https://localhost:8443/api/v3/".into());
    let wrong_iss = sign_with(&app, |c| c.iss = "https://evil.example/".into());
    let alg_none = with_header(&good, json!({"alg": "none", "typ": "JWT", "kid": kid}), "");
    // HS256 "signed" with the public key (algorithm confusion).
    let n = app.get("/.well-known/jwks.json").await.body["keys"][0]["n"]
        .as_str()
        .unwrap()
        .to_owned();
    let hs256 = {
        let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        h.kid = kid.as_str().map(str::to_owned);
        let claims = decode_part(&good, 1);
        jsonwebtoken::encode(
            &h,
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(n.as_bytes()).unwrap(),
        )
        .unwrap()
    };
    let unknown_kid = with_header(
        &good,
        json!({"alg": "RS256", "typ": "JWT", "kid": "' OR 1=1 --"}),
        good.split('.').nth(2).unwrap(),
    );
    let tampered = {
        let mut claims = decode_part(&good, 1);
        claims["scope"] = json!("read:organizations create:organizations delete:organizations");
        let parts: Vec<&str> = good.split('.').collect();
        format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            parts[2]
        )
    };
    let cases: Vec<(&str, String, Value)> = vec![
        ("alg none", alg_none, invalid.clone()),
        ("HS256 with the public key", hs256, invalid.clone()),
        ("unknown kid", unknown_kid, invalid.clone()),
        ("wrong audience", wrong_aud, invalid.clone()),
        ("wrong issuer", wrong_iss, invalid.clone()),
        (
            "expired",
            expired,
            json!({"statusCode": 401, "error": "Unauthorized", "message": "Expired token received for JSON Web Token validation", "attributes": {"error": "Expired token received for JSON Web Token validation"}}),
        ),
        (
            "tampered payload",
            tampered,
            json!({"statusCode": 401, "error": "Unauthorized", "message": "Invalid signature received for JSON Web Token validation", "attributes": {"error": "Invalid signature received for JSON Web Token validation"}}),
        ),
    ];
    for (name, token, expected) in cases {
        let r = app
            .call(Method::GET, "/api/v2/organizations", Some(&token), None)
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{name}: {}", r.body);
        assert_eq!(r.body, expected, "{name}");
        assert!(r.headers.contains_key(header::WWW_AUTHENTICATE), "{name}");
    }

    // No header at all, and a bearer that is not a JWT.
    let r = app
        .call(Method::GET, "/api/v2/organizations", None, None)
        .await;
    assert_eq!(
        r.body,
        json!({"statusCode": 401, "error": "Unauthorized", "message": "Missing authentication"})
    );
    let r = app
        .call(
            Method::GET,
            "/api/v2/organizations",
            Some("opaque-token"),
            None,
        )
        .await;
    assert_eq!(
        r.body,
        json!({"statusCode": 400, "error": "Bad Request", "message": "Bad HTTP authentication header format", "errorCode": "Bearer"})
    );
    let huge = "a.".repeat(5000) + "a";
    let r = app
        .call(Method::GET, "/api/v2/organizations", Some(&huge), None)
        .await;
    assert!(r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::UNAUTHORIZED);
}
