//! Sign-in through a federated connection (`oidc`, `okta`, `google-oauth2`): the person is
//! sent to the connection's OpenID Connect provider with an authorization-code request (PKCE,
//! `state`, `nonce`), and comes back to [`CALLBACK`]. What the callback needs is stored as a
//! one-use login artifact keyed by the SHA-256 of the `state`, and bound to the browser that
//! left by a cookie (a `state` carried to another browser is refused: login CSRF). The
//! callback exchanges the code, checks the ID token (`crate::upstream`), finds or creates the
//! user (`oidc|<connection>|<sub>`), and ends as a password sign-in does
//! ([`complete::signed_in`]: membership rules, session, code to the application).
//!
//! Failures after the application's request was checked end on a page naming the connection
//! and the request id, with a link that takes `error=access_denied` back to the application's
//! registered callback; before that (no state, an unknown or used one, another browser), on a
//! page only: nothing is sent anywhere.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use orgwarden_domain::connection::upstream::{Endpoints, UpstreamSettings};
use orgwarden_domain::connection::Connection;
use orgwarden_domain::ids::random_alphanumeric;
use orgwarden_domain::login::artifact::{key_of, UpstreamRequest, UPSTREAM_LIFETIME_SECS};
use orgwarden_domain::login::pkce::challenge_of;
use orgwarden_domain::login::{Artifact, ArtifactKind};
use orgwarden_domain::user::{federated_profile, new_federated_user, User, UserPatch};
use orgwarden_domain::{Error, NotFound};
use serde::Deserialize;
use serde_json::{Map, Value};
use time::Duration;

use super::flow::{resolve, Door, Flow, FlowError};
use super::{answer, complete, pages, session, Login};
use crate::tenant::Tenant;
use crate::ui::session::cookie;
use crate::upstream::{Upstream, UpstreamError};

/// Where upstream providers send people back (Auth0's path).
pub const CALLBACK: &str = "/login/callback";
/// The cookie that binds an upstream request to the browser that made it.
pub const BROWSER_COOKIE: &str = "orgwarden_upstream";

/// The redirect URI registered at the upstream provider for this server.
pub fn callback_url(tenant: &Tenant) -> String {
    format!("{}{CALLBACK}", tenant.identity.base_url)
}

/// Whether people sign in through `door` at an upstream OpenID Connect provider.
pub fn is_federated(door: &Door) -> bool {
    orgwarden_domain::connection::upstream::is_federated(&door.connection.strategy)
}

/// Whether the login page's button for `door` starts a sign-in at its provider
/// (`/authorize?connection=`): OpenID Connect ones, and SAML ones when built with
/// `--features saml`.
pub fn is_startable(door: &Door) -> bool {
    is_federated(door) || (cfg!(feature = "saml") && door.connection.strategy == "samlp")
}

/// A failure at the upstream: a page naming the connection, with the way back.
pub(super) fn failed(flow: &Flow, connection: &str, why: impl std::fmt::Display) -> FlowError {
    FlowError::Upstream {
        flow_target: Box::new(super::flow::Target::of(&flow.authz)),
        connection: connection.to_owned(),
        message: format!("Signing in through {connection} failed: {why}."),
    }
}

/// The connection's settings and its provider's endpoints (from its options, else discovered).
async fn provider(
    upstream: &Upstream,
    connection: &Connection,
) -> Result<(UpstreamSettings, Endpoints), String> {
    let settings = UpstreamSettings::of(connection, upstream.google_issuer())?;
    let endpoints = match (&settings.endpoints, &settings.discovery_url) {
        (Some(e), _) => e.clone(),
        (None, Some(url)) => upstream.discover(url).await.map_err(|e| e.to_string())?,
        (None, None) => return Err("the connection names no provider".into()),
    };
    Ok((settings, endpoints))
}

