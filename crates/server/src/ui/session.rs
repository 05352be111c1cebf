//! Signing in to the dashboard (the admin client's credentials, or the dashboard password),
//! server-side sessions behind an `HttpOnly; SameSite=Strict` cookie, and signing out.

use std::sync::Arc;

use askama::Template;
use axum::extract::{FromRef, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use orgwarden_domain::ids::ClientId;
use serde::Deserialize;

use super::csrf::{same, Posted};
pub use super::dashboard::{random_token, Dashboard, DashboardConfig, SignedIn, IDLE};
use super::pages::Pages;
use super::paths;
use super::{render, Page, UiError};
use crate::auth::attempts::{self, AttemptLimits};
use crate::ratelimit::limits::now_ms;
use crate::state::AppState;
use crate::tenant::Tenant;

/// The key of the allowance shared by every source that failed recently.
const GLOBAL: &str = "all";

pub const COOKIE: &str = "orgwarden_session";
/// Before signing in: the sign-in form's own CSRF token (double submit).
pub const SIGN_IN_COOKIE: &str = "orgwarden_sign_in";
/// A cookie's value from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The session the request's cookie names, if it is live.
pub(super) fn signed_in(
    parts: &Parts,
    dashboard: &Dashboard,
    tenant: &Tenant,
) -> Result<SignedIn, UiError> {
    let Some(id) = cookie(&parts.headers, COOKIE).filter(|v| !v.is_empty()) else {
        return Err(UiError::SignIn { expired: false });
    };
    dashboard
        .touch(id, tenant.clock.now())
        .map_err(|expired| UiError::SignIn { expired })
}

impl<S> FromRequestParts<S> for SignedIn
where
    S: Send + Sync,
    Arc<Dashboard>: FromRef<S>,
    Tenant: FromRef<S>,
{
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, UiError> {
        signed_in(parts, &Arc::from_ref(state), &Tenant::from_ref(state))
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::SIGN_IN, get(sign_in_form).post(sign_in))
        .route(paths::SIGN_OUT, post(sign_out))
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    page: Page,
    token: String,
    client_id: String,
    error: Option<String>,
    message: Option<&'static str>,
    password_enabled: bool,
}

#[derive(Deserialize)]
struct SignInQuery {
    expired: Option<String>,
    notice: Option<String>,
}

fn sign_in_page(
    state: &Pages,
    status: StatusCode,
    client_id: String,
    error: Option<String>,
    message: Option<&'static str>,
) -> Response {
    let token = random_token();
    let t = SignInPage {
        page: Page::public("Sign in"),
        token: token.clone(),
        client_id,
        error,
        message,
        password_enabled: state.dashboard.config.password.is_some(),
    };
    let mut resp = render(status, &t);
    resp.headers_mut().append(
        header::SET_COOKIE,
        state
            .dashboard
            .cookie(SIGN_IN_COOKIE, &token, &paths::sign_in()),
    );
    resp
}

async fn sign_in_form(State(state): State<Pages>, Query(q): Query<SignInQuery>) -> Response {
    let message = if q.expired.is_some() {
        Some("Your session has expired. Sign in again.")
    } else if q.notice.as_deref() == Some("signed-out") {
        Some("You are signed out.")
    } else {
        None
    };
    sign_in_page(&state, StatusCode::OK, String::new(), None, message)
}

/// Checks the admin client's credentials as `/oauth/token` does.
async fn client_matches(state: &Pages, client_id: &str, secret: &str) -> bool {
    if state.dashboard.config.admin_client_id.as_deref() != Some(client_id) {
        return false;
    }
    let Some(id) = ClientId::parse(client_id) else {
        return false;
    };
    match state.store.get_client(&id).await {
        Ok(c) => c.verify_secret(secret),
        Err(_) => false,
    }
}

/// A form is small; anything larger is not a sign-in.
const SIGN_IN_BODY_LIMIT: usize = 16 * 1024;

fn locked(wait: u64) -> Response {
    UiError::page(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many failed sign-ins",
        format!("Too many failed sign-ins from your address. Wait {wait} seconds, then try again."),
    )
    .into_response()
}

async fn sign_in(
    State(state): State<Pages>,
    State(limits): State<Arc<AttemptLimits>>,
    req: axum::extract::Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    let Ok(body) = axum::body::to_bytes(body, SIGN_IN_BODY_LIMIT).await else {
        return UiError::page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Sign-in form too large",
            "That is not a sign-in form. Open the sign-in page again and retry.",
        )
        .into_response();
    };
    // Failed sign-ins are limited per source; sources that failed recently also share one
    // global allowance, so guessing from many sources stays bounded. A source with no recent
    // failure is always checked: the right credentials from a clean address always work.
    let source = attempts::source(&parts.extensions);
    let now = now_ms(state.clock.as_ref());
    if let Some(wait) = limits.dashboard_per_source.blocked(&source, now) {
        return locked(wait);
    }
    if limits.dashboard_per_source.has_failed(&source, now) {
        if let Some(wait) = limits.dashboard_global.blocked(GLOBAL, now) {
            return locked(wait);
        }
    }
    let form = super::FormData::parse(&body);
    let expected = cookie(&headers, SIGN_IN_COOKIE).unwrap_or("");
    if expected.is_empty() || !same(expected, form.get("csrf")) {
        return UiError::page(
            StatusCode::FORBIDDEN,
            "Sign-in form expired",
            "This sign-in form is stale or did not come from this dashboard. Open the sign-in page again and retry.",
        )
        .into_response();
    }
    let client_id = form.get("client_id").trim().to_owned();
    let secret = form.get("client_secret");
    let password = form.get("password");
    let who = if !password.is_empty() {
        match &state.dashboard.config.password {
            Some(p) if same(p, password) => Some("password".to_owned()),
            _ => None,
        }
    } else if !client_id.is_empty() && !secret.is_empty() {
        client_matches(&state, &client_id, secret)
            .await
            .then(|| format!("client {client_id}"))
    } else {
        None
    };
    let Some(who) = who else {
        limits.dashboard_per_source.record(&source, now);
        limits.dashboard_global.record(GLOBAL, now);
        let error = if password.is_empty() && (client_id.is_empty() || secret.is_empty()) {
            "Enter the admin client's ID and secret, or the dashboard password."
        } else {
            "Those credentials are not valid. Check the client ID and secret (or the password)."
        };
        return sign_in_page(
            &state,
            StatusCode::UNAUTHORIZED,
            client_id,
            Some(error.to_owned()),
            None,
        );
    };
    let id = state.dashboard.start(&who, state.clock.now());
    tracing::info!(who = %who.split(' ').next().unwrap_or(""), "dashboard sign-in");
    let mut resp = super::see_other(&paths::organizations());
    let h = resp.headers_mut();
    h.append(
        header::SET_COOKIE,
        state.dashboard.cookie(COOKIE, &id, paths::BASE),
    );
    h.append(
        header::SET_COOKIE,
        state
            .dashboard
            .clear_cookie(SIGN_IN_COOKIE, &paths::sign_in()),
    );
    resp
}

async fn sign_out(State(state): State<Pages>, posted: Posted) -> Response {
    state.dashboard.end(&posted.who.session);
    let mut resp = super::see_other(&format!("{}?notice=signed-out", paths::sign_in()));
    resp.headers_mut().append(
        header::SET_COOKIE,
        state.dashboard.clear_cookie(COOKIE, paths::BASE),
    );
    resp
}
