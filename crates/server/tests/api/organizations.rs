use axum::http::StatusCode;
use serde_json::json;

use crate::app::TestApp;

#[tokio::test]
async fn create_get_update_delete_as_auth0() {
    let app = TestApp::new().await;
    let r = app
        .post(
            "/api/v2/organizations",
            json!({"name": "acme", "display_name": "Acme", "branding": {"logo_url": "https://acme.com/logo.svg"}, "metadata": {"a": "1", "b": "2"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.headers["content-type"], "application/json; charset=utf-8");
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("org_") && id.len() == 20, "{id}");
    assert!(r.body.get("enabled_connections").is_none());

    let r = app.get(&format!("/api/v2/organizations/{id}")).await;
    assert_eq!(
        r.body,
        json!({"id": id, "name": "acme", "display_name": "Acme", "branding": {"logo_url": "https://acme.com/logo.svg"}, "metadata": {"a": "1", "b": "2"}})
    );
    let r = app.get("/api/v2/organizations/name/acme").await;
    assert_eq!(r.body["id"], id);

    // Fields left out are kept; metadata is replaced wholesale.
    let r = app
        .patch(
            &format!("/api/v2/organizations/{id}"),
            json!({"name": "acme-2", "metadata": {"b": "3"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["branding"]["logo_url"], "https://acme.com/logo.svg");
    assert_eq!(r.body["metadata"], json!({"b": "3"}));
    // `metadata: {}` removes it: the key disappears.
    let r = app
        .patch(
            &format!("/api/v2/organizations/{id}"),
            json!({"metadata": {}}),
        )
        .await;
    assert!(r.body.get("metadata").is_none(), "{}", r.body);

    let r = app.delete(&format!("/api/v2/organizations/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.raw.is_empty());
    let r = app.get(&format!("/api/v2/organizations/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body,
        json!({"statusCode": 404, "error": "Not Found", "message": "No organization found by that id or name"})
    );
    let r = app.delete(&format!("/api/v2/organizations/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn duplicate_name_is_409_and_changes_nothing() {
    let app = TestApp::new().await;
    app.organization("dup").await;
    let r = app
        .post("/api/v2/organizations", json!({"name": "dup"}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.body["errorCode"], "organization_conflict");
    assert_eq!(
        r.body["message"],
        "An organization with the same name already exists."
    );
    let r = app.get("/api/v2/organizations").await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn create_with_enabled_connections_echoes_them_once() {
    let app = TestApp::new().await;
    let ad = app.connection("corp", "ad").await;
    let db = app.connection("users", "auth0").await;
    let r = app
        .post(
            "/api/v2/organizations",
            json!({"name": "with-conns", "enabled_connections": [
                {"connection_id": ad, "assign_membership_on_login": true, "show_as_button": true},
                {"connection_id": db, "assign_membership_on_login": true, "is_signup_enabled": true}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        r.body["enabled_connections"],
        json!([
            {"connection_id": ad, "assign_membership_on_login": true, "show_as_button": true, "connection": {"name": "corp", "strategy": "ad"}},
            {"connection_id": db, "assign_membership_on_login": true, "is_signup_enabled": true, "show_as_button": true, "connection": {"name": "users", "strategy": "auth0"}}
        ])
    );
    let id = r.body["id"].as_str().unwrap();
    let r = app.get(&format!("/api/v2/organizations/{id}")).await;
    assert!(r.body.get("enabled_connections").is_none());

    // A missing connection fails the whole create.
    let r = app
        .post("/api/v2/organizations", json!({"name": "atomic", "enabled_connections": [{"connection_id": ad}, {"connection_id": "con_doesnotexist00"}]}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.get("/api/v2/organizations/name/atomic").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn list_has_three_shapes() {
    let app = TestApp::new().await;
    for i in 0..5 {
        app.organization(&format!("org-{i}")).await;
    }
    // Bare array.
    let r = app.get("/api/v2/organizations").await;
    assert_eq!(r.body.as_array().unwrap().len(), 5);
    // Offset envelope: limit is per_page here.
    let r = app
        .get("/api/v2/organizations?include_totals=true&per_page=2&page=1")
        .await;
    assert_eq!(r.body["start"], 2);
    assert_eq!(r.body["limit"], 2);
    assert_eq!(r.body["total"], 5);
    assert_eq!(r.body["organizations"][0]["name"], "org-2");
    // Checkpoints win over include_totals; `next` is omitted on the last page.
    let mut names = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let url = match &next {
            Some(n) => format!("/api/v2/organizations?include_totals=true&take=2&from={n}"),
            None => "/api/v2/organizations?include_totals=true&take=2".to_owned(),
        };
        let r = app.get(&url).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.get("total").is_none());
        for o in r.body["organizations"].as_array().unwrap() {
            names.push(o["name"].as_str().unwrap().to_owned());
        }
        match r.body.get("next") {
            Some(n) => next = Some(n.as_str().unwrap().to_owned()),
            None => break,
        }
    }
    assert_eq!(names, ["org-0", "org-1", "org-2", "org-3", "org-4"]);
    // Sorting.
    let r = app.get("/api/v2/organizations?sort=name:-1").await;
    assert_eq!(r.body[0]["name"], "org-4");
    let r = app.get("/api/v2/organizations?sort=size:1").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["errorCode"], "invalid_query_string");
    // A page past the end is an empty array; offset paging stops at 1000 records.
    let r = app.get("/api/v2/organizations?page=9&per_page=50").await;
    assert_eq!(r.body, json!([]));
    let r = app.get("/api/v2/organizations?page=20&per_page=50").await;
    assert_eq!(r.body["errorCode"], "invalid_paging");
}

#[tokio::test]
async fn scopes_are_checked_per_endpoint() {
    let app = TestApp::new().await;
    let token = app.token(&["read:organizations"]);
    let r = app
        .call(
            axum::http::Method::POST,
            "/api/v2/organizations",
            Some(&token),
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body,
        json!({"statusCode": 403, "error": "Forbidden", "message": "Insufficient scope, expected any of: create:organizations", "errorCode": "insufficient_scope"})
    );
    let token = app.token(&["read:organizations_summary"]);
    let r = app
        .call(
            axum::http::Method::GET,
            "/api/v2/organizations",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let token = app.token(&["read:connections"]);
    let r = app
        .call(
            axum::http::Method::GET,
            "/api/v2/organizations",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        r.body["message"],
        "Insufficient scope, expected any of: read:organizations, read:organizations_summary"
    );
}

#[tokio::test]
async fn newer_settings_are_kept_checked_and_removable() {
    let app = TestApp::new().await;
    let quota = json!({"client_credentials": {"per_day": 100, "enforce": true}});
    let r = app
        .post(
            "/api/v2/organizations",
            json!({"name": "quota", "token_quota": quota, "third_party_client_access": "allow"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["token_quota"], quota);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let r = app.get(&format!("/api/v2/organizations/{id}")).await;
    assert_eq!(
        (
            r.body["token_quota"].clone(),
            r.body["third_party_client_access"].clone()
        ),
        (quota, json!("allow"))
    );
    let r = app
        .patch(
            &format!("/api/v2/organizations/{id}"),
            json!({"token_quota": null}),
        )
        .await;
    assert!(r.body.get("token_quota").is_none(), "{}", r.body);
    assert_eq!(r.body["third_party_client_access"], "allow");

    for bad in [
        json!({"bogus": 1}),
        json!({"client_credentials": {}}),
        json!({"client_credentials": {"per_day": 0}}),
    ] {
        let r = app
            .post(
                "/api/v2/organizations",
                json!({"name": "bad-quota", "token_quota": bad}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let r = app
        .post(
            "/api/v2/organizations",
            json!({"name": "bad-access", "third_party_client_access": "maybe"}),
        )
        .await;
    assert_eq!(r.body["message"], "Payload validation error: 'No enum match for: maybe' on property third_party_client_access (Whether third-party clients may access this organization.).");
}