/// Sends the person to `door`'s provider.
pub async fn begin(
    login: &Login,
    headers: &HeaderMap,
    flow: &Flow,
    door: &Door,
) -> Result<Response, FlowError> {
    let tenant = &login.tenant;
    let name = &door.connection.name;
    let (settings, endpoints) = provider(&login.upstream, &door.connection)
        .await
        .map_err(|why| failed(flow, name, why))?;
    let state = random_alphanumeric(43);
    let nonce = random_alphanumeric(43);
    let verifier = random_alphanumeric(64);
    let (browser, set_browser) = match cookie(headers, BROWSER_COOKIE).filter(|c| c.len() == 43) {
        Some(c) => (c.to_owned(), None),
        None => {
            let c = random_alphanumeric(43);
            let secure = if tenant.identity.base_url.starts_with("https://") {
                "; Secure"
            } else {
                ""
            };
            // Lax: the provider sends the person back with a top-level GET.
            let value = format!(
                "{BROWSER_COOKIE}={c}; Path=/; HttpOnly; SameSite=Lax; Max-Age={UPSTREAM_LIFETIME_SECS}{secure}"
            );
            (c, HeaderValue::from_str(&value).ok())
        }
    };
    let request = UpstreamRequest {
        connection: name.clone(),
        params: flow.params.clone(),
        nonce: nonce.clone(),
        code_verifier: verifier.clone(),
        browser: key_of(&browser),
    };
    let now = tenant.clock.now();
    let artifact = Artifact::new(
        ArtifactKind::Upstream,
        key_of(&state),
        &request,
        now + Duration::seconds(UPSTREAM_LIFETIME_SECS),
    )?;
    tenant.store.put_artifact(artifact, now).await?;
    let mut query = vec![
        ("response_type", "code".to_owned()),
        ("client_id", settings.client_id.clone()),
        ("redirect_uri", callback_url(tenant)),
        ("scope", settings.scope.clone()),
        ("state", state),
        ("nonce", nonce),
        ("code_challenge", challenge_of(&verifier)),
        ("code_challenge_method", "S256".to_owned()),
    ];
    if let Some(hint) = &flow.authz.login_hint {
        query.push(("login_hint", hint.clone()));
    }
    // The application asked for a fresh sign-in: so do we, upstream.
    if flow.authz.force_login {
        query.push(("prompt", "login".to_owned()));
    }
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    let sep = if endpoints.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    let location = format!("{}{sep}{query}", endpoints.authorization_endpoint);
    let location = HeaderValue::from_str(&location)
        .map_err(|_| failed(flow, name, "its authorization endpoint cannot be used"))?;
    tracing::info!(connection = %name, "sign-in sent to the upstream provider");
    let mut resp = StatusCode::FOUND.into_response();
    resp.headers_mut().insert(header::LOCATION, location);
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    session::set(&mut resp, set_browser);
    Ok(resp)
}

/// The provider's answer, as it comes back.
#[derive(Debug, Deserialize)]
pub struct Answer {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// The pending upstream request `state` names, used up, when the answer came back to the
/// browser that left (`browser_cookie` holds that browser's half); otherwise the page to show.
/// Shared by the OpenID Connect and the SAML callbacks.
pub async fn take_pending(
    login: &Login,
    headers: &HeaderMap,
    state: &str,
    browser_cookie: &str,
) -> Result<UpstreamRequest, Box<Response>> {
    let page = |status: StatusCode, message: &str| {
        let rid = answer::request_id(headers);
        Box::new(pages::error(
            status,
            "Sign-in failed",
            message,
            "invalid_request",
            &rid,
        ))
    };
    let tenant = &login.tenant;
    let now = tenant.clock.now();
    let stored = tenant
        .store
        .consume_artifact(ArtifactKind::Upstream, &key_of(state), now)
        .await
        .map_err(|e| Box::new(answer::failure(FlowError::Internal(e), headers)))?;
    let Some(stored) = stored else {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "This sign-in is unknown or has expired. Start again from the application.",
        ));
    };
    if stored.consumed_at.is_some() {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "This answer from the identity provider was already used. Start again from the application.",
        ));
    }
    let request: UpstreamRequest = stored
        .payload()
        .map_err(|e| Box::new(answer::failure(FlowError::Internal(e), headers)))?;
    let same_browser = cookie(headers, browser_cookie)
        .filter(|c| c.len() == 43)
        .is_some_and(|c| crate::ui::csrf::same(&key_of(c), &request.browser));
    if !same_browser {
        tracing::warn!(
            connection = %request.connection,
            "an identity provider's answer came to another browser than the one that left"
        );
        return Err(page(
            StatusCode::FORBIDDEN,
            "This sign-in was started in another browser. Start again from the application.",
        ));
    }
    Ok(request)
}

