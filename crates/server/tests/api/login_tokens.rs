//! A person's tokens after the login: refresh tokens (rotating and not, reuse detection,
//! revocation, a code used twice revoking what it gave) and Auth0's password-realm grant with
//! organizations.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::app::{claims_of, Response, TestApp};
use crate::login::{
    authorize, client, exchange, log_in, tenant, user, Person, Tenant, PASSWORD, VERIFIER,
};

async fn token(app: &TestApp, body: Value) -> Response {
    app.call(Method::POST, "/oauth/token", None, Some(body))
        .await
}

async fn refresh(app: &TestApp, t: &Tenant, rt: &str) -> Response {
    token(
        app,
        json!({"grant_type": "refresh_token", "client_id": t.client_id,
        "client_secret": t.client_secret, "refresh_token": rt}),
    )
    .await
}

/// Signs Ann in to acme with `offline_access` and redeems the code.
async fn offline_login(app: &TestApp, t: &Tenant) -> (String, Response) {
    let mut p = Person::new(app);
    let path = authorize(
        &t.client_id,
        &[
            ("organization", "acme"),
            ("scope", "openid email offline_access"),
            ("prompt", "login"),
        ],
    );
    let code = log_in(&mut p, &path, "ann@acme.test").await;
    let r = exchange(app, t, &code, VERIFIER).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    (code, r)
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_its_family() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let r = app.patch(&format!("/api/v2/clients/{}", t.client_id),
        json!({"refresh_token": {"rotation_type": "rotating", "expiration_type": "expiring", "token_lifetime": 3600}})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (_, first) = offline_login(&app, &t).await;
    let keys: Vec<&String> = first.body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "access_token",
            "refresh_token",
            "id_token",
            "scope",
            "expires_in",
            "token_type"
        ]
    );
    let rt1 = first.body["refresh_token"].as_str().unwrap().to_owned();

    let r = refresh(&app, &t, &rt1).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rt2 = r.body["refresh_token"]
        .as_str()
        .expect("a new refresh token")
        .to_owned();
    assert_ne!(rt1, rt2);
    let id = claims_of(r.body["id_token"].as_str().unwrap());
    assert_eq!(
        id["org_id"],
        t.org.as_str(),
        "refreshed tokens keep the organization"
    );
    assert!(id.get("nonce").is_none());
    // Narrowing the scope is allowed; widening it is not.
    let r = token(&app, json!({"grant_type": "refresh_token", "client_id": t.client_id, "client_secret": t.client_secret,
        "refresh_token": rt2, "scope": "openid profile"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.body["error"], "access_denied");

    // rt1 again: theft assumed; the whole family, rt2 included, is revoked.
    let r = refresh(&app, &t, &rt1).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body,
        json!({"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."})
    );
    let r = refresh(&app, &t, &rt2).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "rt2 went with its family: {}",
        r.body
    );
}

