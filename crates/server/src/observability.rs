//! Operations: one log line per request (never a token or secret), Prometheus metrics at
//! `/metrics`, liveness at `/healthz` and readiness at `/readyz` (storage and the shared rate
//! limiter reachable).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use crate::api::json::Reply;

/// The request id header: the caller's, or one we make (see `server::request_id`).
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
use crate::ratelimit::limits::Limits;
use crate::tenant::Tenant;

/// Latency histogram bounds, seconds.
const BOUNDS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BOUNDS.len()],
    sum: f64,
    count: u64,
}

/// The route a request matched, carried on the response to the metrics middleware.
#[derive(Clone)]
struct RouteLabel(String);

/// How a bearer token was accepted or refused.
#[derive(Clone, Copy)]
pub enum Verification {
    Cached,
    Verified,
    Refused,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<HashMap<String, Histogram>>,
    rate_limited: AtomicU64,
    verifications: [AtomicU64; 3],
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    pub fn verification(&self, v: Verification) {
        self.verifications[v as usize].fetch_add(1, Ordering::Relaxed);
    }

    fn record(&self, route: &str, method: &str, status: u16, seconds: f64) {
        if status == 429 {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
        *self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((route.to_owned(), method.to_owned(), status))
            .or_default() += 1;
        let mut latency = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        let h = latency.entry(route.to_owned()).or_default();
        for (i, bound) in BOUNDS.iter().enumerate() {
            if seconds <= *bound {
                h.counts[i] += 1;
            }
        }
        h.sum += seconds;
        h.count += 1;
    }

    /// The Prometheus text exposition.
    pub fn render(&self, pool: Option<(usize, usize)>) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP orgwarden_http_requests_total HTTP requests by route, method and status.\n",
        );
        out.push_str("# TYPE orgwarden_http_requests_total counter\n");
        for ((route, method, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(out, "orgwarden_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {n}");
        }
        out.push_str("# HELP orgwarden_http_request_duration_seconds Time to answer, by route.\n");
        out.push_str("# TYPE orgwarden_http_request_duration_seconds histogram\n");
        let latency = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        let mut routes: Vec<&String> = latency.keys().collect();
        routes.sort();
        for route in routes {
            let h = &latency[route];
            for (i, bound) in BOUNDS.iter().enumerate() {
                let _ = writeln!(out, "orgwarden_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {}", h.counts[i]);
            }
            let _ = writeln!(out, "orgwarden_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(
                out,
                "orgwarden_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "orgwarden_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        out.push_str("# HELP orgwarden_rate_limited_total Requests refused with 429.\n# TYPE orgwarden_rate_limited_total counter\n");
        let _ = writeln!(
            out,
            "orgwarden_rate_limited_total {}",
            self.rate_limited.load(Ordering::Relaxed)
        );
        out.push_str("# HELP orgwarden_token_verifications_total Bearer tokens checked, by outcome.\n# TYPE orgwarden_token_verifications_total counter\n");
        for (i, outcome) in ["cached", "verified", "refused"].iter().enumerate() {
            let _ = writeln!(
                out,
                "orgwarden_token_verifications_total{{outcome=\"{outcome}\"}} {}",
                self.verifications[i].load(Ordering::Relaxed)
            );
        }
        if let Some((size, available)) = pool {
            out.push_str("# HELP orgwarden_db_pool_connections Database pool connections, by state.\n# TYPE orgwarden_db_pool_connections gauge\n");
            let _ = writeln!(
                out,
                "orgwarden_db_pool_connections{{state=\"open\"}} {size}"
            );
            let _ = writeln!(
                out,
                "orgwarden_db_pool_connections{{state=\"idle\"}} {available}"
            );
        }
        out
    }
}

/// Marks the response with the route it matched (a route layer, so it runs after routing).
pub async fn label_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut resp = next.run(req).await;
    if let Some(r) = route {
        resp.extensions_mut().insert(RouteLabel(r));
    }
    resp
}

/// Records the metrics of every request and logs one line for it. The line has the method,
/// the matched route (ids are not logged), the status, the time and the request id: never a
/// header, a body or a query string, so no token or secret can reach the log.
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let resp = next.run(req).await;
    let seconds = start.elapsed().as_secs_f64();
    let route = resp
        .extensions()
        .get::<RouteLabel>()
        .map(|r| r.0.as_str())
        .unwrap_or("unmatched");
    let status = resp.status().as_u16();
    metrics.record(route, &method, status, seconds);
    tracing::info!(target: "orgwarden::access", %method, route, status, ms = seconds * 1000.0, request_id, "request");
    resp
}

pub async fn healthz() -> Reply {
    Reply::ok(json!({ "status": "ok" }))
}

/// 200 when storage answers, 503 otherwise. The shared rate limiter's state is reported but
/// does not make the instance unready: without it requests are served unlimited (fail open),
/// and taking every instance out of a load balancer because Redis is down would be worse.
pub async fn readyz(State(tenant): State<Tenant>, State(limits): State<Arc<Limits>>) -> Reply {
    let within = std::time::Duration::from_secs(2);
    let database = match tokio::time::timeout(within, tenant.store.signing_keys()).await {
        Ok(Ok(_)) => "ok".to_owned(),
        Ok(Err(e)) => format!("error: {e}"),
        Err(_) => "error: timed out".to_owned(),
    };
    let limiter = match tokio::time::timeout(within, limits.limiter().ping()).await {
        Ok(Ok(())) => "ok".to_owned(),
        Ok(Err(e)) => format!("unavailable, serving without limits: {e}"),
        Err(_) => "unavailable, serving without limits: timed out".to_owned(),
    };
    let ready = database == "ok";
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = if ready { "ready" } else { "not ready" };
    Reply::new(
        status,
        json!({ "status": word, "database": database, "rate_limiter": limiter }),
    )
}