/// `GET /login/callback`.
pub async fn callback(
    State(login): State<Login>,
    headers: HeaderMap,
    query: Result<Query<Answer>, QueryRejection>,
) -> Response {
    let rid = answer::request_id(&headers);
    let page = |status: StatusCode, message: &str| {
        pages::error(status, "Sign-in failed", message, "invalid_request", &rid)
    };
    let Ok(Query(answer)) = query else {
        return page(
            StatusCode::BAD_REQUEST,
            "The identity provider's answer could not be read.",
        );
    };
    let Some(state) = answer
        .state
        .as_deref()
        .filter(|s| !s.is_empty() && s.len() <= 512)
    else {
        return page(
            StatusCode::BAD_REQUEST,
            "The identity provider's answer has no state.",
        );
    };
    let request = match take_pending(&login, &headers, state, BROWSER_COOKIE).await {
        Ok(r) => r,
        Err(page) => return *page,
    };
    let resp = match finish(&login, request, answer).await {
        Ok(resp) => resp,
        Err(e) => answer::failure(e, &headers),
    };
    onward(resp)
}

/// The application's answer as a page that moves on to it, instead of a redirect. The person
/// arrives here in a redirect chain that began with the provider's login form: a browser
/// checks every hop of that chain against the provider page's `form-action` policy (which
/// names us, not the application), so a second redirect would be blocked there. The cookies
/// set on the way (the session) are kept.
pub(super) fn onward(resp: Response) -> Response {
    if resp.status() != StatusCode::FOUND {
        return resp;
    }
    let Some(to) = resp
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return resp;
    };
    let mut page = pages::continue_to(&to);
    for c in resp.headers().get_all(header::SET_COOKIE) {
        page.headers_mut().append(header::SET_COOKIE, c.clone());
    }
    page
}

async fn finish(
    login: &Login,
    request: UpstreamRequest,
    answer: Answer,
) -> Result<Response, FlowError> {
    let tenant = &login.tenant;
    let flow = resolve(tenant, request.params).await?;
    let name = request.connection;
    let Some(door) = flow
        .doors
        .iter()
        .find(|d| d.connection.name == name && is_federated(d))
    else {
        return Err(failed(&flow, &name, "the connection is no longer enabled"));
    };
    if let Some(error) = &answer.error {
        let said = answer
            .error_description
            .as_deref()
            .map(|d| format!(": {}", printable(d)))
            .unwrap_or_default();
        return Err(failed(
            &flow,
            &name,
            format!("the identity provider answered {}{said}", printable(error)),
        ));
    }
    let Some(code) = answer.code.as_deref().filter(|c| !c.is_empty()) else {
        return Err(failed(&flow, &name, "the identity provider sent no code"));
    };
    let up = &login.upstream;
    let (settings, endpoints) = provider(up, &door.connection)
        .await
        .map_err(|why| failed(&flow, &name, why))?;
    let tokens = up
        .exchange(
            &endpoints,
            &settings.client_id,
            settings.client_secret.as_deref(),
            code,
            &callback_url(tenant),
            &request.code_verifier,
        )
        .await
        .map_err(|e| upstream_failed(&flow, &name, e))?;
    let Some(id_token) = tokens.get("id_token").and_then(Value::as_str) else {
        return Err(failed(
            &flow,
            &name,
            "the identity provider sent no ID token",
        ));
    };
    let mut claims = up
        .verify_id_token(
            &endpoints,
            id_token,
            &settings.client_id,
            &request.nonce,
            tenant.clock.now().unix_timestamp(),
        )
        .await
        .map_err(|e| upstream_failed(&flow, &name, e))?;
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if let (Some(endpoint), Some(access)) = (
        &endpoints.userinfo_endpoint,
        tokens.get("access_token").and_then(Value::as_str),
    ) {
        match up.userinfo(endpoint, access).await {
            Ok(info) if info.get("sub").and_then(Value::as_str) == Some(sub.as_str()) => {
                for (k, v) in info {
                    claims.entry(k).or_insert(v);
                }
            }
            Ok(_) => {
                return Err(failed(
                    &flow,
                    &name,
                    "the user information is about someone else",
                ))
            }
            // The ID token is enough to sign in; its claims make the profile.
            Err(e) => tracing::warn!(connection = %name, error = %e, "user info not read"),
        }
    }
    sign_in_as(tenant, &flow, door, &sub, &claims, "an upstream provider").await
}

