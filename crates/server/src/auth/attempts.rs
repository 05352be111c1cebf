//! Failed attempts, counted apart from anyone's quota: wrong client secrets at `/oauth/token`
//! and wrong dashboard credentials. Each key (a source address, or a client at a source) has a
//! bucket that only failures drain; once it is empty, that key's attempts are refused unchecked
//! until it refills. A client's own requests never spend these buckets, so an attacker who
//! knows a `client_id` exhausts its own allowance, not the client's.
//!
//! Kept in this process: each instance counts its own failures (several instances multiply the
//! allowance by their number; still a hard bound). The map is bounded: buckets that refilled
//! are dropped first, then the stalest.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use axum::extract::ConnectInfo;
use axum::http::Extensions;

use crate::ratelimit::{BucketState, Limit};

/// How many keys are remembered at most.
const MAX_KEYS: usize = 50_000;

/// Where a request came from: its peer's IP address ("unknown" when the transport has none, as
/// for in-process requests). Proxy headers are not trusted.
pub fn source(extensions: &Extensions) -> String {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| match c.0.ip() {
            IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .map_or_else(|| v6.to_string(), |v4| v4.to_string()),
            ip => ip.to_string(),
        })
        .unwrap_or_else(|| "unknown".into())
}

pub struct FailedAttempts {
    limit: Limit,
    buckets: Mutex<HashMap<String, BucketState>>,
}

impl FailedAttempts {
    /// `burst` failures at once, then `per_minute` more each minute.
    pub fn new(burst: u32, per_minute: f64) -> Self {
        FailedAttempts {
            limit: Limit {
                burst,
                per_second: per_minute / 60.0,
            },
            buckets: Mutex::default(),
        }
    }

    fn buckets(&self) -> std::sync::MutexGuard<'_, HashMap<String, BucketState>> {
        self.buckets.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Some(seconds to wait)` if `key` has no failures left, else `None`.
    pub fn blocked(&self, key: &str, now_ms: i64) -> Option<u64> {
        let state = self.buckets().get(key)?.refilled(&self.limit, now_ms);
        (!state.has_token()).then(|| state.retry_after(&self.limit))
    }

    /// Whether `key` has failed recently (its bucket is not full again).
    pub fn has_failed(&self, key: &str, now_ms: i64) -> bool {
        self.buckets()
            .get(key)
            .is_some_and(|s| s.refilled(&self.limit, now_ms).tokens < f64::from(self.limit.burst))
    }

    /// Counts a failure against `key`.
    pub fn record(&self, key: &str, now_ms: i64) {
        let mut buckets = self.buckets();
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            // Make room for a tenth at once, so the cost is paid once per many insertions:
            // refilled buckets first (they hold nothing), then the stalest.
            let limit = &self.limit;
            buckets.retain(|_, s| s.refilled(limit, now_ms).tokens < f64::from(limit.burst));
            if buckets.len() >= MAX_KEYS {
                let mut ages: Vec<i64> = buckets.values().map(|s| s.updated_ms).collect();
                let (_, cutoff, _) = ages.select_nth_unstable(MAX_KEYS / 10);
                let cutoff = *cutoff;
                buckets.retain(|_, s| s.updated_ms > cutoff);
            }
        }
        let state = buckets
            .get(key)
            .map(|s| s.refilled(&self.limit, now_ms))
            .unwrap_or_else(|| BucketState::full(&self.limit, now_ms));
        buckets.insert(
            key.to_owned(),
            BucketState {
                tokens: (state.tokens - 1.0).max(0.0),
                updated_ms: now_ms,
            },
        );
    }

    /// How many keys are remembered.
    pub fn len(&self) -> usize {
        self.buckets().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The failure limits orgwarden applies (see README, "Failed attempts").
pub struct AttemptLimits {
    /// Wrong client credentials at `/oauth/token`, per source address.
    pub token_per_source: FailedAttempts,
    /// Wrong client credentials at `/oauth/token`, per client and source.
    pub token_per_client: FailedAttempts,
    /// Wrong dashboard credentials, per source address.
    pub dashboard_per_source: FailedAttempts,
    /// Wrong dashboard credentials from all sources that failed before, together.
    pub dashboard_global: FailedAttempts,
    /// Wrong passwords on the sign-in form, per source address.
    pub login_per_source: FailedAttempts,
    /// Wrong passwords on the sign-in form, per account (email) and source: Auth0's
    /// brute-force protection blocks an account at one address after 10.
    pub login_per_account: FailedAttempts,
    /// Sign-ups (each costs a password hash), per source address.
    pub signup_per_source: FailedAttempts,
    /// Password-change requests and new passwords set with a ticket (each stores a ticket or
    /// costs a password hash), per source address.
    pub reset_per_source: FailedAttempts,
    /// Sign-ins sent to an upstream identity provider (each stores a pending request before
    /// anyone authenticated), per source address.
    pub upstream_per_source: FailedAttempts,
}

/// Which account a password attempt is for, at a source: the connection and the email.
pub struct Account<'a> {
    pub source: &'a str,
    pub connection: &'a str,
    pub email: &'a str,
}

impl Account<'_> {
    fn key(&self) -> String {
        format!("{} {} {}", self.source, self.connection, self.email)
    }
}

impl AttemptLimits {
    /// People's passwords (the login form, password-realm): `Some(seconds to wait)` when the
    /// source or the account at that source has no failures left.
    pub fn password_blocked(&self, a: &Account<'_>, now_ms: i64) -> Option<u64> {
        self.login_per_source
            .blocked(a.source, now_ms)
            .or_else(|| self.login_per_account.blocked(&a.key(), now_ms))
    }

    /// Counts a wrong password (or unknown email) against the source and the account.
    pub fn password_failed(&self, a: &Account<'_>, now_ms: i64) {
        self.login_per_source.record(a.source, now_ms);
        self.login_per_account.record(&a.key(), now_ms);
    }
}

impl Default for AttemptLimits {
    fn default() -> Self {
        AttemptLimits {
            token_per_source: FailedAttempts::new(100, 20.0),
            token_per_client: FailedAttempts::new(20, 4.0),
            dashboard_per_source: FailedAttempts::new(10, 10.0 / 15.0),
            dashboard_global: FailedAttempts::new(30, 120.0),
            login_per_source: FailedAttempts::new(100, 20.0),
            login_per_account: FailedAttempts::new(10, 10.0 / 15.0),
            signup_per_source: FailedAttempts::new(30, 10.0),
            reset_per_source: FailedAttempts::new(30, 10.0),
            upstream_per_source: FailedAttempts::new(60, 30.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_drain_a_bucket_that_refills_over_time() {
        let f = FailedAttempts::new(3, 60.0);
        assert_eq!(f.blocked("a", 0), None);
        for _ in 0..3 {
            f.record("a", 0);
        }
        assert_eq!(f.blocked("a", 0), Some(1));
        assert_eq!(f.blocked("b", 0), None, "other keys are not affected");
        assert_eq!(
            f.blocked("a", 1000),
            None,
            "one failure back after a second"
        );
        assert!(f.has_failed("a", 1000));
        assert!(!f.has_failed("a", 3000), "full again");
    }

    #[test]
    fn memory_stays_bounded() {
        let f = FailedAttempts::new(3, 1.0);
        for i in 0..(MAX_KEYS + 10_000) {
            f.record(&format!("k{i}"), i as i64);
        }
        assert!(f.len() <= MAX_KEYS, "{}", f.len());
        assert!(f.has_failed(&format!("k{}", MAX_KEYS + 9_999), 0));
    }
}
