//! The OpenAPI document (`crates/server/openapi.json`, served at `/api/v2/openapi.json`) kept in
//! step with the server: it is well formed and it lists exactly the operations the router serves.
//! (That each operation needs exactly its documented scopes, and each guarded field its own, is
//! the authorization table's job: `authorization.rs`.)
//!
//! The routes come from the router itself (axum's `Debug` lists every path it holds) and the
//! methods from asking it: a request without a token to a served operation is refused by the
//! handler (401), never answered with the router's 404 "Not Found" or a 405.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::app::{Response, TestApp};

const DOCUMENT_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

fn document() -> Value {
    let text = std::fs::read_to_string(DOCUMENT_FILE).expect("crates/server/openapi.json");
    serde_json::from_str(&text).expect("openapi.json is JSON")
}

/// `(METHOD, path template, operation)` for every operation in the document.
fn operations(doc: &Value) -> Vec<(Method, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (key, op) in item.as_object().expect("path item") {
            if let Ok(m) = key.to_ascii_uppercase().parse::<Method>() {
                if METHODS.contains(&m) {
                    out.push((m, path.clone(), op.clone()));
                }
            }
        }
    }
    out
}

/// `/a/{id}/b/{cid}` → `/a/{}/b/{}`: parameter names differ between the router and the
/// document (Auth0 calls it `connectionId` on one API, `connection_id` on the other).
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// A concrete path for a template, with values of the right form (`org_…`, `con_…`, …) so that
/// a handler that gets past its scope check meets a well-formed id that does not exist.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find('}').expect("closing brace") + i;
        let name = &rest[i + 1..j];
        let before = &rest[..i];
        let value = match name {
            "connectionId" | "connection_id" => "con_Probe0000000000",
            "id" if before.ends_with("/organizations/") => "org_Probe0000000000",
            "id" if before.ends_with("/connections/") => "con_Probe0000000000",
            "id" if before.ends_with("/client-grants/") => "cgr_Probe0000000000",
            "id" if before.ends_with("/clients/") => "ProbeClient00000000000000000000000",
            "name" => "probe-organization",
            _ => "probe0000000000",
        };
        out.push_str(value);
        rest = &rest[j + 1..];
    }
    out.push_str(rest);
    out
}

/// The router's own "no such route" (a 404 with exactly this body) or "no such method" (405).
fn is_unrouted(r: &Response) -> bool {
    r.status == StatusCode::METHOD_NOT_ALLOWED
        || (r.status == StatusCode::NOT_FOUND
            && r.body == json!({"statusCode": 404, "error": "Not Found", "message": "Not Found"}))
}

/// Every path the router holds, outside the dashboard (`/`, `/dashboard…`): read from the
/// routes `server::router` wraps in its middleware (the same `routes` it calls).
fn router_paths(app: &TestApp) -> BTreeSet<String> {
    let debug = format!("{:?}", orgwarden_server::server::routes(app.state.clone()));
    let paths: BTreeSet<String> = debug
        .split("RouteId(")
        .skip(1)
        .filter_map(|part| part.split_once("): \"").map(|(_, rest)| rest))
        .filter_map(|rest| rest.split('"').next())
        .filter(|p| p.starts_with('/') && !p.contains("__private__axum"))
        .filter(|p| *p != "/" && *p != "/dashboard" && !p.starts_with("/dashboard/"))
        .map(str::to_owned)
        .collect();
    assert!(
        paths.len() >= 20 && paths.contains("/api/v2/organizations"),
        "could not read the routes from the router's Debug output (did axum change it?): {paths:?}"
    );
    paths
}

/// `(METHOD, shape)` of every operation the router serves.
async fn served_operations(app: &TestApp) -> BTreeSet<(String, String)> {
    let mut served = BTreeSet::new();
    for path in router_paths(app) {
        let url = concrete(&path);
        for m in METHODS {
            let r = app.call(m.clone(), &url, None, None).await;
            if !is_unrouted(&r) {
                served.insert((m.to_string(), shape(&path)));
            }
        }
    }
    served
}

