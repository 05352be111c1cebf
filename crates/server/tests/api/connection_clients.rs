//! `GET/PATCH /connections/{id}/clients`: the newer view of `enabled_clients`, the same list.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::app::TestApp;

fn client_ids(page: &Value) -> Vec<&str> {
    page["clients"]
        .as_array()
        .expect("clients")
        .iter()
        .map(|c| c["client_id"].as_str().unwrap())
        .collect()
}

async fn patch(app: &TestApp, id: &str, body: Value) -> crate::app::Response {
    app.call(
        Method::PATCH,
        &format!("/api/v2/connections/{id}/clients"),
        Some(&app.admin_token),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn both_views_are_one_list() {
    let app = TestApp::new().await;
    let id = app.connection("users", "auth0").await;
    let base = format!("/api/v2/connections/{id}/clients");
    assert_eq!(app.get(&base).await.body, json!({"clients": []}));

    let r = patch(
        &app,
        &id,
        json!([{"client_id": "cccc", "status": true}, {"client_id": "aaaa", "status": true},
               {"client_id": "bbbb", "status": true}]),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app.get(&base).await;
    assert_eq!(client_ids(&r.body), ["aaaa", "bbbb", "cccc"]);
    assert!(r.body.get("next").is_none(), "no next page: {}", r.body);
    let conn = app.get(&format!("/api/v2/connections/{id}")).await.body;
    assert_eq!(conn["enabled_clients"], json!(["aaaa", "bbbb", "cccc"]));

    // Disabling one, enabling one already there, disabling one not there.
    let r = patch(
        &app,
        &id,
        json!([{"client_id": "bbbb", "status": false}, {"client_id": "aaaa", "status": true},
               {"client_id": "zzzz", "status": false}]),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(client_ids(&app.get(&base).await.body), ["aaaa", "cccc"]);

    // PATCH /connections/{id} with enabled_clients replaces the list the other view shows.
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v2/connections/{id}"),
            Some(&app.admin_token),
            Some(json!({"enabled_clients": ["dddd"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(client_ids(&app.get(&base).await.body), ["dddd"]);
}

#[tokio::test]
async fn checkpoint_pages() {
    let app = TestApp::new().await;
    let id = app.connection("users", "auth0").await;
    let changes: Vec<Value> = (0..5)
        .map(|i| json!({"client_id": format!("client{i}"), "status": true}))
        .collect();
    assert_eq!(
        patch(&app, &id, Value::Array(changes)).await.status,
        StatusCode::NO_CONTENT
    );
    let base = format!("/api/v2/connections/{id}/clients");
    let mut seen = Vec::new();
    let mut url = format!("{base}?take=2");
    for _ in 0..5 {
        let page = app.get(&url).await.body;
        seen.extend(client_ids(&page).iter().map(|s| s.to_string()));
        match page.get("next").and_then(Value::as_str) {
            Some(next) => url = format!("{base}?take=2&from={next}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["client0", "client1", "client2", "client3", "client4"]
    );
    for bad in ["take=0", "take=101", "from=%%%"] {
        let r = app.get(&format!("{base}?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
    }
}

#[tokio::test]
async fn refusals_change_nothing() {
    let app = TestApp::new().await;
    let id = app.connection("users", "auth0").await;
    let base = format!("/api/v2/connections/{id}/clients");
    assert_eq!(
        patch(&app, &id, json!([{"client_id": "keep", "status": true}]))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let too_many: Vec<Value> = (0..51)
        .map(|i| json!({"client_id": format!("c{i}"), "status": true}))
        .collect();
    for body in [
        json!({"client_id": "x", "status": true}),
        json!([{"client_id": "x"}]),
        json!([{"client_id": "x", "status": "on"}]),
        json!([{"client_id": "", "status": true}]),
        json!([{"client_id": "x", "status": true, "more": 1}]),
        Value::Array(too_many),
    ] {
        let r = patch(&app, &id, body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
    }
    assert_eq!(client_ids(&app.get(&base).await.body), ["keep"]);

    let missing = "con_0000000000000000";
    let r = patch(&app, missing, json!([{"client_id": "x", "status": true}])).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(
        app.get(&format!("/api/v2/connections/{missing}/clients"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Reading needs read:connections, changing needs update:connections.
    let reader = app.token(&["read:connections"]);
    let r = app
        .call(
            Method::PATCH,
            &base,
            Some(&reader),
            Some(json!([{"client_id": "x", "status": true}])),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let writer = app.token(&["update:connections"]);
    let r = app.call(Method::GET, &base, Some(&writer), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(client_ids(&app.get(&base).await.body), ["keep"]);
}
