use axum::http::StatusCode;
use futures_util::TryStreamExt;
use orgwarden_client::{Error, Method};
use serde_json::json;

use crate::app::TestApp;
use crate::served::Served;

/// `T` from JSON written as a test reads best.
fn body<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).expect("a valid request body")
}

#[tokio::test]
async fn create_get_update_delete_as_auth0() {
    let s = Served::new().await;
    let orgs = s.client.organizations();
    let r = s
        .client
        .send(
            Method::POST,
            "/api/v2/organizations",
            &[],
            Some(&json!({"name": "acme", "display_name": "Acme", "branding": {"logo_url": "https://acme.com/logo.svg"}, "metadata": {"a": "1", "b": "2"}})),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        r.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let created: serde_json::Value = r.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("org_") && id.len() == 20, "{id}");
    assert!(created.get("enabled_connections").is_none());

    let got = orgs.get(&id).await.unwrap();
    assert_eq!(
        serde_json::to_value(&got).unwrap(),
        json!({"id": id, "name": "acme", "display_name": "Acme", "branding": {"logo_url": "https://acme.com/logo.svg"}, "metadata": {"a": "1", "b": "2"}})
    );
    assert_eq!(orgs.get_by_name("acme").await.unwrap().id, id);

    // Fields left out are kept; metadata is replaced wholesale.
    let updated = orgs
        .update(
            &id,
            &body(json!({"name": "acme-2", "metadata": {"b": "3"}})),
        )
        .await
        .unwrap();
    let logo = updated
        .branding
        .as_ref()
        .and_then(|b| b.logo_url.as_deref());
    assert_eq!(logo, Some("https://acme.com/logo.svg"));
    assert_eq!(json!(updated.metadata), json!({"b": "3"}));
    // `metadata: {}` removes it: the key disappears.
    let updated = orgs
        .update(&id, &body(json!({"metadata": {}})))
        .await
        .unwrap();
    let v = serde_json::to_value(&updated).unwrap();
    assert!(v.get("metadata").is_none(), "{v}");

    let path = format!("/api/v2/organizations/{id}");
    let r = s
        .client
        .send(Method::DELETE, &path, &[], None)
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(r.bytes().await.unwrap().is_empty());
    match orgs.get(&id).await.unwrap_err() {
        Error::Api { status, body } => {
            assert_eq!(status, 404);
            assert_eq!(
                serde_json::to_value(&body).unwrap(),
                json!({"statusCode": 404, "error": "Not Found", "message": "No organization found by that id or name"})
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(orgs.delete(&id).await.unwrap_err().status(), Some(404));
}

#[tokio::test]
async fn duplicate_name_is_409_and_changes_nothing() {
    let s = Served::new().await;
    let orgs = s.client.organizations();
    orgs.create(&body(json!({"name": "dup"}))).await.unwrap();
    match orgs
        .create(&body(json!({"name": "dup"})))
        .await
        .unwrap_err()
    {
        Error::Api { status, body } => {
            assert_eq!(status, 409);
            assert_eq!(body.error_code.as_deref(), Some("organization_conflict"));
            assert_eq!(
                body.message,
                "An organization with the same name already exists."
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(orgs.list().await.unwrap().len(), 1);
}

#[tokio::test]
async fn create_with_enabled_connections_echoes_them_once() {
    let s = Served::new().await;
    let (c, orgs) = (&s.client, s.client.organizations());
    let ad = c
        .connections()
        .create(&body(json!({"name": "corp", "strategy": "ad"})))
        .await
        .unwrap()
        .id;
    let db = c
        .connections()
        .create(&body(json!({"name": "users", "strategy": "auth0"})))
        .await
        .unwrap()
        .id;
    let created = orgs
        .create(&body(json!({"name": "with-conns", "enabled_connections": [
            {"connection_id": ad, "assign_membership_on_login": true, "show_as_button": true},
            {"connection_id": db, "assign_membership_on_login": true, "is_signup_enabled": true}
        ]})))
        .await
        .unwrap();
    assert_eq!(
        json!(created.enabled_connections),
        json!([
            {"connection_id": ad, "assign_membership_on_login": true, "show_as_button": true, "connection": {"name": "corp", "strategy": "ad"}},
            {"connection_id": db, "assign_membership_on_login": true, "is_signup_enabled": true, "show_as_button": true, "connection": {"name": "users", "strategy": "auth0"}}
        ])
    );
    let got = serde_json::to_value(orgs.get(&created.id).await.unwrap()).unwrap();
    assert!(got.get("enabled_connections").is_none());

    // A missing connection fails the whole create.
    let e = orgs
        .create(&body(json!({"name": "atomic", "enabled_connections": [{"connection_id": ad}, {"connection_id": "con_doesnotexist00"}]})))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert_eq!(
        orgs.get_by_name("atomic").await.unwrap_err().status(),
        Some(404)
    );
}

#[tokio::test]
async fn list_has_three_shapes() {
    let s = Served::new().await;
    let orgs = s.client.organizations();
    for i in 0..5 {
        orgs.create(&body(json!({"name": format!("org-{i}")})))
            .await
            .unwrap();
    }
    // Bare array.
    assert_eq!(orgs.list().await.unwrap().len(), 5);
    // Offset envelope: limit is per_page here.
    let page = orgs.page(1, 2).await.unwrap();
    assert_eq!((page.start, page.limit, page.total), (2, 2, 5));
    assert_eq!(page.items[0].name, "org-2");
    // Checkpoints win over include_totals; `next` is omitted on the last page.
    let get = |query: &'static [(&'static str, &'static str)]| {
        let c = s.client.clone();
        async move {
            let r = c
                .send(Method::GET, "/api/v2/organizations", query, None)
                .await
                .unwrap();
            (r.status(), r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (status, first) = get(&[("include_totals", "true"), ("take", "2")]).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert!(
        first.get("total").is_none() && first.get("next").is_some(),
        "{first}"
    );
    let names: Vec<String> = orgs
        .checkpoints(2)
        .map_ok(|o| o.name)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names, ["org-0", "org-1", "org-2", "org-3", "org-4"]);
    // Sorting.
    let (_, sorted) = get(&[("sort", "name:-1")]).await;
    assert_eq!(sorted[0]["name"], "org-4");
    let (status, refused) = get(&[("sort", "size:1")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["errorCode"], "invalid_query_string");
    // A page past the end is an empty array; offset paging stops at 1000 records.
    let (_, past) = get(&[("page", "9"), ("per_page", "50")]).await;
    assert_eq!(past, json!([]));
    let e = orgs.page(20, 50).await.unwrap_err();
    assert_eq!(e.error_code(), Some("invalid_paging"));
}

#[tokio::test]
async fn scopes_are_checked_per_endpoint() {
    let s = Served::new().await;
    let narrow = s.client_with_token(&s.app.token(&["read:organizations"]));
    match narrow
        .organizations()
        .create(&body(json!({"name": "x"})))
        .await
        .unwrap_err()
    {
        Error::Api { status, body } => {
            assert_eq!(status, 403);
            assert_eq!(
                serde_json::to_value(&body).unwrap(),
                json!({"statusCode": 403, "error": "Forbidden", "message": "Insufficient scope, expected any of: create:organizations", "errorCode": "insufficient_scope"})
            );
        }
        other => panic!("{other:?}"),
    }
    let summary = s.client_with_token(&s.app.token(&["read:organizations_summary"]));
    summary.organizations().list().await.unwrap();
    let other = s.client_with_token(&s.app.token(&["read:connections"]));
    match other.organizations().list().await.unwrap_err() {
        Error::Api { body, .. } => assert_eq!(
            body.message,
            "Insufficient scope, expected any of: read:organizations, read:organizations_summary"
        ),
        e => panic!("{e:?}"),
    }
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