/// The end of a federated sign-in, OIDC or SAML: the user `subject` names on the door's
/// connection, found or created with the provider's `claims`, refused if blocked, then signed in
/// as a password sign-in is. `via` names the kind of provider in the log.
pub(super) async fn sign_in_as(
    tenant: &Tenant,
    flow: &Flow,
    door: &Door,
    subject: &str,
    claims: &Map<String, Value>,
    via: &str,
) -> Result<Response, FlowError> {
    let name = &door.connection.name;
    let user = find_or_create(tenant, &door.connection, subject, claims)
        .await
        .map_err(|e| match e {
            Error::Invalid(m) => failed(flow, name, m),
            Error::Conflict { .. } => failed(
                flow,
                name,
                "another person of this connection has the same email address",
            ),
            e => FlowError::Internal(e),
        })?;
    if user.is_blocked() {
        return Err(FlowError::redirect(
            &flow.authz,
            "access_denied",
            "user is blocked",
        ));
    }
    tracing::info!(connection = %name, user = %user.id, "signed in through {via}");
    complete::signed_in(tenant, flow, &user, door).await
}

fn upstream_failed(flow: &Flow, connection: &str, e: UpstreamError) -> FlowError {
    tracing::warn!(connection = %connection, error = %e, "an upstream sign-in failed");
    failed(flow, connection, e)
}

/// The user the provider's `sub` names on `connection`, created at the first sign-in; later
/// sign-ins bring the profile up to date with the provider's claims.
pub(super) async fn find_or_create(
    tenant: &Tenant,
    connection: &Connection,
    sub: &str,
    claims: &Map<String, Value>,
) -> orgwarden_domain::Result<User> {
    let now = tenant.clock.now();
    let profile = federated_profile(claims, sub);
    let fresh = new_federated_user(connection, sub, profile.clone(), now)?;
    let store = &tenant.store;
    let existing = match store.get_user(&fresh.id).await {
        Ok(u) => u,
        Err(Error::NotFound(NotFound::User)) => {
            match store.create_user(fresh.clone(), None).await {
                Ok(u) => return Ok(u),
                // Two first sign-ins at once: the other one made the user.
                Err(e @ Error::Conflict { .. }) => match store.get_user(&fresh.id).await {
                    Ok(u) => u,
                    Err(_) => return Err(e),
                },
                Err(e) => return Err(e),
            }
        }
        Err(e) => return Err(e),
    };
    match UserPatch::from_upstream(&existing.profile, profile) {
        Some(patch) => store.update_user(&existing.id, patch, None, now).await,
        None => Ok(existing),
    }
}

/// An upstream's word, shown only as short plain text.
fn printable(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn upstream_words_are_cut_and_cleaned() {
        assert_eq!(printable("access_denied\n<b>"), "access_denied<b>");
        assert_eq!(printable(&"x".repeat(500)).len(), 200);
    }
}
