//! A PostgreSQL whose every pooled connection stays busy: the API answers 503 with Auth0's
//! body and `Retry-After` (a passing overload), not 500. Needs ORGWARDEN_TEST_POSTGRES_URL.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use orgwarden_store_postgres::PostgresStore;
use serde_json::json;

use crate::app::TestApp;
use crate::schema::Schema;

#[tokio::test]
async fn a_pool_that_stays_busy_answers_503() {
    let Some(pg) = orgwarden_test_services::postgres_url("busy PostgreSQL pool") else {
        return;
    };
    let schema = Schema::create(&pg, "busy");
    let url = schema.url();
    // One connection; a second caller waits 200 ms for it at most.
    let store = PostgresStore::connect_with_pool(&url, 1, Duration::from_millis(200))
        .await
        .expect("PostgreSQL");
    let app = Arc::new(TestApp::new().await.over_store(Arc::new(store)));

    // Another session locks the table for a while: the first request holds the pool's only
    // connection, waiting on the lock.
    let locker = std::process::Command::new("psql")
        .env("PGOPTIONS", "--client-min-messages=warning")
        .args([
            url.as_str(),
            "-q",
            "-c",
            "BEGIN; LOCK TABLE organizations IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT;",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("psql");
    let locked = format!(
        "SELECT count(*) FROM pg_locks WHERE granted AND relation = '{}.organizations'::regclass",
        schema.name
    );
    for _ in 0..100 {
        let out = std::process::Command::new("psql")
            .args([pg.as_str(), "-tAc", &locked])
            .output()
            .expect("psql");
        let held: u32 = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or(0);
        if held > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let first = tokio::spawn({
        let app = app.clone();
        async move { app.get("/api/v2/organizations").await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;

    let busy = app.get("/api/v2/organizations").await;
    assert_eq!(
        busy.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        busy.body
    );
    assert_eq!(busy.headers["retry-after"], "1");
    assert_eq!(
        busy.body,
        json!({
            "statusCode": 503,
            "error": "Service Unavailable",
            "message": "The server is handling too many requests at once; retry shortly.",
            "errorCode": "server_busy"
        })
    );
    // Once the lock is gone, the waiting request completes.
    let first = first.await.unwrap();
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    let _ = locker.wait_with_output();
}