#[tokio::test]
async fn non_rotating_refresh_tokens_last_until_revoked_and_codes_used_twice_revoke_theirs() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let (code, first) = offline_login(&app, &t).await;
    let rt = first.body["refresh_token"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let r = refresh(&app, &t, &rt).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.get("refresh_token").is_none(),
            "non-rotating: the same token stays"
        );
    }
    // Another client cannot use or revoke it.
    let (other, other_secret) = client(&app, json!({})).await;
    let r = token(&app, json!({"grant_type": "refresh_token", "client_id": other, "client_secret": other_secret, "refresh_token": rt})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The code used a second time: refused, and the refresh token it gave is revoked.
    assert_eq!(
        exchange(&app, &t, &code, VERIFIER).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(refresh(&app, &t, &rt).await.status, StatusCode::FORBIDDEN);

    // /oauth/revoke ends a family; unknown tokens get the same 200.
    let (_, second) = offline_login(&app, &t).await;
    let rt = second.body["refresh_token"].as_str().unwrap().to_owned();
    let revoke = |token: &str| json!({"client_id": t.client_id, "client_secret": t.client_secret, "token": token});
    let r = app
        .call(Method::POST, "/oauth/revoke", None, Some(revoke("unknown")))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app.call(Method::POST, "/oauth/revoke", None, Some(json!({"client_id": t.client_id, "client_secret": "wrong-secret-wrong-secret", "token": rt}))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refresh(&app, &t, &rt).await.status,
        StatusCode::OK,
        "a refused revocation revokes nothing"
    );
    let r = app
        .call(Method::POST, "/oauth/revoke", None, Some(revoke(&rt)))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(refresh(&app, &t, &rt).await.status, StatusCode::FORBIDDEN);

    // Without offline_access, no refresh token.
    let mut p = Person::new(&app);
    let code = log_in(
        &mut p,
        &authorize(&t.client_id, &[("organization", "acme")]),
        "ann@acme.test",
    )
    .await;
    assert!(exchange(&app, &t, &code, VERIFIER)
        .await
        .body
        .get("refresh_token")
        .is_none());
}

#[tokio::test]
async fn password_realm_signs_people_in_to_organizations() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let bob = user(&app, "bob@else.test").await;
    let r = app.patch(&format!("/api/v2/clients/{}", t.client_id),
        json!({"grant_types": ["authorization_code", "refresh_token", "http://auth0.com/oauth/grant-type/password-realm"]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let grant = |user: &str, password: &str, org: Option<&str>| {
        let mut b = json!({"grant_type": "http://auth0.com/oauth/grant-type/password-realm",
            "client_id": t.client_id, "client_secret": t.client_secret, "username": user,
            "password": password, "realm": "people", "scope": "openid email"});
        if let Some(o) = org {
            b["organization"] = json!(o);
        }
        b
    };
    let r = token(&app, grant("ann@acme.test", PASSWORD, Some("acme"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = claims_of(r.body["id_token"].as_str().unwrap());
    assert_eq!(
        (id["sub"].as_str(), id["org_id"].as_str()),
        (Some(t.ann.as_str()), Some(t.org.as_str()))
    );

    let r = token(&app, grant("ann@acme.test", "wrong", Some("acme"))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body,
        json!({"error": "invalid_grant", "error_description": "Wrong email or password."})
    );
    let r = token(&app, grant("ann@acme.test", PASSWORD, None)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body["error_description"],
        "parameter organization is required for this client"
    );
    let r = token(&app, grant("bob@else.test", PASSWORD, Some("acme"))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body["error_description"],
        format!("user {bob} is not part of the {} organization", t.org)
    );
    // open-co admits Bob and makes him a member.
    let r = token(&app, grant("bob@else.test", PASSWORD, Some("open-co"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let members = app
        .get(&format!("/api/v2/organizations/{}/members", t.open_org))
        .await;
    assert_eq!(members.body[0]["user_id"], bob.as_str());
    // A realm the client has no access to; a client without the grant type.
    let mut b = grant("ann@acme.test", PASSWORD, Some("acme"));
    b["realm"] = json!("elsewhere");
    assert_eq!(token(&app, b).await.status, StatusCode::BAD_REQUEST);
    let (plain, plain_secret) = client(&app, json!({"organization_usage": "allow"})).await;
    let mut b = grant("ann@acme.test", PASSWORD, None);
    b["client_id"] = json!(plain);
    b["client_secret"] = json!(plain_secret);
    let r = token(&app, b).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["error"], "unauthorized_client");
}

#[tokio::test]
async fn dbconnections_signup_as_auth0() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let signup = |email: &str, password: &str| json!({"client_id": t.client_id, "connection": "people", "email": email, "password": password});
    let r = app
        .call(
            Method::POST,
            "/dbconnections/signup",
            None,
            Some(signup("eve@new.test", PASSWORD)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let keys: Vec<&String> = r.body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["_id", "email", "email_verified"]);
    assert_eq!(r.body["email_verified"], false);
    let found = app.get("/api/v2/users-by-email?email=eve%40new.test").await;
    assert_eq!(
        found.body[0]["user_id"],
        format!("auth0|{}", r.body["_id"].as_str().unwrap())
    );

    let r = app
        .call(
            Method::POST,
            "/dbconnections/signup",
            None,
            Some(signup("eve@new.test", PASSWORD)),
        )
        .await;
    assert_eq!(
        r.body,
        json!({"name": "BadRequestError", "code": "invalid_signup", "description": "Invalid sign up", "statusCode": 400})
    );
    let r = app
        .call(
            Method::POST,
            "/dbconnections/signup",
            None,
            Some(signup("fay@new.test", "short")),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        (r.body["name"].as_str(), r.body["code"].as_str()),
        (Some("PasswordStrengthError"), Some("invalid_password"))
    );
    let mut other = signup("fay@new.test", PASSWORD);
    other["connection"] = json!("nope");
    let r = app
        .call(Method::POST, "/dbconnections/signup", None, Some(other))
        .await;
    assert_eq!(r.body["code"], "invalid_connection");
    let mut other = signup("fay@new.test", PASSWORD);
    other["client_id"] = json!("unknown0000000000000000000000000");
    let r = app
        .call(Method::POST, "/dbconnections/signup", None, Some(other))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app
        .patch(
            &format!("/api/v2/connections/{}", t.connection),
            json!({"options": {"disable_signup": true}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .call(
            Method::POST,
            "/dbconnections/signup",
            None,
            Some(signup("fay@new.test", PASSWORD)),
        )
        .await;
    assert_eq!(r.body["description"], "public signup is disabled");
    let found = app.get("/api/v2/users-by-email?email=fay%40new.test").await;
    assert_eq!(found.body, json!([]), "no refused sign-up made a user");
}

#[tokio::test]
async fn machine_tokens_for_an_organization() {
    let app = TestApp::new().await;
    let org = app.organization("acme").await;
    let r = app
        .post(
            "/api/v2/resource-servers",
            json!({"identifier": "https://api.acme.test", "name": "acme api",
        "scopes": [{"value": "read:things"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (id, secret) = app.machine_client("m2m").await;
    let r = app
        .post(
            "/api/v2/client-grants",
            json!({"client_id": id, "audience": "https://api.acme.test",
        "scope": ["read:things"], "organization_usage": "allow"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let grant = r.body["id"].as_str().unwrap().to_owned();
    let ask = |organization: Option<&str>| {
        let mut b = json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret,
            "audience": "https://api.acme.test"});
        if let Some(o) = organization {
            b["organization"] = json!(o);
        }
        b
    };
    let r = token(&app, ask(Some("acme"))).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "not associated yet: {}",
        r.body
    );
    let r = app
        .post(
            &format!("/api/v2/organizations/{org}/client-grants"),
            json!({"grant_id": grant}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = token(&app, ask(Some("acme"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        claims_of(r.body["access_token"].as_str().unwrap())["org_id"],
        org.as_str()
    );
    let r = token(&app, ask(None)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(claims_of(r.body["access_token"].as_str().unwrap())
        .get("org_id")
        .is_none());
    let r = token(&app, ask(Some("nope"))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .patch(
            &format!("/api/v2/client-grants/{grant}"),
            json!({"organization_usage": "require"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = token(&app, ask(None)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body["error_description"],
        "parameter organization is required for this client grant"
    );
}

#[tokio::test]
async fn an_organization_token_carries_member_role_permissions_and_no_others() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let api = "https://reports.test/";
    let r = app
        .post(
            "/api/v2/resource-servers",
            json!({"name": "reports", "identifier": api,
        "scopes": [{"value": "read:reports"}, {"value": "write:reports"}],
        "enforce_policies": true, "token_dialect": "access_token_authz"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let role = |name: &'static str, permission: &'static str| {
        let app = &app;
        async move {
            let r = app.post("/api/v2/roles", json!({"name": name})).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let id = r.body["id"].as_str().unwrap().to_owned();
            let r = app.post(&format!("/api/v2/roles/{id}/permissions"),
                json!({"permissions": [{"resource_server_identifier": api, "permission_name": permission}]})).await;
            assert!(r.status.is_success(), "{}", r.body);
            id
        }
    };
    let reader = role("org reader", "read:reports").await;
    let writer = role("tenant writer", "write:reports").await;
    let r = app
        .post(
            &format!("/api/v2/users/{}/roles", t.ann),
            json!({"roles": [writer]}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let r = app
        .post(
            &format!("/api/v2/organizations/{}/members/{}/roles", t.org, t.ann),
            json!({"roles": [reader]}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let r = app.patch(&format!("/api/v2/clients/{}", t.client_id),
        json!({"organization_usage": "allow", "grant_types": ["http://auth0.com/oauth/grant-type/password-realm"]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let access = |org: Option<&'static str>| {
        let mut b = json!({"grant_type": "http://auth0.com/oauth/grant-type/password-realm",
            "client_id": t.client_id, "client_secret": t.client_secret, "username": "ann@acme.test",
            "password": PASSWORD, "realm": "people", "audience": api,
            "scope": "openid read:reports write:reports"});
        if let Some(o) = org {
            b["organization"] = json!(o);
        }
        let app = &app;
        async move {
            let r = token(app, b).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            claims_of(r.body["access_token"].as_str().unwrap())
        }
    };
    let inside = access(Some("acme")).await;
    assert_eq!(inside["permissions"], json!(["read:reports"]));
    assert_eq!(inside["scope"], "openid read:reports");
    assert_eq!(inside["org_id"], t.org.as_str());
    // Without the organization, the tenant role's and not the member role's.
    let outside = access(None).await;
    assert_eq!(outside["permissions"], json!(["write:reports"]));
    assert_eq!(outside["scope"], "openid write:reports");
    // In an organization where Ann holds no role: nothing (open-co admits her as a member).
    let elsewhere = access(Some("open-co")).await;
    assert_eq!(elsewhere["permissions"], json!([]));
    assert_eq!(elsewhere["scope"], "openid");
}
