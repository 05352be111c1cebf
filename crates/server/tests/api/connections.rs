use axum::http::StatusCode;
use serde_json::json;

use crate::app::TestApp;

#[tokio::test]
async fn create_read_update_delete() {
    let app = TestApp::new().await;
    let r = app
        .post(
            "/api/v2/connections",
            json!({"name": "Test-DB", "strategy": "auth0", "display_name": "Users"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("con_"));
    assert_eq!(r.body["realms"], json!(["Test-DB"]));
    assert_eq!(r.body["is_domain_connection"], false);
    assert_eq!(r.body["enabled_clients"], json!([]));
    assert_eq!(r.body["options"]["passwordPolicy"], "good");

    let r = app
        .post(
            "/api/v2/connections",
            json!({"name": "Test-DB", "strategy": "auth0"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.body["errorCode"], "connection_conflict");

    // options are replaced wholesale; name and strategy cannot change.
    let r = app
        .patch(
            &format!("/api/v2/connections/{id}"),
            json!({"options": {"strategy_version": 2}}),
        )
        .await;
    assert_eq!(r.body["options"], json!({"strategy_version": 2}));
    assert_eq!(r.body["display_name"], "Users");
    let r = app
        .patch(
            &format!("/api/v2/connections/{id}"),
            json!({"strategy": "ad"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let r = app.delete(&format!("/api/v2/connections/{id}")).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert!(r.body["deleted_at"].as_str().unwrap().ends_with('Z'));
    let r = app.get(&format!("/api/v2/connections/{id}")).await;
    assert_eq!(
        r.body,
        json!({"statusCode": 404, "error": "Not Found", "message": "The connection does not exist", "errorCode": "inexistent_connection"})
    );
    let r = app.delete(&format!("/api/v2/connections/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn list_filters_fields_and_pages() {
    let app = TestApp::new().await;
    for (name, strategy) in [
        ("a-db", "auth0"),
        ("b-ad", "ad"),
        ("c-gh", "github"),
        ("d-saml", "samlp"),
    ] {
        app.connection(name, strategy).await;
    }
    let r = app
        .get("/api/v2/connections?strategy=ad&strategy=auth0")
        .await;
    let mut names: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["a-db", "b-ad"]);
    let r = app
        .get("/api/v2/connections?name=c-gh&include_totals=true")
        .await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["limit"], 50);
    // fields=id keeps is_domain_connection, as Auth0 does.
    let r = app
        .get("/api/v2/connections?fields=id&include_fields=true&per_page=1")
        .await;
    let first = &r.body[0];
    assert_eq!(first.as_object().unwrap().len(), 2, "{first}");
    assert!(first.get("is_domain_connection").is_some());
    let r = app
        .get("/api/v2/connections?fields=options&include_fields=false")
        .await;
    assert!(r.body[0].get("options").is_none() && r.body[0].get("name").is_some());
    let r = app.get("/api/v2/connections?strategy=nope").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["errorCode"], "invalid_query_string");

    // Checkpoint paging through everything.
    let mut seen = 0;
    let mut url = "/api/v2/connections?take=3".to_owned();
    loop {
        let r = app.get(&url).await;
        seen += r.body["connections"].as_array().unwrap().len();
        match r.body.get("next") {
            Some(n) => url = format!("/api/v2/connections?take=3&from={}", n.as_str().unwrap()),
            None => break,
        }
    }
    assert_eq!(seen, 4);
}

#[tokio::test]
async fn bad_connection_bodies_get_auth0_messages() {
    let app = TestApp::new().await;
    let r = app.post("/api/v2/connections", json!({"name": "x"})).await;
    assert_eq!(
        r.body["message"],
        "Payload validation error: 'Missing required property: strategy'."
    );
    let r = app
        .post(
            "/api/v2/connections",
            json!({"name": "bad name", "strategy": "auth0"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("String does not match pattern"),
        "{}",
        r.body
    );
    let r = app.get("/api/v2/connections").await;
    assert_eq!(r.body, json!([]));
}
