//! `/api/v2/organizations/{id}/client-grants`: associating client grants with an organization,
//! Auth0's shapes (recorded) and refusals, and what deleting either side does.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::app::TestApp;

/// A machine client and a grant of it for a new API, with `extra` grant fields.
async fn grant(app: &TestApp, audience: &str, extra: Value) -> (String, String) {
    let client = app
        .post(
            "/api/v2/clients",
            json!({"name": format!("for {audience}"), "app_type": "non_interactive"}),
        )
        .await;
    let client_id = client.body["client_id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/api/v2/resource-servers",
            json!({"identifier": audience, "scopes": [{"value": "create:resource"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut body =
        json!({"client_id": client_id, "audience": audience, "scope": ["create:resource"]});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = app.post("/api/v2/client-grants", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (r.body["id"].as_str().unwrap().to_owned(), client_id)
}

fn allow() -> Value {
    json!({"organization_usage": "allow", "allow_any_organization": true})
}

#[tokio::test]
async fn associate_list_and_remove_as_auth0() {
    let app = TestApp::new().await;
    let org = app.organization("acme").await;
    let (gid, client_id) = grant(&app, "https://api.example.com/", allow()).await;
    let base = format!("/api/v2/organizations/{org}/client-grants");

    let r = app.post(&base, json!({"grant_id": gid})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Auth0's answer (recorded): the grant named by grant_id, without its other fields.
    assert_eq!(
        r.body,
        json!({"grant_id": gid, "client_id": client_id,
               "audience": "https://api.example.com/", "scope": ["create:resource"]})
    );
    let keys: Vec<&String> = r.body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["grant_id", "client_id", "audience", "scope"]);

    let r = app
        .get(&format!("{base}?include_totals=true&per_page=50"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body,
        json!({"client_grants": [{"id": gid, "client_id": client_id,
                 "audience": "https://api.example.com/", "scope": ["create:resource"],
                 "organization_usage": "allow", "allow_any_organization": true}],
               "start": 0, "limit": 50, "total": 1})
    );
    // A plain list is a bare array.
    assert_eq!(app.get(&base).await.body.as_array().unwrap().len(), 1);

    // Adding it twice is a conflict and changes nothing.
    let r = app.post(&base, json!({"grant_id": gid})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(
        r.body["message"],
        "The client grant has already been added to this organization."
    );

    let r = app.delete(&format!("{base}/{gid}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app.get(&format!("{base}?include_totals=true")).await;
    assert_eq!(r.body["client_grants"], json!([]));
    assert_eq!(r.body["total"], 0);
    // The grant itself is untouched.
    assert_eq!(
        app.get(&format!("/api/v2/client-grants/{gid}"))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn filters_and_pages() {
    let app = TestApp::new().await;
    let org = app.organization("acme").await;
    let base = format!("/api/v2/organizations/{org}/client-grants");
    let mut grants = Vec::new();
    for i in 0..3 {
        let (gid, client_id) = grant(&app, &format!("urn:api:{i}"), allow()).await;
        let r = app.post(&base, json!({"grant_id": gid})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        grants.push((gid, client_id));
    }
    // A grant of another organization is not listed here.
    let other = app.organization("globex").await;
    let (foreign, _) = grant(&app, "urn:api:other", allow()).await;
    let r = app
        .post(
            &format!("/api/v2/organizations/{other}/client-grants"),
            json!({"grant_id": foreign}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|g| g["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = app.get(&base).await.body;
    assert_eq!(ids(&all).len(), 3);
    assert!(!ids(&all).contains(&foreign));

    let r = app.get(&format!("{base}?audience=urn:api:1")).await;
    assert_eq!(ids(&r.body), [grants[1].0.clone()]);
    let r = app.get(&format!("{base}?client_id={}", grants[2].1)).await;
    assert_eq!(ids(&r.body), [grants[2].0.clone()]);
    let r = app
        .get(&format!(
            "{base}?grant_ids={}&grant_ids={}",
            grants[0].0, foreign
        ))
        .await;
    assert_eq!(ids(&r.body), [grants[0].0.clone()]);
    let r = app
        .get(&format!("{base}?grant_ids={},{}", grants[0].0, grants[2].0))
        .await;
    assert_eq!(ids(&r.body).len(), 2);

    let r = app
        .get(&format!("{base}?per_page=2&page=1&include_totals=true"))
        .await;
    assert_eq!(r.body["total"], 3);
    assert_eq!(r.body["client_grants"].as_array().unwrap().len(), 1);
    let r = app.get(&format!("{base}?per_page=101")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}

#[tokio::test]
async fn refusals_change_nothing() {
    let app = TestApp::new().await;
    let org = app.organization("acme").await;
    let base = format!("/api/v2/organizations/{org}/client-grants");
    let (gid, _) = grant(&app, "urn:allowed", allow()).await;
    let (denied, _) = grant(&app, "urn:denied", json!({"organization_usage": "deny"})).await;
    let (unset, _) = grant(&app, "urn:unset", json!({})).await;

    // Only a grant that allows organizations may be added.
    for g in [&denied, &unset] {
        let r = app.post(&base, json!({"grant_id": g})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body["message"]
            .as_str()
            .unwrap()
            .contains("organization_usage"));
    }
    // A grant or an organization that does not exist.
    let r = app
        .post(&base, json!({"grant_id": "cgr_0000000000000000"}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(r.body["message"], "The grant does not exist.");
    let r = app.post(&base, json!({"grant_id": "not a grant"})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let missing = "/api/v2/organizations/org_0000000000000000/client-grants";
    let r = app.post(missing, json!({"grant_id": gid})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(app.get(missing).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.delete(&format!("{missing}/{gid}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Bodies are checked as Auth0 checks them.
    for body in [
        json!({}),
        json!({"grant_id": gid, "scope": []}),
        json!({"grant_id": 7}),
    ] {
        let r = app.post(&base, body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
    }
    // The grant fields that say which organizations may use a grant are checked too.
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v2/client-grants/{gid}"),
            Some(&app.admin_token),
            Some(json!({"organization_usage": "sometimes"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(app.get(&base).await.body, json!([]));

    // Each route needs its own scope.
    let reader = app.token(&["read:organization_client_grants"]);
    let r = app
        .call(
            Method::POST,
            &base,
            Some(&reader),
            Some(json!({"grant_id": gid})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        r.body["message"],
        "Insufficient scope, expected any of: create:organization_client_grants"
    );
    let writer = app.token(&["create:organization_client_grants"]);
    let r = app.call(Method::GET, &base, Some(&writer), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app
        .call(
            Method::DELETE,
            &format!("{base}/{gid}"),
            Some(&writer),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(app.get(&base).await.body, json!([]));
}

#[tokio::test]
async fn deleting_the_grant_or_the_organization_ends_the_association() {
    let app = TestApp::new().await;
    let org = app.organization("acme").await;
    let base = format!("/api/v2/organizations/{org}/client-grants");
    let (first, _) = grant(&app, "urn:first", allow()).await;
    let (second, _) = grant(&app, "urn:second", allow()).await;
    for g in [&first, &second] {
        assert_eq!(
            app.post(&base, json!({"grant_id": g})).await.status,
            StatusCode::CREATED
        );
    }
    assert_eq!(
        app.delete(&format!("/api/v2/client-grants/{first}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let listed = app.get(&base).await.body;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], json!(second));

    // Removing an association that is not there is not an error.
    assert_eq!(
        app.delete(&format!("{base}/{first}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.delete(&format!("/api/v2/organizations/{org}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    // The grant outlives the organization, and can be added to a new one.
    let again = app.organization("acme-2").await;
    let r = app
        .post(
            &format!("/api/v2/organizations/{again}/client-grants"),
            json!({"grant_id": second}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}
