use axum::http::{Method, StatusCode};
use orgwarden_client::Error;
use serde_json::json;

use crate::app::TestApp;
use crate::served::Served;

#[tokio::test]
async fn the_guides_call_returns_the_enabled_connections() {
    let app = TestApp::new().await;
    let ad = app.connection("corp-ad", "ad").await;
    let db = app.connection("users", "auth0").await;
    let org = app.organization("acme").await;
    let base = format!("/api/v2/organizations/{org}/enabled_connections");

    let r = app
        .post(
            &base,
            json!({"connection_id": ad, "assign_membership_on_login": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        r.body,
        json!({"connection_id": ad, "assign_membership_on_login": true, "show_as_button": true, "connection": {"name": "corp-ad", "strategy": "ad"}})
    );
    let r = app.post(&base, json!({"connection_id": db})).await;
    assert_eq!(
        r.body,
        json!({"connection_id": db, "assign_membership_on_login": false, "is_signup_enabled": false, "show_as_button": true, "connection": {"name": "users", "strategy": "auth0"}})
    );

    // Exactly what the guide's curl gets: a bare array, in the order enabled.
    let token = app.token(&["read:organization_connections"]);
    let r = app.call(Method::GET, &base, Some(&token), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.as_array().unwrap().len(), 2);
    assert_eq!(r.body[0]["connection_id"], ad);
    assert!(r.body[0].get("is_signup_enabled").is_none());
    assert_eq!(r.body[1]["is_signup_enabled"], false);

    // include_totals: `limit` is the number of items returned (Auth0's quirk).
    let r = app
        .get(&format!("{base}?include_totals=true&per_page=50"))
        .await;
    assert_eq!(r.body["start"], 0);
    assert_eq!(r.body["limit"], 2);
    assert_eq!(r.body["total"], 2);
    let r = app
        .get(&format!("{base}?include_totals=true&page=0&per_page=1"))
        .await;
    assert_eq!(r.body["enabled_connections"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["limit"], 1);
    // Past the end: 200 and empty (the SDK pagers stop on it).
    let r = app
        .get(&format!("{base}?include_totals=true&page=5&per_page=50"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body,
        json!({"enabled_connections": [], "start": 250, "limit": 0, "total": 2})
    );
    let r = app.get(&format!("{base}?page=1")).await;
    assert_eq!(r.body, json!([]));
}

/// `T` from JSON written as a test reads best.
fn body<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).expect("a valid request body")
}

/// The error body of a refused call, as JSON.
fn refusal(e: Error) -> serde_json::Value {
    match e {
        Error::Api { body, .. } => serde_json::to_value(&body).unwrap(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn get_update_delete_one() {
    let s = Served::new().await;
    let c = &s.client;
    let db = c
        .connections()
        .create(&body(json!({"name": "db", "strategy": "auth0"})))
        .await
        .unwrap()
        .id;
    let ad = c
        .connections()
        .create(&body(json!({"name": "ad", "strategy": "ad"})))
        .await
        .unwrap()
        .id;
    let org = c
        .organizations()
        .create(&body(json!({"name": "acme"})))
        .await
        .unwrap()
        .id;
    let enabled = c.enabled_connections(&org);
    enabled
        .enable(&body(
            json!({"connection_id": db, "assign_membership_on_login": true, "is_signup_enabled": true}),
        ))
        .await
        .unwrap();
    enabled
        .enable(&body(json!({"connection_id": ad})))
        .await
        .unwrap();

    assert_eq!(
        enabled.get(&db).await.unwrap().is_signup_enabled,
        Some(true)
    );

    // The sign-up rule, checked on the merged state, with Auth0's exact message.
    let e = enabled
        .update(&db, &body(json!({"assign_membership_on_login": false})))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert_eq!(
        refusal(e),
        json!({"statusCode": 400, "error": "Bad Request", "message": "Only database connections with assign_membership_on_login = true support is_signup_enabled = true.", "errorCode": "invalid_body"})
    );
    let e = enabled
        .update(
            &ad,
            &body(json!({"assign_membership_on_login": true, "is_signup_enabled": true})),
        )
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));
    // Nothing changed.
    assert!(enabled.get(&db).await.unwrap().assign_membership_on_login);

    let updated = enabled
        .update(
            &db,
            &body(json!({"assign_membership_on_login": false, "is_signup_enabled": false})),
        )
        .await
        .unwrap();
    assert!(updated.show_as_button);
    let updated = enabled
        .update(&ad, &body(json!({"show_as_button": false})))
        .await
        .unwrap();
    assert!(!updated.show_as_button);
    // A body the typed client cannot send: through `send`.
    let path = format!("/api/v2/organizations/{org}/enabled_connections/{ad}");
    let r = c
        .send(
            Method::PATCH,
            &path,
            &[],
            Some(&json!({"connection_id": ad})),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let refused: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        refused["message"],
        "Payload validation error: 'Additional properties not allowed: connection_id'."
    );

    let r = c.send(Method::DELETE, &path, &[], None).await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let e = enabled.get(&ad).await.unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert_eq!(
        refusal(e),
        json!({"statusCode": 404, "error": "Not Found", "message": "No connection found by that id"})
    );
    assert_eq!(enabled.disable(&ad).await.unwrap_err().status(), Some(404));
}

#[tokio::test]
async fn conflicts_limits_and_missing_things() {
    let app = TestApp::new().await;
    let org = app.organization("acme").await;
    let base = format!("/api/v2/organizations/{org}/enabled_connections");
    let mut ids = Vec::new();
    for i in 0..11 {
        ids.push(app.connection(&format!("c{i}"), "samlp").await);
    }
    for id in &ids[..10] {
        let r = app.post(&base, json!({"connection_id": id})).await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let r = app.post(&base, json!({"connection_id": ids[0]})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.body["message"],
        "The organization connection already exists."
    );
    let r = app.post(&base, json!({"connection_id": ids[10]})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.body["errorCode"], "entity_limit_exceeded");
    let r = app.get(&format!("{base}?include_totals=true")).await;
    assert_eq!(r.body["total"], 10);

    let other = app.organization("other").await;
    let r = app
        .post(
            &format!("/api/v2/organizations/{other}/enabled_connections"),
            json!({"connection_id": "con_0000000000000000"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["errorCode"], "inexistent_connection");
    let r = app
        .get("/api/v2/organizations/org_0000000000000000/enabled_connections")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body["message"],
        "No organization found by that id or name"
    );

    // Deleting a connection removes it from every organization.
    let r = app.delete(&format!("/api/v2/connections/{}", ids[0])).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let r = app.get(&format!("{base}?include_totals=true")).await;
    assert_eq!(r.body["total"], 9);
}

#[tokio::test]
async fn the_newer_connections_api_shows_the_same_data() {
    let app = TestApp::new().await;
    let db = app.connection("db", "auth0").await;
    let org = app.organization("acme").await;
    let base = format!("/api/v2/organizations/{org}/connections");
    let r = app
        .post(&base, json!({"connection_id": db, "is_enabled": true}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        r.body,
        json!({"connection_id": db, "is_signup_enabled": false, "assign_membership_on_login": false, "show_as_button": true, "is_enabled": true, "organization_access_level": "none", "connection": {"name": "db", "strategy": "auth0"}})
    );
    let r = app
        .get(&format!(
            "{base}?include_totals=true&is_enabled=true&page=1&per_page=50"
        ))
        .await;
    assert_eq!(
        r.body,
        json!({"connections": [], "start": 50, "limit": 50, "total": 1})
    );
    let r = app.post(&base, json!({"connection_id": db})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app
        .patch(
            &format!("{base}/{db}"),
            json!({"organization_access_level": "full"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app.delete(&format!("{base}/{db}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn each_method_needs_its_scope() {
    let app = TestApp::new().await;
    let org = app.organization("acme").await;
    let base = format!("/api/v2/organizations/{org}/enabled_connections");
    let read_only = app.token(&["read:organization_connections"]);
    for (method, path, scope) in [
        (
            Method::POST,
            base.clone(),
            "create:organization_connections",
        ),
        (
            Method::PATCH,
            format!("{base}/con_0000000000000000"),
            "update:organization_connections",
        ),
        (
            Method::DELETE,
            format!("{base}/con_0000000000000000"),
            "delete:organization_connections",
        ),
    ] {
        let r = app
            .call(method, &path, Some(&read_only), Some(json!({})))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(
            r.body["message"],
            format!("Insufficient scope, expected any of: {scope}")
        );
    }
    let none = app.token(&["read:organizations"]);
    let r = app.call(Method::GET, &base, Some(&none), None).await;
    assert_eq!(r.body["errorCode"], "insufficient_scope");
}
