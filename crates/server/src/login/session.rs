//! The browser's side of a login: the session cookie (its secret names a stored
//! [`LoginSession`], so every instance sees it) and the login form's CSRF cookie (double
//! submit: a form posted from another site cannot sign someone in as the attacker).

use axum::http::{header, HeaderMap, HeaderValue};
use orgwarden_domain::ids::random_alphanumeric;
use orgwarden_domain::login::artifact::{key_of, new_secret, SESSION_LIFETIME_SECS};
use orgwarden_domain::login::{Artifact, ArtifactKind, LoginSession};
use time::Duration;

use crate::tenant::Tenant;
use crate::ui::session::cookie;

pub const SESSION_COOKIE: &str = "orgwarden_login";
pub const CSRF_COOKIE: &str = "orgwarden_login_csrf";

fn attributes(tenant: &Tenant, max_age: i64) -> String {
    let secure = if https(tenant) { "; Secure" } else { "" };
    format!("Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

fn https(tenant: &Tenant) -> bool {
    tenant.identity.base_url.starts_with("https://")
}

/// The session cookie's attributes. Over HTTPS it is `SameSite=None`, as Auth0's: silent
/// authentication runs `/authorize` in an iframe on the application's site, where a `Lax`
/// cookie is not sent. Nothing answers a cross-site request with more than a top-level
/// navigation would get: every page but the `web_message` answer refuses to be framed (and
/// that one only by the client's web origins), and every form needs its CSRF token. Browsers
/// refuse `SameSite=None` without `Secure`, so plain HTTP keeps `Lax`.
fn session_attributes(tenant: &Tenant, max_age: i64) -> String {
    if https(tenant) {
        format!("Path=/; HttpOnly; SameSite=None; Max-Age={max_age}; Secure")
    } else {
        attributes(tenant, max_age)
    }
}

/// The live session the request's cookie names, if any.
pub async fn current(
    tenant: &Tenant,
    headers: &HeaderMap,
) -> orgwarden_domain::Result<Option<(String, LoginSession)>> {
    let Some(secret) = cookie(headers, SESSION_COOKIE).filter(|s| !s.is_empty() && s.len() <= 128)
    else {
        return Ok(None);
    };
    let key = key_of(secret);
    let found = tenant
        .store
        .get_artifact(ArtifactKind::Session, &key, tenant.clock.now())
        .await?;
    match found {
        Some(a) => Ok(Some((key, a.payload()?))),
        None => Ok(None),
    }
}

/// Starts a session for `user_id`; returns it and the `Set-Cookie` value.
pub async fn start(
    tenant: &Tenant,
    user_id: &str,
    connection: &str,
) -> orgwarden_domain::Result<(LoginSession, HeaderValue)> {
    let now = tenant.clock.now();
    let (secret, key) = new_secret();
    let session = LoginSession {
        sid: random_alphanumeric(32),
        user_id: user_id.to_owned(),
        connection: connection.to_owned(),
        auth_time: now.unix_timestamp(),
    };
    let artifact = Artifact::new(
        ArtifactKind::Session,
        key,
        &session,
        now + Duration::seconds(SESSION_LIFETIME_SECS),
    )?;
    tenant.store.put_artifact(artifact, now).await?;
    let value = format!(
        "{SESSION_COOKIE}={secret}; {}",
        session_attributes(tenant, SESSION_LIFETIME_SECS)
    );
    let header =
        HeaderValue::from_str(&value).map_err(|e| orgwarden_domain::Error::Internal(e.into()))?;
    Ok((session, header))
}

/// Ends the request's session (if any); returns the `Set-Cookie` value that clears it.
pub async fn end(tenant: &Tenant, headers: &HeaderMap) -> orgwarden_domain::Result<HeaderValue> {
    if let Some(secret) =
        cookie(headers, SESSION_COOKIE).filter(|s| !s.is_empty() && s.len() <= 128)
    {
        tenant
            .store
            .delete_artifact(ArtifactKind::Session, &key_of(secret))
            .await?;
    }
    let value = format!("{SESSION_COOKIE}=; {}", session_attributes(tenant, 0));
    HeaderValue::from_str(&value).map_err(|e| orgwarden_domain::Error::Internal(e.into()))
}

/// The form's CSRF token: the cookie's, or a new one with the `Set-Cookie` that sets it.
pub fn csrf(tenant: &Tenant, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    if let Some(t) = cookie(headers, CSRF_COOKIE).filter(|t| t.len() == 43) {
        return (t.to_owned(), None);
    }
    let token = random_alphanumeric(43);
    let value = format!("{CSRF_COOKIE}={token}; {}", attributes(tenant, 3600));
    let header = HeaderValue::from_str(&value).ok();
    (token, header)
}

/// Whether a posted form's token matches its cookie.
pub fn csrf_matches(headers: &HeaderMap, posted: &str) -> bool {
    cookie(headers, CSRF_COOKIE).is_some_and(|c| c.len() == 43 && crate::ui::csrf::same(c, posted))
}

/// Adds a `Set-Cookie` to a response.
pub fn set(resp: &mut axum::response::Response, value: Option<HeaderValue>) {
    if let Some(v) = value {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}
