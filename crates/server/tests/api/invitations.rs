//! `/api/v2/organizations/{id}/invitations`: Auth0's shapes (recorded), the link built from the
//! client's `initiate_login_uri`, expiry, and the refusals that change nothing.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use orgwarden_domain::clock::ManualClock;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::app::TestApp;

async fn web_client(app: &TestApp, login: Option<&str>) -> String {
    let mut body =
        json!({"name": "Acme Web", "app_type": "regular_web", "organization_usage": "allow"});
    if let Some(uri) = login {
        body["initiate_login_uri"] = json!(uri);
    }
    let r = app.post("/api/v2/clients", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["client_id"].as_str().unwrap().to_owned()
}

/// `expires_at - created_at` of an invitation as shown.
fn lifetime(inv: &Value) -> time::Duration {
    let at = |k: &str| {
        OffsetDateTime::parse(
            inv[k].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    at("expires_at") - at("created_at")
}

fn invite(client: &str) -> Value {
    json!({"inviter": {"name": "Test Inviter"}, "invitee": {"email": "test@example.com"}, "client_id": client})
}

#[tokio::test]
async fn create_read_list_and_revoke_as_auth0() {
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let app = TestApp::builder().clock(clock.clone()).build().await;
    let org = app.organization("acme").await;
    let client = web_client(&app, Some("https://app.acme.test/login")).await;
    let base = format!("/api/v2/organizations/{org}/invitations");

    let r = app.post(&base, invite(&client)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let inv = r.body.clone();
    // Auth0's keys and order (recorded).
    let keys: Vec<&String> = inv.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "client_id",
            "inviter",
            "invitee",
            "invitation_url",
            "ticket_id",
            "created_at",
            "expires_at",
            "organization_id"
        ]
    );
    let id = inv["id"].as_str().unwrap();
    assert!(id.starts_with("uinv_"), "{id}");
    let ticket = inv["ticket_id"].as_str().unwrap();
    assert_eq!(ticket.len(), 32);
    assert_eq!(
        inv["invitation_url"],
        json!(format!("https://app.acme.test/login?invitation={ticket}&organization={org}&organization_name=acme"))
    );
    assert_eq!(lifetime(&inv), time::Duration::days(7), "7 days by default");

    let r = app.get(&format!("{base}/{id}")).await;
    assert_eq!((r.status, r.body.clone()), (StatusCode::OK, inv.clone()));
    let r = app
        .get(&format!("{base}?include_totals=true&per_page=10"))
        .await;
    assert_eq!(
        r.body,
        json!({"start": 0, "limit": 10, "invitations": [inv.clone()]})
    );

    // With everything Auth0 takes.
    let conn = app.connection("acme-sso", "samlp").await;
    let r = app
        .post(
            &format!("/api/v2/organizations/{org}/enabled_connections"),
            json!({"connection_id": conn}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let role = app
        .post("/api/v2/roles", json!({"name": "viewer"}))
        .await
        .body["id"]
        .clone();
    let mut full = invite(&client);
    full["connection_id"] = json!(conn);
    full["roles"] = json!([role]);
    full["ttl_sec"] = json!(60);
    full["app_metadata"] = json!({"plan": "gold"});
    full["send_invitation_email"] = json!(true);
    let r = app.post(&base, full).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["roles"], json!([role]));
    assert_eq!(r.body["connection_id"], json!(conn));
    assert_eq!(lifetime(&r.body), time::Duration::seconds(60));
    let short = r.body["id"].as_str().unwrap().to_owned();
    let r = app.get(&format!("{base}?sort=created_at:-1")).await;
    let ids: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [short.as_str(), id]);

    // Expired invitations stop working: not listed, not found.
    clock.advance(time::Duration::seconds(61));
    assert_eq!(
        app.get(&format!("{base}/{short}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&base).await.body.as_array().unwrap().len(), 1);

    assert_eq!(
        app.delete(&format!("{base}/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    let r = app.get(&format!("{base}/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body,
        json!({"statusCode": 404, "error": "Not Found", "message": "The invitation does not exist.", "errorCode": "inexistent_invitation"})
    );
    assert_eq!(
        app.delete(&format!("{base}/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn refusals_change_nothing() {
    let app = TestApp::new().await;
    let org = app.organization("acme").await;
    let client = web_client(&app, Some("https://app.acme.test/login")).await;
    let no_login = web_client(&app, None).await;
    let disabled = app.connection("other-sso", "samlp").await;
    let base = format!("/api/v2/organizations/{org}/invitations");

    let r = app.post(&base, invite(&no_login)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .starts_with("A default login route is required"));

    let cases = [
        (json!({"connection_id": disabled}), StatusCode::BAD_REQUEST),
        (
            json!({"roles": ["rol_0000000000000000"]}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"ttl_sec": 2_592_001}), StatusCode::BAD_REQUEST),
        (json!({"ttl_sec": -1}), StatusCode::BAD_REQUEST),
        (
            json!({"invitee": {"email": "not-an-email"}}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"inviter": {}}), StatusCode::BAD_REQUEST),
        (json!({"extra": true}), StatusCode::BAD_REQUEST),
        (
            json!({"client_id": "00000000000000000000000000000000"}),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (change, status) in cases {
        let mut body = invite(&client);
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = app.post(&base, body.clone()).await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
    }
    let missing = "/api/v2/organizations/org_0000000000000000/invitations";
    assert_eq!(
        app.post(missing, invite(&client)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(missing).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&base).await.body, json!([]), "nothing was created");

    let reader = app.token(&["read:organization_invitations"]);
    let r = app
        .call(Method::POST, &base, Some(&reader), Some(invite(&client)))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let creator = app.token(&["create:organization_invitations"]);
    let r = app.call(Method::GET, &base, Some(&creator), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // Deleting the client deletes its invitations.
    let r = app.post(&base, invite(&client)).await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.delete(&format!("/api/v2/clients/{client}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("{base}/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}
