//! The services a test run may use, for orgwarden's tests only. With the test suite's own
//! `ORGWARDEN_TEST_*` and `ORGWARDEN_REQUIRE_*` variables (read where they matter), these are
//! the only variables a test reads: the server's own, which a user exports to run orgwarden,
//! never reach a test.
//!
//! A test that needs a service it was not given says `SKIPPED` and passes, so that
//! `cargo test` works on a machine with neither; `ORGWARDEN_REQUIRE_SERVICES=1` (set by CI)
//! turns every such skip into a failure, so that a green CI run has tested everything.

/// The PostgreSQL server tests may create schemas in.
pub const POSTGRES_URL: &str = "ORGWARDEN_TEST_POSTGRES_URL";
/// The Redis tests may write keys to (each under a prefix of its own).
pub const REDIS_URL: &str = "ORGWARDEN_TEST_REDIS_URL";
/// `1`: a missing service fails the test that needs it instead of skipping it.
pub const REQUIRE_SERVICES: &str = "ORGWARDEN_REQUIRE_SERVICES";

/// The test PostgreSQL URL; without one, `None` after saying `SKIPPED: {what}`, or a panic when
/// services are required.
pub fn postgres_url(what: &str) -> Option<String> {
    service(
        POSTGRES_URL,
        "postgres://postgres@127.0.0.1:5432/test",
        what,
    )
}

/// The test Redis URL; without one, `None` after saying `SKIPPED: {what}`, or a panic when
/// services are required.
pub fn redis_url(what: &str) -> Option<String> {
    service(REDIS_URL, "redis://127.0.0.1:6379", what)
}

/// Whether `ORGWARDEN_REQUIRE_SERVICES=1`.
pub fn required() -> bool {
    std::env::var(REQUIRE_SERVICES).is_ok_and(|v| v.trim() == "1")
}

fn service(variable: &str, example: &str, what: &str) -> Option<String> {
    let url = std::env::var(variable)
        .ok()
        .filter(|u| !u.trim().is_empty());
    if url.is_some() {
        return url;
    }
    assert!(
        !required(),
        "{what} needs {variable} (e.g. {example}), and {REQUIRE_SERVICES}=1 says it must run"
    );
    // Straight to stderr, past the test harness' capture (which would hide it in a passing
    // test): a skip must be seen.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: {what}: {variable} is not set (e.g. {example})"
    );
    None
}
