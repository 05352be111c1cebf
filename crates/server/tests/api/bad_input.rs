//! Bad input gets Auth0's 400 bodies and changes nothing.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;

use crate::app::TestApp;

fn raw_post(app: &TestApp, path: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {}", app.admin_token))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn malformed_and_wrong_bodies() {
    let app = TestApp::new().await;
    let r = app
        .send(raw_post(
            &app,
            "/api/v2/organizations",
            b"{\"name\": ".to_vec(),
        ))
        .await;
    assert_eq!(
        r.body,
        json!({"statusCode": 400, "error": "Bad Request", "message": "Invalid request payload JSON format", "errorCode": "invalid_body"})
    );
    let cases = [
        (json!({"name": 5}), "Payload validation error: 'Expected type string but found type integer' on property name (The name of this organization.)."),
        (json!({"name": "ok", "owner": "me"}), "Payload validation error: 'Additional properties not allowed: owner'."),
        (json!({"name": "x".repeat(51)}), "Payload validation error: 'String is too long (51 chars), maximum 50' on property name (The name of this organization.)."),
        (json!(["name"]), "Payload validation error: 'Expected type object but found type array'."),
        (json!({"name": "ok", "display_name": ""}), "Payload validation error: 'String is too short (0 chars), minimum 1' on property display_name (Friendly name of this organization.)."),
        (json!({"name": "ok", "branding": {"colors": {"primary": "red", "page_background": "#fff"}}}), "Payload validation error: 'Object didn't pass validation for format html-color: red' on property branding.colors.primary (HEX Color for primary elements.)."),
        (json!({"name": "ok", "metadata": {"k": "v".repeat(256)}}), "Payload validation error: 'String is too long (256 chars), maximum 255' on property metadata.k (Metadata associated with the organization, in the form of an object with string values (max 255 chars). Maximum of 25 metadata properties allowed.)."),
    ];
    for (body, message) in cases {
        let r = app.post("/api/v2/organizations", body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.body["message"], message, "{body}");
        assert_eq!(r.body["errorCode"], "invalid_body");
    }
    let r = app.get("/api/v2/organizations").await;
    assert_eq!(r.body, json!([]), "nothing was created");
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let app = TestApp::new().await;
    let big = format!(
        "{{\"name\":\"ok\",\"metadata\":{{\"k\":\"{}\"}}}}",
        "v".repeat(1_100_000)
    );
    let r = app
        .send(raw_post(&app, "/api/v2/organizations", big.into_bytes()))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.body["statusCode"], 413);
}

#[tokio::test]
async fn bad_ids_and_queries() {
    let app = TestApp::new().await;
    let r = app.get("/api/v2/organizations/not-an-id").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["errorCode"], "invalid_uri");
    let long = format!("org_{}", "a".repeat(60));
    let r = app
        .get(&format!("/api/v2/organizations/{long}/enabled_connections"))
        .await;
    assert_eq!(r.body["message"], "Path validation error: 'String is too long (64 chars), maximum 50' on property id (ID of the organization.).");
    let r = app
        .get("/api/v2/organizations/org_0000000000000000/enabled_connections?per_page=500")
        .await;
    assert_eq!(
        r.body,
        json!({"statusCode": 400, "error": "Bad Request", "message": "Query validation error: 'Value 500 is greater than maximum 100' on property per_page (Number of results per page. Defaults to 50.).", "errorCode": "invalid_query_string"})
    );
    let r = app.get("/api/v2/organizations?include_totals=maybe").await;
    assert_eq!(r.body["errorCode"], "invalid_query_string");
    let r = app.get("/api/v2/organizations?page=-1").await;
    assert_eq!(r.body["message"], "Query validation error: 'Value -1 is less than minimum 0' on property page (Page index of the results to return. First page is 0.).");
    let r = app.get("/api/v2/organizations?from=!!!&take=5").await;
    assert_eq!(r.body["errorCode"], "invalid_query_string");
    let r = app.get("/api/v2/no-such-thing").await;
    assert_eq!(
        r.body,
        json!({"statusCode": 404, "error": "Not Found", "message": "Not Found"})
    );
    let r = app
        .call(
            Method::PUT,
            "/api/v2/organizations",
            Some(&app.admin_token.clone()),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.body["statusCode"], 405);
}
