//! Failed attempts are limited apart from anyone's quota (issue #9, findings 5 and 6): a guesser
//! at `/oauth/token` or at the dashboard's sign-in exhausts its own allowance, never the real
//! client's, and guessing in parallel from many addresses stays bounded.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use orgwarden_domain::clock::ManualClock;
use serde_json::json;

use crate::app::{Response, TestApp};
use crate::dashboard::{csrf_of, encode, get, set_cookie, text};

fn from(ip: &str) -> ConnectInfo<SocketAddr> {
    ConnectInfo(format!("{ip}:40000").parse().unwrap())
}

async fn token_from(app: &TestApp, ip: &str, client_id: &str, secret: &str) -> Response {
    let body = json!({"grant_type": "client_credentials", "client_id": client_id,
                      "client_secret": secret, "audience": app.state.identity().audience});
    let mut req = Request::builder()
        .method(Method::POST)
        .uri("/oauth/token")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    req.extensions_mut().insert(from(ip));
    app.send(req).await
}

async fn app_with_clock(plan: &str) -> (TestApp, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(time::OffsetDateTime::now_utc()));
    let app = TestApp::builder()
        .plan(plan)
        .clock(clock.clone())
        .build()
        .await;
    (app, clock)
}

fn too_many_attempts(r: &Response) {
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert_eq!(r.body["error"], "too_many_attempts", "{}", r.body);
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait >= 1, "{wait}");
}

#[tokio::test]
async fn a_guesser_cannot_lock_a_client_out_of_its_tokens() {
    let (app, clock) = app_with_clock("free").await;
    let id = app.admin.client_id.clone();
    let secret = app.admin.client_secret.clone();
    // 20 wrong secrets from one address: each a plain 401.
    for _ in 0..20 {
        let r = token_from(&app, "203.0.113.9", &id, "wrong").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    }
    // Then that address is refused for that client, unchecked, even with the right secret.
    too_many_attempts(&token_from(&app, "203.0.113.9", &id, "wrong").await);
    too_many_attempts(&token_from(&app, "203.0.113.9", &id, &secret).await);
    // The real client, elsewhere, gets its token, and its own quota (30 on the free plan) was
    // not spent by the guesses.
    let r = token_from(&app, "198.51.100.7", &id, &secret).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers["x-ratelimit-remaining"], "29");
    // The guesser's allowance comes back with time: one more try after 15 seconds.
    clock.advance(time::Duration::seconds(15));
    let r = token_from(&app, "203.0.113.9", &id, "wrong").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    too_many_attempts(&token_from(&app, "203.0.113.9", &id, "wrong").await);
}

#[tokio::test]
async fn one_address_guessing_many_clients_is_limited_too() {
    let (app, _clock) = app_with_clock("dev").await;
    for i in 0..100 {
        let r = token_from(&app, "203.0.113.10", &format!("client{i:027}"), "x").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{i}: {}", r.body);
    }
    too_many_attempts(
        &token_from(&app, "203.0.113.10", "anotherclient00000000000000000", "x").await,
    );
    // Ids that cannot be client ids leave no per-client state behind.
    let before = app.state.attempts().token_per_client.len();
    for i in 0..50 {
        let r = token_from(&app, &format!("192.0.2.{i}"), "not a client id!", "x").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.state.attempts().token_per_client.len(), before);
    // And the real client is untouched.
    let r = token_from(
        &app,
        "198.51.100.7",
        &app.admin.client_id,
        &app.admin.client_secret,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

const PASSWORD: &str = "correct horse battery";

async fn dashboard_app() -> (TestApp, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(time::OffsetDateTime::now_utc()));
    let app = TestApp::builder()
        .clock(clock.clone())
        .dashboard_password(PASSWORD)
        .build()
        .await;
    (app, clock)
}

async fn sign_in_from(app: &TestApp, ip: &str, password: &str) -> Response {
    let page = get(app, "/dashboard/sign-in", "").await;
    let token = csrf_of(&text(&page)).expect("sign-in token");
    let cookie = set_cookie(&page, "orgwarden_sign_in").expect("sign-in cookie");
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let mut req = Request::builder()
        .method(Method::POST)
        .uri("/dashboard/sign-in")
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(encode(&[
            ("csrf", &token),
            ("password", password),
        ])))
        .unwrap();
    req.extensions_mut().insert(from(ip));
    app.send(req).await
}

#[tokio::test]
async fn dashboard_guessing_locks_the_guesser_out_not_the_admin() {
    let (app, clock) = dashboard_app().await;
    for _ in 0..10 {
        let r = sign_in_from(&app, "203.0.113.20", "guess").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    for password in ["guess", PASSWORD] {
        let r = sign_in_from(&app, "203.0.113.20", password).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{password}");
        assert!(
            text(&r).contains("Too many failed sign-ins"),
            "{}",
            text(&r)
        );
        assert!(set_cookie(&r, "orgwarden_session").is_none());
    }
    // The admin, from another address, signs in.
    let r = sign_in_from(&app, "198.51.100.8", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(set_cookie(&r, "orgwarden_session").is_some());
    // The guesser gets one more try every 90 seconds.
    clock.advance(time::Duration::seconds(91));
    let r = sign_in_from(&app, "203.0.113.20", "guess").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = sign_in_from(&app, "203.0.113.20", "guess").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn guessing_from_many_addresses_is_capped_in_total() {
    let (app, clock) = dashboard_app().await;
    // 40 addresses each guess once (a clean address is always checked) ...
    for i in 0..40 {
        let r = sign_in_from(&app, &format!("10.1.0.{i}"), "guess").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // ... then keep guessing: only what the shared allowance has left is checked. It held 30
    // and the first round spent them all, so nothing more is checked this second.
    let mut checked = 0;
    for round in 0..3 {
        for i in 0..40 {
            let r = sign_in_from(&app, &format!("10.1.0.{i}"), "guess").await;
            match r.status {
                StatusCode::UNAUTHORIZED => checked += 1,
                StatusCode::TOO_MANY_REQUESTS => {}
                other => panic!("round {round}: {other}"),
            }
        }
    }
    assert_eq!(checked, 0);
    // Two checks per second come back in total, whatever the number of guessers.
    clock.advance(time::Duration::seconds(1));
    let mut checked = 0;
    for i in 0..40 {
        if sign_in_from(&app, &format!("10.1.0.{i}"), "guess")
            .await
            .status
            == StatusCode::UNAUTHORIZED
        {
            checked += 1;
        }
    }
    assert_eq!(checked, 2);
    // A clean address with the right password is never refused.
    let r = sign_in_from(&app, "198.51.100.9", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_short_dashboard_password_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = orgwarden_server::config::Settings::new(dir.path());
    settings.dashboard_password = Some("hunter2hunt".into());
    let e = match orgwarden_server::bootstrap::prepare(&settings, 8443).await {
        Ok(_) => panic!("an 11-character password was accepted"),
        Err(e) => format!("{e:#}"),
    };
    assert!(e.contains("at least 12"), "{e}");
    assert!(e.contains("ORGWARDEN_DASHBOARD_PASSWORD"), "{e}");
    assert!(
        !e.contains("hunter2hunt"),
        "the password is never echoed: {e}"
    );
}
