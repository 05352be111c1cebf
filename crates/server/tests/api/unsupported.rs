//! The lists of things orgwarden does not manage answer as an Auth0 tenant with none would;
//! writes to them say orgwarden does not support them.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::app::TestApp;

#[tokio::test]
async fn export_only_lists_are_empty_in_auth0s_shape() {
    let app = TestApp::new().await;
    let r = app.get("/api/v2/actions/actions").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body,
        json!({"actions": [], "total": 0, "page": 0, "per_page": 50})
    );
    let r = app
        .get("/api/v2/actions/actions?page=2&per_page=10&include_totals=true")
        .await;
    assert_eq!(
        r.body,
        json!({"actions": [], "total": 0, "page": 2, "per_page": 10})
    );
    assert_eq!(
        app.get("/api/v2/actions/actions?per_page=1000")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let r = app.get("/api/v2/connections-directory-provisionings").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body, json!({"directory_provisionings": []}));
}

#[tokio::test]
async fn writes_are_refused_clearly_and_reads_need_their_scope() {
    let app = TestApp::new().await;
    let r = app
        .post(
            "/api/v2/actions/actions",
            json!({"name": "x", "supported_triggers": []}),
        )
        .await;
    // A client error, not a server one: the request cannot succeed here, however often it is sent.
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.body["statusCode"], 403);
    assert_eq!(r.body["errorCode"], "operation_not_supported");
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("orgwarden does not manage actions"));
    // Still empty.
    assert_eq!(
        app.get("/api/v2/actions/actions").await.body["actions"],
        json!([])
    );

    let other = app.token(&["read:connections"]);
    for path in [
        "/api/v2/actions/actions",
        "/api/v2/connections-directory-provisionings",
    ] {
        let r = app.call(Method::GET, path, Some(&other), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
    }
    let r = app
        .call(Method::GET, "/api/v2/actions/actions", None, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
}
