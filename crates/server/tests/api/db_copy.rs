//! `db-copy`: everything written through the API arrives, ids and order kept, and the copy
//! serves the same answers.

use orgwarden_domain::organization::Sort;
use orgwarden_domain::paging::PageRequest;
use orgwarden_server::{bootstrap, dbcopy, server};
use serde_json::{json, Value};

use crate::app::{Backend, TestApp};
use crate::schema::Schema;

#[tokio::test]
async fn copies_sqlite_into_an_empty_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    copy_and_compare(&format!(
        "sqlite://{}",
        dir.path().join("copy.db").display()
    ))
    .await;
}

/// The round trip the scale-out story needs: written through the API on SQLite, copied, read
/// identically through the API on PostgreSQL (a fresh schema).
#[tokio::test]
async fn copies_sqlite_into_postgres() {
    let Some(pg) = orgwarden_test_services::postgres_url("db-copy to PostgreSQL") else {
        return;
    };
    let schema = Schema::create(&pg, "dbcopy");
    copy_and_compare(&schema.url()).await;
}

async fn copy_and_compare(target_url: &str) {
    // From SQLite, whatever backend the rest of the suite runs on.
    let mut app = TestApp::builder().backend(Backend::Sqlite).build().await;
    let ad = app.connection("corp", "ad").await;
    let db = app.connection("users", "auth0").await;
    for email in ["ann@acme.test", "bob@acme.test"] {
        let r = app
            .post(
                "/api/v2/users",
                json!({"connection": "users", "email": email, "password": "Copied, with its hash 1",
                       "app_metadata": {"plan": "gold"}}),
            )
            .await;
        assert_eq!(r.status, axum::http::StatusCode::CREATED, "{}", r.body);
    }
    for name in ["acme", "globex"] {
        let org = app.organization(name).await;
        let base = format!("/api/v2/organizations/{org}/enabled_connections");
        app.post(&base, json!({"connection_id": ad, "show_as_button": false}))
            .await;
        app.post(&base, json!({"connection_id": db, "assign_membership_on_login": true, "is_signup_enabled": true})).await;
    }
    let worker = app
        .post(
            "/api/v2/clients",
            json!({"name": "worker", "app_type": "non_interactive"}),
        )
        .await;
    for identifier in ["https://billing.example/", "urn:ledger"] {
        let r = app
            .post(
                "/api/v2/resource-servers",
                json!({"identifier": identifier, "scopes": [{"value": "read:x"}]}),
            )
            .await;
        assert_eq!(r.status, axum::http::StatusCode::CREATED, "{}", r.body);
    }
    // A grant for organizations, associated with the first organization.
    let grant = app
        .post(
            "/api/v2/client-grants",
            json!({"client_id": worker.body["client_id"], "audience": "urn:ledger",
                   "scope": ["read:x"], "organization_usage": "allow"}),
        )
        .await;
    assert_eq!(
        grant.status,
        axum::http::StatusCode::CREATED,
        "{}",
        grant.body
    );
    let acme = app.get("/api/v2/organizations/name/acme").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            &format!("/api/v2/organizations/{acme}/client-grants"),
            json!({"grant_id": grant.body["id"]}),
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::CREATED, "{}", r.body);

    let everyone: Vec<Value> = app
        .get("/api/v2/users")
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user_id"].clone())
        .collect();
    let r = app
        .post(
            &format!("/api/v2/organizations/{acme}/members"),
            json!({"members": everyone}),
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::NO_CONTENT, "{}", r.body);

    let r = app
        .post("/api/v2/roles", json!({"name": "ledger-reader"}))
        .await;
    let role = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v2/roles/{role}/permissions"),
            json!({"permissions": [{"resource_server_identifier": "urn:ledger", "permission_name": "read:x"}]}),
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::CREATED, "{}", r.body);
    let first = everyone[0].as_str().unwrap().replace('|', "%7C");
    for path in [
        format!("/api/v2/users/{first}/roles"),
        format!("/api/v2/organizations/{acme}/members/{first}/roles"),
    ] {
        let r = app.post(&path, json!({"roles": [role]})).await;
        assert_eq!(
            r.status,
            axum::http::StatusCode::NO_CONTENT,
            "{path}: {}",
            r.body
        );
    }
    // A permission of its own, from the other API.
    let r = app
        .post(
            &format!("/api/v2/users/{first}/permissions"),
            json!({"permissions": [{"resource_server_identifier": "https://billing.example/", "permission_name": "read:x"}]}),
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::CREATED, "{}", r.body);

    let web = app
        .post(
            "/api/v2/clients",
            json!({"name": "web", "app_type": "regular_web", "initiate_login_uri": "https://app.acme.test/login"}),
        )
        .await;
    let r = app
        .post(
            &format!("/api/v2/organizations/{acme}/invitations"),
            json!({"inviter": {"name": "Ann"}, "invitee": {"email": "new@acme.test"},
                   "client_id": web.body["client_id"], "roles": [role]}),
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::CREATED, "{}", r.body);

    let r = app
        .post(
            &format!("/api/v2/organizations/{acme}/discovery-domains"),
            json!({"domain": "acme.example"}),
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::CREATED, "{}", r.body);

    // Two keys more: one rotated out and revoked, one rotated out only; db-copy checks that
    // each arrives byte for byte, in the same state.
    let first_kid = app.get("/api/v2/keys/signing").await.body[0]["kid"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..2 {
        let r = app.post("/api/v2/keys/signing/rotate", json!({})).await;
        assert_eq!(r.status, axum::http::StatusCode::CREATED);
    }
    let token = app.token(&["update:signing_keys"]);
    let r = app
        .call(
            axum::http::Method::PUT,
            &format!("/api/v2/keys/signing/{first_kid}/revoke"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::OK, "{}", r.body);
    // The admin token was signed by the key just revoked.
    let scopes = bootstrap::admin_scopes();
    app.admin_token = app.token(&scopes.iter().map(String::as_str).collect::<Vec<_>>());

    // A password-change link sent before the move keeps working after it (login artifacts are
    // copied); its path, for the copy.
    let r = app
        .post(
            "/api/v2/tickets/password-change",
            json!({"user_id": first.replace("%7C", "|")}),
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::CREATED, "{}", r.body);
    let ticket = r.body["ticket"].as_str().unwrap();
    let reset_path = ticket[ticket.find("/lo/reset").unwrap()..]
        .trim_end_matches('#')
        .to_owned();

    let target = bootstrap::open_store(target_url).await.unwrap();
    let counts = dbcopy::copy(app.state.store().as_ref(), target.as_ref())
        .await
        .unwrap();
    assert_eq!(
        (
            counts.organizations,
            counts.connections,
            counts.enabled_connections,
            counts.clients,
            counts.keys
        ),
        (2, 2, 4, 3, 3)
    );
    assert_eq!(counts.grants, 2);
    assert_eq!(counts.organization_grants, 1);
    assert_eq!(counts.users, 2);
    assert_eq!(counts.members, 2);
    assert_eq!((counts.roles, counts.role_holdings), (1, 3));
    assert_eq!(counts.invitations, 1);
    assert_eq!(counts.discovery_domains, 1);
    // Each user arrives with the hash that checks its password.
    for u in app.get("/api/v2/users").await.body.as_array().unwrap() {
        let id = orgwarden_domain::user::UserId::parse(u["user_id"].as_str().unwrap()).unwrap();
        let hash = target
            .password_hash(&id)
            .await
            .unwrap()
            .expect("copied hash");
        assert!(orgwarden_domain::password::verify(
            &hash,
            "Copied, with its hash 1"
        ));
    }
    assert_eq!(counts.resource_servers, 2);

    // A second copy into the same (now full) database is refused.
    assert!(dbcopy::copy(app.state.store().as_ref(), target.as_ref())
        .await
        .is_err());

    // The copy answers the API exactly as the original, to the same (old) token.
    let copied = server::router(app.state.over_store(target.clone()));
    let req = axum::http::Request::get(&reset_path)
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = tower::ServiceExt::oneshot(copied.clone(), req)
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        axum::http::StatusCode::OK,
        "the password link still works on the copy"
    );
    let orgs = target
        .list_organizations(Sort::default(), PageRequest::first(50))
        .await
        .unwrap();
    for path in std::iter::once("/api/v2/organizations".to_owned())
        .chain(orgs.items.iter().flat_map(|o| {
            [
                format!("/api/v2/organizations/{}/enabled_connections", o.id),
                format!("/api/v2/organizations/{}/client-grants", o.id),
            ]
        }))
        .chain([
            "/api/v2/connections".to_owned(),
            "/api/v2/clients".to_owned(),
            "/api/v2/resource-servers".to_owned(),
            "/api/v2/users".to_owned(),
            "/api/v2/roles".to_owned(),
            format!("/api/v2/roles/{role}/permissions"),
            format!("/api/v2/users/{first}/roles"),
            format!("/api/v2/users/{first}/permissions"),
            format!("/api/v2/roles/{role}/users"),
            format!("/api/v2/organizations/{acme}/members/{first}/roles"),
            format!("/api/v2/organizations/{acme}/invitations"),
            format!("/api/v2/organizations/{acme}/discovery-domains"),
        ])
    {
        let original = app.get(&path).await;
        let req = axum::http::Request::get(&path)
            .header("authorization", format!("Bearer {}", app.admin_token))
            .body(axum::body::Body::empty())
            .unwrap();
        let resp = tower::ServiceExt::oneshot(copied.clone(), req)
            .await
            .unwrap();
        let bytes = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .unwrap()
            .to_bytes();
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap(),
            original.body,
            "{path}"
        );
    }
}
