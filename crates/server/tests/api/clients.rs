use axum::http::StatusCode;
use serde_json::json;

use crate::app::TestApp;

#[tokio::test]
async fn clients_and_grants_lifecycle() {
    let app = TestApp::new().await;
    let r = app
        .post(
            "/api/v2/clients",
            json!({"name": "billing-worker", "app_type": "non_interactive"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["client_id"].as_str().unwrap().to_owned();
    let secret = r.body["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(r.body["grant_types"], json!(["client_credentials"]));

    // The secret is shown once.
    let r = app.get(&format!("/api/v2/clients/{id}")).await;
    assert!(r.body.get("client_secret").is_none());

    let aud = app.state.identity().audience.clone();
    let r = app
        .post(
            "/api/v2/client-grants",
            json!({"client_id": id, "audience": aud, "scope": ["read:organizations"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let grant = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/api/v2/client-grants",
            json!({"client_id": id, "audience": aud, "scope": []}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app
        .get(&format!(
            "/api/v2/client-grants?client_id={id}&include_totals=true"
        ))
        .await;
    assert_eq!(r.body["total"], 1);

    // The new client can get a token with its grant's scopes.
    let r = app.post("/oauth/token", json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret, "audience": aud})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["scope"], "read:organizations");

    // Rotation: the old secret stops working.
    let r = app
        .post(&format!("/api/v2/clients/{id}/rotate-secret"), json!({}))
        .await;
    let new_secret = r.body["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    let r = app.post("/oauth/token", json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret, "audience": aud})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let r = app
        .patch(
            &format!("/api/v2/client-grants/{grant}"),
            json!({"scope": ["read:organizations", "read:connections"]}),
        )
        .await;
    assert_eq!(
        r.body["scope"],
        json!(["read:organizations", "read:connections"])
    );
    let r = app.delete(&format!("/api/v2/clients/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app.get(&format!("/api/v2/client-grants/{grant}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["errorCode"], "inexistent_client_grant");
}
