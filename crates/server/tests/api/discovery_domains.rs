//! `/api/v2/organizations/{id}/discovery-domains`: Auth0's shapes (recorded), the status set
//! through the API, and the refusals that change nothing.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::app::TestApp;

#[tokio::test]
async fn register_read_verify_and_delete_as_auth0() {
    let app = TestApp::new().await;
    let org = app.organization("acme").await;
    let base = format!("/api/v2/organizations/{org}/discovery-domains");
    let r = app
        .post(&base, json!({"domain": "Test-Domain-794.com"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let d = r.body.clone();
    let keys: Vec<&String> = d.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "domain",
            "status",
            "verification_host",
            "verification_txt"
        ]
    );
    let id = d["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("ord_") && id.len() == 26, "{id}");
    assert_eq!(d["domain"], "test-domain-794.com");
    assert_eq!(d["status"], "pending");
    assert_eq!(
        d["verification_host"],
        json!(format!("_ss-verification.{org}.test-domain-794.com"))
    );
    assert_eq!(d["verification_txt"].as_str().unwrap().len(), 32);

    assert_eq!(app.get(&format!("{base}/{id}")).await.body, d);
    assert_eq!(
        app.get(&format!("{base}/name/test-domain-794.com"))
            .await
            .body,
        d
    );
    let r = app
        .patch(
            &format!("{base}/{id}"),
            json!({"status": "verified", "use_for_organization_discovery": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "verified");
    assert_eq!(r.body["use_for_organization_discovery"], true);

    // Checkpoint pages.
    for n in 0..3 {
        app.post(&base, json!({"domain": format!("more-{n}.example.com")}))
            .await;
    }
    let mut seen = Vec::new();
    let mut url = format!("{base}?take=2");
    for _ in 0..4 {
        let page = app.get(&url).await.body;
        seen.extend(
            page["domains"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["domain"].as_str().unwrap().to_owned()),
        );
        match page.get("next").and_then(Value::as_str) {
            Some(next) => url = format!("{base}?take=2&from={next}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 4);

    assert_eq!(
        app.delete(&format!("{base}/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    let r = app.get(&format!("{base}/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body,
        json!({"statusCode": 404, "error": "Not Found", "message": "No organization domain found by that id"})
    );
    assert_eq!(
        app.delete(&format!("{base}/{id}")).await.status,
        StatusCode::NO_CONTENT,
        "recorded: 204 again"
    );
}

#[tokio::test]
async fn refusals_change_nothing() {
    let app = TestApp::new().await;
    let org = app.organization("acme").await;
    let base = format!("/api/v2/organizations/{org}/discovery-domains");
    assert_eq!(
        app.post(&base, json!({"domain": "acme.com"})).await.status,
        StatusCode::CREATED
    );
    let r = app.post(&base, json!({"domain": "ACME.com"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(
        r.body["message"],
        "An organization discovery domain with this domain is already registered to this organization."
    );
    for body in [
        json!({}),
        json!({"domain": "-bad.com"}),
        json!({"domain": "a b.com"}),
        json!({"domain": "x.com", "status": "done"}),
        json!({"domain": "x.com", "more": 1}),
    ] {
        let r = app.post(&base, body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
    }
    assert_eq!(
        app.get(&base).await.body["domains"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let missing = "/api/v2/organizations/org_0000000000000000/discovery-domains";
    assert_eq!(app.get(missing).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.post(missing, json!({"domain": "x.com"})).await.status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .patch(&format!("{base}/ord_nope"), json!({"status": "verified"}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    let reader = app.token(&["read:organization_discovery_domains"]);
    let r = app
        .call(
            Method::POST,
            &base,
            Some(&reader),
            Some(json!({"domain": "y.com"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Deleting the organization deletes its domains.
    assert_eq!(
        app.delete(&format!("/api/v2/organizations/{org}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(&base).await.status, StatusCode::NOT_FOUND);
}
