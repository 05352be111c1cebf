//! `/api/v2/resource-servers`: the lifecycle, Auth0's refusals, the Management API as the
//! system resource server, and grants and tokens for an API of the tenant's.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::app::{claims_of, TestApp};

/// The path of a resource server named by its identifier (URL-encoded, as SDKs send it).
fn by_identifier(identifier: &str) -> String {
    let encoded: String = identifier
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("/api/v2/resource-servers/{encoded}")
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn create_read_list_update_delete() {
    let app = TestApp::new().await;
    let r = app
        .post(
            "/api/v2/resource-servers",
            json!({"name": "Billing", "identifier": "https://billing.example/",
                   "scopes": [{"value": "charge:cards", "description": "Charge cards"}],
                   "subject_type_authorization": {"user": {"policy": "allow_all"}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 24, "Auth0's ids are 24 hex digits");
    // Auth0's defaults and key order (recordings).
    let keys: Vec<&String> = r.body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "identifier",
            "scopes",
            "signing_alg",
            "allow_offline_access",
            "token_lifetime",
            "skip_consent_for_verifiable_first_party_clients",
            "subject_type_authorization"
        ]
    );
    assert_eq!(
        (&r.body["signing_alg"], &r.body["token_lifetime"]),
        (&json!("RS256"), &json!(86400))
    );
    let created = r.body.clone();

    // By id and by identifier.
    let r = app.get(&format!("/api/v2/resource-servers/{id}")).await;
    assert_eq!((r.status, &r.body), (StatusCode::OK, &created));
    let r = app.get(&by_identifier("https://billing.example/")).await;
    assert_eq!((r.status, &r.body), (StatusCode::OK, &created));

    // The identifier is unique.
    let r = app
        .post(
            "/api/v2/resource-servers",
            json!({"identifier": "https://billing.example/"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["errorCode"], "resource_server_conflict");

    // Listed after the Management API, with totals on request.
    let second = app
        .post(
            "/api/v2/resource-servers",
            json!({"identifier": "urn:ledger"}),
        )
        .await;
    assert_eq!(
        second.body["name"], "urn:ledger",
        "the name defaults to the identifier"
    );
    let second = second.body["id"].as_str().unwrap().to_owned();
    let r = app.get("/api/v2/resource-servers").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(ids(&r.body)[1..], [id.as_str(), second.as_str()]);
    assert_eq!(r.body[0]["is_system"], true);
    let r = app
        .get("/api/v2/resource-servers?per_page=2&page=1&include_totals=true")
        .await;
    assert_eq!(
        (&r.body["start"], &r.body["limit"], &r.body["total"]),
        (&json!(2), &json!(2), &json!(3))
    );
    assert_eq!(ids(&r.body["resource_servers"]), [second.as_str()]);
    let r = app.get("/api/v2/resource-servers?per_page=1").await;
    assert_eq!(r.body.as_array().unwrap().len(), 1, "{}", r.body);

    // An update changes what it names; the identifier cannot change.
    let r = app
        .patch(
            &format!("/api/v2/resource-servers/{id}"),
            json!({"name": "Payments", "token_lifetime": 600}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (
            &r.body["name"],
            &r.body["token_lifetime"],
            &r.body["scopes"]
        ),
        (&json!("Payments"), &json!(600), &created["scopes"])
    );
    let r = app
        .patch(
            &format!("/api/v2/resource-servers/{id}"),
            json!({"identifier": "https://other.example/"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body["message"],
        "Payload validation error: 'Additional properties not allowed: identifier'."
    );

    // Deleted: gone, and deleting again is still a 204.
    let r = app.delete(&format!("/api/v2/resource-servers/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app.get(&format!("/api/v2/resource-servers/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        (&r.body["message"], &r.body["errorCode"]),
        (
            &json!("The resource server does not exist"),
            &json!("inexistent_resource_server")
        )
    );
    let r = app.delete(&format!("/api/v2/resource-servers/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn bodies_are_refused_in_auth0s_words() {
    let app = TestApp::new().await;
    for (body, message) in [
        (
            json!({"name": "x"}),
            "Payload validation error: 'Missing required property: identifier'.",
        ),
        (
            json!({"identifier": "a", "signing_alg": "none"}),
            "Payload validation error: 'No enum match for: none' on property signing_alg (Algorithm used to sign JWTs. Can be `HS256` (default) or `RS256`. `PS256` available via addon.).",
        ),
        (
            json!({"identifier": "a", "token_lifetime": 2592001}),
            "Payload validation error: 'Value 2592001 is greater than maximum 2592000' on property token_lifetime (Expiration value (in seconds) for access tokens issued for this API from the token endpoint.).",
        ),
        (
            json!({"identifier": ""}),
            "Payload validation error: 'String is too short (0 chars), minimum 1' on property identifier (Unique identifier for the API used as the audience parameter on authorization calls. Can not be changed once set.).",
        ),
    ] {
        let r = app.post("/api/v2/resource-servers", body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        assert_eq!(r.body["message"], message, "{body}");
        assert_eq!(r.body["errorCode"], "invalid_body", "{body}");
    }
}

#[tokio::test]
async fn the_management_api_is_the_system_resource_server() {
    let app = TestApp::new().await;
    let aud = app.state.identity().audience.clone();
    let r = app.get("/api/v2/resource-servers").await;
    let system = r.body[0].clone();
    assert_eq!(
        (&system["name"], &system["identifier"], &system["is_system"]),
        (&json!("Auth0 Management API"), &json!(aud), &json!(true))
    );
    let scopes: Vec<&str> = system["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["value"].as_str().unwrap())
        .collect();
    assert!(scopes.contains(&"create:resource_servers"), "{scopes:?}");

    let by_id = format!(
        "/api/v2/resource-servers/{}",
        system["id"].as_str().unwrap()
    );
    for path in [by_id.clone(), by_identifier(&aud)] {
        let r = app.get(&path).await;
        assert_eq!((r.status, &r.body), (StatusCode::OK, &system), "{path}");
        let r = app.patch(&path, json!({"name": "Mine"})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
        assert_eq!(r.body["errorCode"], "operation_not_supported");
        let r = app.delete(&path).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
    }
    let r = app
        .post("/api/v2/resource-servers", json!({"identifier": aud}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(app.get(&by_id).await.body, system, "unchanged");
}

#[tokio::test]
async fn a_grant_on_an_api_gives_tokens_for_it_until_the_api_is_deleted() {
    let app = TestApp::new().await;
    let api = "https://billing.example/";
    let token = |id: &str, secret: &str, audience: &str| {
        json!({"grant_type": "client_credentials", "client_id": id,
               "client_secret": secret, "audience": audience})
    };
    let (id, secret) = app.machine_client("billing-worker").await;

    // No such API yet.
    let r = app
        .call(
            Method::POST,
            "/oauth/token",
            None,
            Some(token(&id, &secret, api)),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        r.body["error_description"],
        format!("Service not enabled within domain: {api}")
    );

    let r = app
        .post(
            "/api/v2/resource-servers",
            json!({"identifier": api, "token_lifetime": 300,
                   "scopes": [{"value": "charge:cards"}]}),
        )
        .await;
    let rs = r.body["id"].as_str().unwrap().to_owned();
    // The API exists, the client has no grant on it.
    let r = app
        .call(
            Method::POST,
            "/oauth/token",
            None,
            Some(token(&id, &secret, api)),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(
        r.body["error_description"]
            .as_str()
            .unwrap()
            .contains("is not authorized to access resource server"),
        "{}",
        r.body
    );

    let r = app
        .post(
            "/api/v2/client-grants",
            json!({"client_id": id, "audience": api, "scope": ["charge:cards"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let grant = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .call(
            Method::POST,
            "/oauth/token",
            None,
            Some(token(&id, &secret, api)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["expires_in"], 300, "the API's token lifetime");
    let claims = claims_of(r.body["access_token"].as_str().unwrap());
    assert_eq!(
        (&claims["aud"], &claims["scope"]),
        (&json!(api), &json!("charge:cards"))
    );
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        300
    );
    // A token for another API is no Management API token.
    let other_api_token = r.body["access_token"].as_str().unwrap().to_owned();
    let r = app
        .call(
            Method::GET,
            "/api/v2/resource-servers",
            Some(&other_api_token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);

    // Deleting the API deletes its grants.
    let r = app.delete(&format!("/api/v2/resource-servers/{rs}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app.get(&format!("/api/v2/client-grants/{grant}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = app
        .call(
            Method::POST,
            "/oauth/token",
            None,
            Some(token(&id, &secret, api)),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

/// The typed client's methods, over a served application.
#[tokio::test]
async fn the_client_manages_resource_servers_by_id_or_identifier() {
    let s = crate::served::Served::new().await;
    let apis = s.client.resource_servers();
    let identifier = "https://ledger.example/v1/";
    let created = apis
        .create(
            &serde_json::from_value(json!({"identifier": identifier, "name": "Ledger"})).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(apis.get(identifier).await.unwrap(), created);
    let updated = apis
        .update(
            identifier,
            &serde_json::from_value(json!({"token_lifetime": 120})).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(updated.token_lifetime, 120);
    let all: Vec<_> = futures_util::TryStreamExt::try_collect(apis.all(1))
        .await
        .unwrap();
    assert_eq!(all.len(), 2, "the Management API and this one");
    assert_eq!(all[0].is_system, Some(true));
    assert_eq!(all[1], updated);
    apis.delete(&created.id).await.unwrap();
    let gone = apis.get(&created.id).await.unwrap_err();
    assert_eq!(
        (gone.status(), gone.error_code()),
        (Some(404), Some("inexistent_resource_server"))
    );
}

/// The query's percent-encoding of one value (identifiers are URLs).
fn encoded(value: &str) -> String {
    by_identifier(value)
        .trim_start_matches("/api/v2/resource-servers/")
        .to_owned()
}

#[tokio::test]
async fn a_list_by_identifiers_and_fields_as_the_go_sdk_asks() {
    let app = TestApp::new().await;
    let aud = app.state.identity().audience.clone();
    for (name, identifier) in [("A", "https://a.example/"), ("B", "https://b.example/")] {
        let r = app
            .post(
                "/api/v2/resource-servers",
                json!({"name": name, "identifier": identifier}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    // The Go SDK's recorded call: one identifier, two fields, totals.
    let r = app
        .get(&format!(
            "/api/v2/resource-servers?fields=id%2Cidentifier&identifiers={}&include_fields=true&include_totals=true&per_page=50",
            encoded("https://b.example/")
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (
            r.body["total"].clone(),
            r.body["start"].clone(),
            r.body["limit"].clone()
        ),
        (json!(1), json!(0), json!(50))
    );
    let only = &r.body["resource_servers"][0];
    assert_eq!(only["identifier"], "https://b.example/");
    assert_eq!(
        only.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["id", "identifier"]
    );

    // Several, in the order asked, the system API among them; unknown ones are left out.
    let r = app
        .get(&format!(
            "/api/v2/resource-servers?identifiers={}&identifiers={}&identifiers={}&identifiers={}",
            encoded("https://a.example/"),
            encoded("https://nowhere.example/"),
            encoded(&aud),
            encoded("https://a.example/"),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let identifiers: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(identifiers, ["https://a.example/", aud.as_str()]);

    // An id is not an identifier.
    let id_of_a = app.get(&by_identifier("https://a.example/")).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .get(&format!("/api/v2/resource-servers?identifiers={id_of_a}"))
        .await;
    assert_eq!(r.body, json!([]));

    // Excluding fields on one read.
    let r = app
        .get(&format!(
            "{}?fields=scopes,signing_alg&include_fields=false",
            by_identifier("https://a.example/")
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.get("signing_alg").is_none() && r.body.get("scopes").is_none(),
        "{}",
        r.body
    );
    assert_eq!(r.body["name"], "A");

    // Refusals, in Auth0's shape.
    let eleven: String = (0..11)
        .map(|i| format!("identifiers=https%3A%2F%2F{i}.example%2F"))
        .collect::<Vec<_>>()
        .join("&");
    for (query, message) in [
        (eleven.as_str(), "Array is too long (11), maximum 10"),
        ("identifiers=", "String is too short (0 chars), minimum 1"),
        (
            "include_fields=maybe",
            "Expected type boolean but found type string",
        ),
    ] {
        let r = app.get(&format!("/api/v2/resource-servers?{query}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.body);
        assert_eq!(r.body["errorCode"], "invalid_query_string", "{query}");
        assert!(
            r.body["message"].as_str().unwrap().contains(message),
            "{query}: {}",
            r.body
        );
    }
}
