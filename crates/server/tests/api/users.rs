//! `/api/v2/users` and `/users-by-email`: Auth0's shapes (recorded), search, metadata merge,
//! password policies and hashes, and the refusals that change nothing.

use axum::http::{Method, StatusCode};
use orgwarden_domain::password;
use orgwarden_domain::user::UserId;
use serde_json::{json, Value};

use crate::app::TestApp;

const PASSWORD: &str = "I have a password and its a secret";

/// A database connection with the `good` policy, as Auth0 makes new ones.
async fn database(app: &TestApp, name: &str) -> String {
    let r = app
        .post(
            "/api/v2/connections",
            json!({"name": name, "strategy": "auth0", "options": {"passwordPolicy": "good"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn user(app: &TestApp, connection: &str, email: &str, extra: Value) -> Value {
    let mut body = json!({"connection": connection, "email": email, "password": PASSWORD});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = app.post("/api/v2/users", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body
}

fn path(id: &str) -> String {
    format!("/api/v2/users/{}", id.replace('|', "%7C"))
}

fn emails(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn lifecycle_as_auth0() {
    let app = TestApp::new().await;
    database(&app, "Username-Password-Authentication").await;
    let r = app
        .post(
            "/api/v2/users",
            json!({"connection": "Username-Password-Authentication", "email": "Chuck@Example.com",
                   "username": "chuck", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let created = r.body.clone();
    // Auth0's keys and defaults (recorded): alphabetical, no blocked or metadata unless set.
    let keys: Vec<&String> = created.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "created_at",
            "email",
            "email_verified",
            "identities",
            "name",
            "nickname",
            "picture",
            "updated_at",
            "user_id",
            "username"
        ]
    );
    let id = created["user_id"].as_str().unwrap().to_owned();
    let local = id.strip_prefix("auth0|").expect("auth0|…");
    assert_eq!(local.len(), 24);
    assert_eq!(created["email"], "chuck@example.com");
    assert_eq!(created["name"], "chuck@example.com");
    assert_eq!(created["nickname"], "chuck");
    assert_eq!(created["email_verified"], false);
    assert_eq!(
        created["identities"],
        json!([{"connection": "Username-Password-Authentication", "user_id": local,
                "provider": "auth0", "isSocial": false}])
    );

    // The password is stored only as an argon2id hash that checks it; no answer shows either.
    assert!(!r
        .raw
        .windows(PASSWORD.len())
        .any(|w| w == PASSWORD.as_bytes()));
    assert!(!String::from_utf8_lossy(&r.raw).contains("argon2"));
    let uid = UserId::parse(&id).unwrap();
    let hash = app
        .state
        .store()
        .password_hash(&uid)
        .await
        .unwrap()
        .expect("a hash");
    assert!(hash.as_stored().starts_with("$argon2id$"));
    assert!(password::verify(&hash, PASSWORD));
    assert!(!password::verify(&hash, "something else"));

    let r = app.get(&path(&id)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body, created);
    let r = app
        .get(&format!(
            "{}?fields=user_id,email&include_fields=true",
            path(&id)
        ))
        .await;
    assert_eq!(r.body, json!({"email": "chuck@example.com", "user_id": id}));

    // PATCH merges metadata at the top level; null removes a key; a new password is hashed.
    let r = app
        .patch(
            &path(&id),
            json!({"app_metadata": {"facts": ["a"], "plan": "free"}, "blocked": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["blocked"], true);
    let r = app
        .patch(
            &path(&id),
            json!({"connection": "Username-Password-Authentication",
                   "password": "A new one, and still strong", "app_metadata": {"foo": "bar", "plan": null}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["app_metadata"],
        json!({"facts": ["a"], "foo": "bar"})
    );
    assert!(r.body["last_password_reset"].is_string());
    let keys: Vec<&String> = r.body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys.last().unwrap().as_str(),
        "app_metadata",
        "Auth0 puts it last"
    );
    let hash = app
        .state
        .store()
        .password_hash(&uid)
        .await
        .unwrap()
        .unwrap();
    assert!(password::verify(&hash, "A new one, and still strong"));
    assert!(!password::verify(&hash, PASSWORD));

    let r = app
        .get("/api/v2/users-by-email?email=CHUCK@example.com")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(emails(&r.body), ["chuck@example.com"]);

    assert_eq!(app.delete(&path(&id)).await.status, StatusCode::NO_CONTENT);
    let r = app.get(&path(&id)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(r.body["message"], "The user does not exist.");
    assert_eq!(r.body["errorCode"], "inexistent_user");
    assert_eq!(app.delete(&path(&id)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.state.store().password_hash(&uid).await.unwrap(),
        None,
        "the hash is gone with the user"
    );
}

#[tokio::test]
async fn search_sort_and_pages() {
    let app = TestApp::new().await;
    database(&app, "users").await;
    database(&app, "partners").await;
    user(
        &app,
        "users",
        "jane@acme.test",
        json!({"name": "Jane Doe", "username": "test-user998"}),
    )
    .await;
    user(
        &app,
        "users",
        "john@acme.test",
        json!({"name": "John Roe", "email_verified": true}),
    )
    .await;
    user(&app, "users", "jim@globex.test", json!({"blocked": true})).await;
    user(
        &app,
        "partners",
        "jane@partner.test",
        json!({"name": "Jane Partner"}),
    )
    .await;

    let search = |q: &str| {
        let q = q
            .replace(' ', "%20")
            .replace('"', "%22")
            .replace('|', "%7C");
        format!("/api/v2/users?search_engine=v3&q={q}")
    };
    let r = app
        .get(&format!(
            "{}&include_totals=true&per_page=50",
            search(r#"username:"test-user998""#)
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["start", "limit", "length", "users", "total"],
        "Auth0's envelope (recorded)"
    );
    assert_eq!(
        (r.body["length"].clone(), r.body["total"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(r.body["users"][0]["email"], "jane@acme.test");

    let cases: &[(&str, &[&str])] = &[
        ("email:jane*", &["jane@acme.test", "jane@partner.test"]),
        ("email:*", &[]),
        ("email:\"JOHN@acme.test\"", &["john@acme.test"]),
        (
            "name:\"jane doe\" OR email_verified:true",
            &["jane@acme.test", "john@acme.test"],
        ),
        (
            "jane* AND identities.connection:partners",
            &["jane@partner.test"],
        ),
        ("blocked:true", &["jim@globex.test"]),
        ("email:*@acme.test", &[]),
    ];
    for (q, expected) in cases {
        let r = app.get(&search(q)).await;
        if expected.is_empty() && (q.contains(":*")) {
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.body);
            continue;
        }
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
        assert_eq!(emails(&r.body), *expected, "{q}");
    }
    // A value that looks like SQL is only a value.
    let r = app.get(&search("email:\"x' OR 1=1 --\"")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body, json!([]));
    let r = app.get(&search("name:100%25*")).await;
    assert_eq!(r.body, json!([]), "% is matched literally");

    let r = app.get("/api/v2/users?sort=email:-1").await;
    assert_eq!(
        emails(&r.body),
        [
            "john@acme.test",
            "jim@globex.test",
            "jane@partner.test",
            "jane@acme.test"
        ]
    );
    let r = app
        .get("/api/v2/users?sort=created_at:1&per_page=2&page=1&include_totals=true")
        .await;
    assert_eq!(
        emails(&r.body["users"]),
        ["jim@globex.test", "jane@partner.test"]
    );
    assert_eq!(r.body["total"], 4);
    assert_eq!(r.body["start"], 2);

    for bad in [
        "/api/v2/users?q=(a%20OR%20b)",
        "/api/v2/users?q=password:x",
        "/api/v2/users?sort=password:1",
        "/api/v2/users?search_engine=v2",
        "/api/v2/users?per_page=101",
        "/api/v2/users?per_page=100&page=10",
    ] {
        let r = app.get(bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
    }
}

#[tokio::test]
async fn refusals_change_nothing() {
    let app = TestApp::new().await;
    database(&app, "users").await;
    app.connection("corp", "samlp").await;
    user(
        &app,
        "users",
        "taken@acme.test",
        json!({"username": "taken"}),
    )
    .await;

    let r = app
        .post(
            "/api/v2/users",
            json!({"connection": "users", "email": "TAKEN@acme.test", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["message"], "The user already exists.");
    assert_eq!(r.body["errorCode"], "auth0_idp_error");
    let r = app
        .post(
            "/api/v2/users",
            json!({"connection": "users", "email": "other@acme.test", "username": "TAKEN", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

    let weak = app
        .post(
            "/api/v2/users",
            json!({"connection": "users", "email": "weak@acme.test", "password": "password"}),
        )
        .await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST, "{}", weak.body);
    assert_eq!(
        weak.body["message"],
        "PasswordStrengthError: Password is too weak"
    );

    for body in [
        json!({"connection": "users", "email": "not-an-email", "password": PASSWORD}),
        json!({"connection": "users", "email": "a@acme.test"}),
        json!({"connection": "users", "password": PASSWORD}),
        json!({"connection": "nope", "email": "a@acme.test", "password": PASSWORD}),
        json!({"connection": "corp", "email": "a@acme.test", "password": PASSWORD}),
        json!({"connection": "users", "email": "a@acme.test", "password": PASSWORD, "is_admin": true}),
        json!({"connection": "users", "email": "a@acme.test", "password": PASSWORD, "blocked": "no"}),
        json!({"email": "a@acme.test", "password": PASSWORD}),
    ] {
        let r = app.post("/api/v2/users", body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
    }
    // Nothing above was written.
    assert_eq!(
        emails(&app.get("/api/v2/users").await.body),
        ["taken@acme.test"]
    );

    let id = app.get("/api/v2/users").await.body[0]["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = app.get(&path(&id)).await.body;
    for body in [
        json!({}),
        json!({"password": "weak"}),
        json!({"email": "nope"}),
        json!({"user_id": "auth0|x"}),
    ] {
        let r = app.patch(&path(&id), body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
    }
    assert_eq!(app.get(&path(&id)).await.body, before);
    for missing in [
        "auth0|000000000000000000000000",
        "google-oauth2|1",
        "nobody",
    ] {
        let r = app.get(&path(missing)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{missing}: {}", r.body);
        let r = app.patch(&path(missing), json!({"name": "x"})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{missing}: {}", r.body);
    }

    // Each operation needs its own scope.
    let reader = app.token(&["read:users"]);
    for (method, url, body) in [
        (
            Method::POST,
            "/api/v2/users".to_owned(),
            Some(json!({"connection": "users", "email": "x@acme.test", "password": PASSWORD})),
        ),
        (Method::PATCH, path(&id), Some(json!({"blocked": true}))),
        (Method::DELETE, path(&id), None),
    ] {
        let r = app.call(method.clone(), &url, Some(&reader), body).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{method} {url}: {}",
            r.body
        );
    }
    let writer = app.token(&["create:users", "update:users", "delete:users"]);
    for url in [
        path(&id),
        "/api/v2/users".to_owned(),
        "/api/v2/users-by-email?email=taken@acme.test".to_owned(),
    ] {
        let r = app.call(Method::GET, &url, Some(&writer), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{url}: {}", r.body);
    }
    assert_eq!(app.get(&path(&id)).await.body, before);
}

#[tokio::test]
async fn deleting_the_connection_deletes_its_users() {
    let app = TestApp::new().await;
    let conn = database(&app, "users").await;
    database(&app, "others").await;
    user(&app, "users", "a@acme.test", json!({})).await;
    user(&app, "others", "b@acme.test", json!({})).await;
    assert_eq!(
        app.delete(&format!("/api/v2/connections/{conn}"))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        emails(&app.get("/api/v2/users").await.body),
        ["b@acme.test"]
    );
}
