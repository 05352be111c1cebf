//! Injected faults, for testing clients' retry logic: for a method and path pattern, the next
//! N responses are a 429 (with rate-limit headers), a 5xx, or delayed. Set at runtime through
//! `/orgwarden/v1/faults` (scope `orgwarden:faults`, not part of Auth0's API); every injected
//! fault is logged.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use crate::error::ApiError;
use crate::ratelimit::limits::Limits;
use crate::ratelimit::middleware::set_headers;
use crate::ratelimit::{Decision, UNLIMITED};

pub const SCOPE: &str = "orgwarden:faults";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    RateLimit,
    Error { status: u16 },
    Delay { delay_ms: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    pub path: String,
    #[serde(flatten)]
    pub action: Action,
    /// How many more requests it applies to.
    pub remaining: u32,
}

const ACCEPTED: &str = "a JSON object {\"path\": \"/api/v2/organizations/*\" (required; * matches anything), \"method\": \"GET\" (optional), \"action\": \"rate_limit\" | \"error\" | \"delay\", \"status\": 500-599 (error), \"delay_ms\": 1-60000 (delay), \"count\": 1-1000 (default 1)}";

fn bad(what: &str) -> ApiError {
    orgwarden_domain::Error::invalid(format!("Invalid fault rule: {what}. Expected {ACCEPTED}."))
        .into()
}

impl Rule {
    /// Reads and checks a rule from its JSON form.
    pub fn from_json(v: &Value) -> Result<Rule, ApiError> {
        let obj = v.as_object().ok_or_else(|| bad("not an object"))?;
        if let Some(k) = obj.keys().find(|k| {
            !["path", "method", "action", "status", "delay_ms", "count"].contains(&k.as_str())
        }) {
            return Err(bad(&format!("unknown property {k}")));
        }
        let path = obj
            .get("path")
            .and_then(Value::as_str)
            .filter(|p| p.starts_with('/') && p.len() <= 512);
        let path = path
            .ok_or_else(|| bad("path must be a string starting with /"))?
            .to_owned();
        let method = match obj.get("method") {
            None | Some(Value::Null) => None,
            Some(Value::String(m))
                if m.parse::<Method>().is_ok() && m.chars().all(|c| c.is_ascii_uppercase()) =>
            {
                Some(m.clone())
            }
            Some(_) => return Err(bad("method must be an HTTP method such as GET")),
        };
        let count = match obj.get("count") {
            None => 1,
            Some(c) => c
                .as_u64()
                .filter(|c| (1..=1000).contains(c))
                .ok_or_else(|| bad("count must be 1-1000"))? as u32,
        };
        let action = match obj.get("action").and_then(Value::as_str) {
            Some("rate_limit") => Action::RateLimit,
            Some("error") => {
                let status = obj.get("status").and_then(Value::as_u64).unwrap_or(500);
                if !(500..=599).contains(&status) {
                    return Err(bad("status must be 500-599"));
                }
                Action::Error {
                    status: status as u16,
                }
            }
            Some("delay") => {
                let ms = obj
                    .get("delay_ms")
                    .and_then(Value::as_u64)
                    .filter(|m| (1..=60_000).contains(m));
                Action::Delay {
                    delay_ms: ms.ok_or_else(|| bad("delay_ms must be 1-60000"))?,
                }
            }
            _ => return Err(bad("action must be rate_limit, error or delay")),
        };
        Ok(Rule {
            id: orgwarden_domain::ids::random_alphanumeric(12),
            method,
            path,
            action,
            remaining: count,
        })
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method.as_str()) && glob(&self.path, path)
    }
}

/// `*` matches any run of characters (including none); everything else literally.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<Rule>>,
}

impl Faults {
    pub fn add(&self, rule: Rule) {
        self.rules
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(rule);
    }

    pub fn list(&self) -> Vec<Rule> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn clear(&self) {
        self.rules.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    pub fn remove(&self, id: &str) -> bool {
        let mut rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        let before = rules.len();
        rules.retain(|r| r.id != id);
        rules.len() != before
    }

    /// The action of the first rule matching the request, counting it down (spent rules go).
    pub fn take(&self, method: &Method, path: &str) -> Option<(String, Action)> {
        let mut rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        let i = rules.iter().position(|r| r.matches(method, path))?;
        let rule = &mut rules[i];
        rule.remaining -= 1;
        let taken = (rule.id.clone(), rule.action.clone());
        if rule.remaining == 0 {
            rules.remove(i);
        }
        Some(taken)
    }
}

/// Applies injected faults before anything else handles the request.
pub async fn inject(
    State(faults): State<Arc<Faults>>,
    State(limits): State<Arc<Limits>>,
    req: Request,
    next: Next,
) -> Response {
    if req.uri().path().starts_with("/orgwarden/") {
        return next.run(req).await;
    }
    let Some((id, action)) = faults.take(req.method(), req.uri().path()) else {
        return next.run(req).await;
    };
    tracing::warn!(fault = %id, action = ?action, method = %req.method(), path = %req.uri().path(), "injected fault");
    match action {
        Action::Delay { delay_ms } => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            next.run(req).await
        }
        Action::Error { status } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            ApiError::Injected(status).into_response()
        }
        Action::RateLimit => {
            let now = limits.now_ms().div_euclid(1000);
            let limit = limits
                .plan()
                .global
                .as_ref()
                .map(|l| l.burst)
                .unwrap_or(UNLIMITED);
            let d = Decision {
                allowed: false,
                limit,
                remaining: 0,
                reset: now + 1,
                retry_after: Some(1),
                exceeded: None,
            };
            let mut resp =
                ApiError::TooManyRequests("Global limit has been reached".into()).into_response();
            set_headers(resp.headers_mut(), &d);
            resp
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn globs_match_paths() {
        assert!(glob(
            "/api/v2/organizations/*/enabled_connections",
            "/api/v2/organizations/org_1/enabled_connections"
        ));
        assert!(!glob(
            "/api/v2/organizations/*/enabled_connections",
            "/api/v2/organizations/org_1"
        ));
        assert!(glob("/api/v2/*", "/api/v2/connections"));
        assert!(glob("/oauth/token", "/oauth/token"));
    }

    #[test]
    fn rules_count_down_and_expire() {
        let f = Faults::default();
        f.add(
            Rule::from_json(
                &json!({"path": "/api/v2/*", "method": "GET", "action": "rate_limit", "count": 2}),
            )
            .unwrap(),
        );
        assert!(f.take(&Method::POST, "/api/v2/x").is_none());
        assert_eq!(
            f.take(&Method::GET, "/api/v2/x").unwrap().1,
            Action::RateLimit
        );
        assert!(f.take(&Method::GET, "/api/v2/x").is_some());
        assert!(f.take(&Method::GET, "/api/v2/x").is_none());
    }

    #[test]
    fn malformed_rules_say_what_is_accepted() {
        for bad in [
            json!({"path": "x", "action": "error"}),
            json!({"path": "/a", "action": "explode"}),
            json!({"path": "/a", "action": "error", "status": 404}),
            json!({"path": "/a", "action": "delay"}),
            json!({"path": "/a", "action": "error", "when": 1}),
        ] {
            let e = Rule::from_json(&bad).unwrap_err();
            assert!(
                e.to_string().contains("Expected a JSON object"),
                "{bad}: {e}"
            );
        }
    }
}
