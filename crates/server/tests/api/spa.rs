//! What single-page applications need from the browser: CORS on the token, revocation and
//! user-info endpoints (answers readable only from origins the client allows), public discovery
//! and keys, `response_mode=web_message` for silent authentication in an iframe (posted only
//! to the client's web origins, framed only by them), and a session cookie an iframe gets.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

use crate::app::{Response, TestApp};
use crate::dashboard::text;
use crate::login::{attr, authorize, client, log_in, tenant, Person, CALLBACK, VERIFIER};

const SPA: &str = "https://spa.test";

async fn from_page(
    app: &TestApp,
    method: Method,
    path: &str,
    origin: &str,
    body: Option<Value>,
) -> Response {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::ORIGIN, origin);
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    let body = body
        .map(|b| Body::from(b.to_string()))
        .unwrap_or_else(Body::empty);
    app.send(req.body(body).unwrap()).await
}

fn allowed(r: &Response) -> Option<&str> {
    r.headers
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn browsers_read_token_answers_only_from_origins_the_client_allows() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let r = app
        .patch(
            &format!("/api/v2/clients/{}", t.client_id),
            json!({"web_origins": [SPA], "grant_types": ["authorization_code", "refresh_token"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Preflights are answered for any origin; the answer decides.
    for path in ["/oauth/token", "/oauth/revoke", "/userinfo"] {
        let r = from_page(&app, Method::OPTIONS, path, "https://evil.test", None).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{path}");
        assert_eq!(allowed(&r), Some("https://evil.test"));
        let methods = r.headers[header::ACCESS_CONTROL_ALLOW_METHODS]
            .to_str()
            .unwrap();
        assert!(methods.contains("POST"), "{methods}");
        assert!(
            r.headers
                .get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS)
                .is_none(),
            "never cookies"
        );
    }

    let mut p = Person::new(&app);
    let code = log_in(
        &mut p,
        &authorize(
            &t.client_id,
            &[("organization", "acme"), ("prompt", "login")],
        ),
        "ann@acme.test",
    )
    .await;
    let exchange = |code: String| {
        json!({"grant_type": "authorization_code", "client_id": t.client_id, "client_secret": t.client_secret,
            "code": code, "redirect_uri": CALLBACK, "code_verifier": VERIFIER})
    };
    let r = from_page(
        &app,
        Method::POST,
        "/oauth/token",
        SPA,
        Some(exchange(code)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(allowed(&r), Some(SPA), "a web origin of the client");
    assert!(r
        .headers
        .get_all(header::VARY)
        .iter()
        .any(|v| v == "Origin"));
    let access = r.body["access_token"].as_str().unwrap().to_owned();
    // The grant's error is readable too (the client authenticated): a used code.
    let code = log_in(
        &mut p,
        &authorize(
            &t.client_id,
            &[("organization", "acme"), ("prompt", "login")],
        ),
        "ann@acme.test",
    )
    .await;
    let r = from_page(
        &app,
        Method::POST,
        "/oauth/token",
        "https://app.test",
        Some(exchange(code.clone())),
    )
    .await;
    assert_eq!(
        allowed(&r),
        Some("https://app.test"),
        "a callback's origin (Auth0's default)"
    );
    let r = from_page(
        &app,
        Method::POST,
        "/oauth/token",
        SPA,
        Some(exchange(code)),
    )
    .await;
    assert_eq!((r.status, allowed(&r)), (StatusCode::FORBIDDEN, Some(SPA)));
    // Another site's page cannot read it; nor anyone's, when the client did not authenticate.
    let code = log_in(
        &mut p,
        &authorize(
            &t.client_id,
            &[("organization", "acme"), ("prompt", "login")],
        ),
        "ann@acme.test",
    )
    .await;
    let r = from_page(
        &app,
        Method::POST,
        "/oauth/token",
        "https://evil.test",
        Some(exchange(code)),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "the server answers; the browser hides it"
    );
    assert_eq!(allowed(&r), None);
    let mut wrong = exchange("x".into());
    wrong["client_secret"] = json!("not the secret");
    let r = from_page(&app, Method::POST, "/oauth/token", SPA, Some(wrong)).await;
    assert_eq!((r.status, allowed(&r)), (StatusCode::UNAUTHORIZED, None));

    // /userinfo reads a bearer token, never a cookie: any page may read it.
    let req = Request::get("/userinfo")
        .header(header::ORIGIN, "https://anyone.test")
        .header(header::AUTHORIZATION, format!("Bearer {access}"))
        .body(Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(
        (r.status, allowed(&r)),
        (StatusCode::OK, Some("https://anyone.test"))
    );
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/jwks.json",
    ] {
        let r = from_page(&app, Method::GET, path, "https://anyone.test", None).await;
        assert_eq!(allowed(&r), Some("*"), "{path}");
    }
}

#[tokio::test]
async fn web_message_posts_the_answer_to_a_web_origin_only() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let (spa, _) = client(
        &app,
        json!({"app_type": "spa", "token_endpoint_auth_method": "none",
        "callbacks": [format!("{SPA}/"), CALLBACK], "web_origins": [SPA]}),
    )
    .await;
    let r = app
        .patch(
            &format!("/api/v2/connections/{}", t.connection),
            json!({"enabled_clients": [t.client_id, spa]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let silent = |redirect: &str| {
        authorize(
            &spa,
            &[
                ("organization", "acme"),
                ("prompt", "none"),
                ("response_mode", "web_message"),
                ("redirect_uri", redirect),
            ],
        )
    };
    let mut p = Person::new(&app);

    // No session: login_required, posted to the page that framed it.
    let page = p.get(&silent(&format!("{SPA}/"))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", text(&page));
    let html = text(&page);
    assert_eq!(attr(&html, "data-origin=\"", "\"").as_deref(), Some(SPA));
    let response: Value =
        serde_json::from_str(&attr(&html, "data-response=\"", "\"").unwrap()).unwrap();
    assert_eq!(response["error"], "login_required");
    assert_eq!(response["state"], "st&te=1");
    assert!(html.contains("/web_message.js"), "{html}");
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains(&format!("frame-ancestors {SPA};")), "{csp}");
    assert!(
        page.headers.get(header::X_FRAME_OPTIONS).is_none(),
        "framed by the SPA"
    );

    // With a session: the code.
    log_in(
        &mut p,
        &authorize(&spa, &[("organization", "acme")]),
        "ann@acme.test",
    )
    .await;
    let page = p.get(&silent(&format!("{SPA}/"))).await;
    let response: Value =
        serde_json::from_str(&attr(&text(&page), "data-response=\"", "\"").unwrap()).unwrap();
    assert!(
        response["code"].as_str().is_some_and(|c| !c.is_empty()),
        "{response}"
    );

    // A callback whose origin is not a web origin gets a page, never a message.
    let r = p.get(&silent(CALLBACK)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(text(&r).contains("Allowed Web Origins"), "{}", text(&r));
    assert!(!text(&r).contains("data-response"));
    // Every other page still refuses to be framed.
    let r = p
        .get(&authorize(
            &spa,
            &[("organization", "acme"), ("prompt", "login")],
        ))
        .await;
    assert_eq!(r.headers[header::X_FRAME_OPTIONS], "DENY");
}

#[tokio::test]
async fn over_https_the_session_cookie_reaches_an_iframe() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let mut p = Person::new(&app);
    let page = p
        .get(&authorize(
            &t.client_id,
            &[("organization", "acme"), ("prompt", "login")],
        ))
        .await;
    let r = p
        .submit(
            &page,
            &[
                ("username", "ann@acme.test"),
                ("password", crate::login::PASSWORD),
            ],
        )
        .await;
    let cookies: Vec<&str> = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("orgwarden_login="))
        .expect("a session cookie");
    assert!(
        session.contains("SameSite=None")
            && session.contains("Secure")
            && session.contains("HttpOnly"),
        "{session}"
    );
    let csrf: Vec<_> = p_csrf(&page);
    assert!(csrf.iter().all(|c| c.contains("SameSite=Lax")), "{csrf:?}");
}

fn p_csrf(page: &Response) -> Vec<String> {
    page.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .filter(|c| c.starts_with("orgwarden_login_csrf="))
        .collect()
}