fn documented_scopes(op: &Value) -> Vec<String> {
    op["security"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("oAuth2ClientCredentials"))
        .flat_map(|s| s.as_array().cloned().unwrap_or_default())
        .map(|s| s.as_str().expect("scope").to_owned())
        .collect()
}

fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    doc.pointer(pointer)
}

fn walk_refs(doc: &Value, v: &Value, at: &str, broken: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref") {
                let r = r.as_str().unwrap_or_default();
                if resolve(doc, r).is_none() {
                    broken.push(format!("{at}: {r}"));
                }
            }
            for (k, child) in m {
                walk_refs(doc, child, &format!("{at}/{k}"), broken);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                walk_refs(doc, child, &format!("{at}/{i}"), broken);
            }
        }
        _ => {}
    }
}

/// A parameter or a `$ref` to one, resolved.
fn parameter<'a>(doc: &'a Value, p: &'a Value) -> &'a Value {
    match p["$ref"].as_str() {
        Some(r) => resolve(doc, r).expect("parameter $ref resolves"),
        None => p,
    }
}

#[tokio::test]
async fn the_document_is_served_as_checked_in_without_a_token() {
    let app = TestApp::new().await;
    let r = app
        .call(Method::GET, "/api/v2/openapi.json", None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers["content-type"], "application/json; charset=utf-8",
        "served as JSON"
    );
    assert_eq!(
        r.raw,
        std::fs::read(DOCUMENT_FILE).unwrap(),
        "served byte for byte as checked in"
    );
    // Only GET: the router refuses other methods on it.
    let r = app
        .call(Method::POST, "/api/v2/openapi.json", None, None)
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[test]
fn the_document_is_well_formed_openapi_3_1() {
    let doc = document();
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "openapi: {}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    assert!(doc["info"]["description"]
        .as_str()
        .unwrap()
        .contains("/dashboard"));

    let mut broken = Vec::new();
    walk_refs(&doc, &doc, "#", &mut broken);
    assert!(broken.is_empty(), "unresolved $ref: {broken:#?}");

    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .expect("securitySchemes");
    let known_scopes = doc["components"]["securitySchemes"]["oAuth2ClientCredentials"]["flows"]
        ["clientCredentials"]["scopes"]
        .as_object()
        .expect("the OAuth2 scheme lists its scopes");

    let mut ids = BTreeSet::new();
    let ops = operations(&doc);
    assert!(ops.len() >= 40, "only {} operations", ops.len());
    for (method, path, op) in &ops {
        let at = format!("{method} {path}");
        let id = op["operationId"].as_str().unwrap_or_default();
        assert!(!id.is_empty(), "{at}: no operationId");
        assert!(
            ids.insert(id.to_owned()),
            "{at}: operationId {id} is not unique"
        );

        let responses = op["responses"].as_object().expect("responses");
        assert!(!responses.is_empty(), "{at}: no responses");
        for code in responses.keys() {
            assert!(
                code == "default" || (code.len() == 3 && code.chars().all(|c| c.is_ascii_digit())),
                "{at}: response code {code}"
            );
        }

        // Path parameters: each `{name}` declared (on the path or the operation), and no other.
        let declared: BTreeSet<String> = doc["paths"][path]["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(op["parameters"].as_array().into_iter().flatten())
            .map(|p| parameter(&doc, p))
            .filter(|p| p["in"] == "path")
            .map(|p| {
                assert_eq!(p["required"], true, "{at}: path parameters are required");
                p["name"].as_str().unwrap().to_owned()
            })
            .collect();
        let in_template: BTreeSet<String> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .map(str::to_owned)
            .collect();
        assert_eq!(declared, in_template, "{at}: path parameters");

        // Security: stated on every operation, with known schemes and scopes.
        let security = op["security"]
            .as_array()
            .unwrap_or_else(|| panic!("{at}: no security (use [] for a public operation)"));
        for requirement in security {
            for (scheme, scopes) in requirement.as_object().unwrap() {
                assert!(schemes.contains_key(scheme), "{at}: scheme {scheme}");
                for s in scopes.as_array().unwrap() {
                    assert!(
                        known_scopes.contains_key(s.as_str().unwrap()),
                        "{at}: scope {s} is not in the OAuth2 scheme"
                    );
                }
            }
        }
        let scopes = documented_scopes(op);
        if !scopes.is_empty() {
            assert!(
                security.iter().any(|r| r == &json!({"bearerAuth": []})),
                "{at}: Auth0's form lists bearerAuth beside the scopes"
            );
        }

        // Links name an operation of this document and parameters it has.
        for (code, response) in responses {
            for (name, l) in response["links"].as_object().into_iter().flatten() {
                let target = l["operationId"].as_str().unwrap_or_default();
                let found = ops.iter().find(|(_, _, o)| o["operationId"] == target);
                let (_, target_path, target_op) =
                    found.unwrap_or_else(|| panic!("{at} {code}: link {name} to {target}"));
                let known: BTreeSet<String> = doc["paths"][target_path]["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .chain(target_op["parameters"].as_array().into_iter().flatten())
                    .map(|p| parameter(&doc, p)["name"].as_str().unwrap().to_owned())
                    .collect();
                for p in l["parameters"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|p| p.0)
                {
                    assert!(
                        known.contains(p),
                        "{at} {code}: link {name} sets {p}, which {target} does not have"
                    );
                }
            }
        }

        // Field scopes: on properties the request body has, with known scopes.
        if let Some(fields) = op.get("x-orgwarden-field-scopes") {
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            let schema = match schema["$ref"].as_str() {
                Some(r) => resolve(&doc, r).unwrap(),
                None => schema,
            };
            for (field, scopes) in fields.as_object().expect("an object") {
                assert!(
                    schema["properties"].get(field).is_some(),
                    "{at}: x-orgwarden-field-scopes names {field}, which the body does not have"
                );
                for s in scopes.as_array().expect("a list of scopes") {
                    assert!(
                        known_scopes.contains_key(s.as_str().unwrap()),
                        "{at}: field scope {s} is not in the OAuth2 scheme"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn the_document_lists_exactly_the_operations_the_router_serves() {
    let app = TestApp::builder().plan("off").build().await;
    let doc = document();
    let served = served_operations(&app).await;

    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(m, p, _)| (m.to_string(), shape(&p)))
        .collect();

    let undocumented: Vec<_> = served.difference(&documented).collect();
    let missing: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not in openapi.json: {undocumented:#?}"
    );
    assert!(
        missing.is_empty(),
        "in openapi.json but not served (the router answers 404/405): {missing:#?}"
    );
}

#[tokio::test]
async fn a_path_parameter_that_is_not_utf8_gets_auth0s_error_as_documented() {
    // schemathesis only sends valid UTF-8 in paths; `%FF` is what a broken client sends.
    let app = TestApp::builder().plan("off").build().await;
    let doc = document();
    let mut checked = 0;
    for (method, path, op) in operations(&doc) {
        if !path.contains('{') {
            continue;
        }
        let url = concrete(&path);
        // Every parameter in turn.
        for (i, _) in path.match_indices('{') {
            let name_end = path[i..].find('}').unwrap() + i;
            let bad = concrete(&format!("{}%FF{}", &path[..i], &path[name_end + 1..]));
            let r = app
                .call(method.clone(), &bad, Some(&app.admin_token), None)
                .await;
            let at = format!("{method} {bad} (from {url})");
            assert_eq!(
                r.status,
                StatusCode::BAD_REQUEST,
                "{at}: {}",
                String::from_utf8_lossy(&r.raw)
            );
            assert!(
                op["responses"].get("400").is_some(),
                "{at}: 400 is not documented"
            );
            assert_eq!(
                r.body["statusCode"],
                400,
                "{at}: {}",
                String::from_utf8_lossy(&r.raw)
            );
            assert_eq!(r.body["errorCode"], "invalid_uri", "{at}: {}", r.body);
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} parameters checked");
}
