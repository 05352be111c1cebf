//! Password-change tickets: made by the Management API (`POST /tickets/password-change`) or by
//! `POST /dbconnections/change_password`, used at `/lo/reset?ticket=…` (Auth0's path) to set a
//! new password once. A ticket is stored under the SHA-256 of its secret, like every login
//! artifact; orgwarden sends no email.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use orgwarden_domain::login::artifact::{key_of, new_secret};
use orgwarden_domain::login::{Artifact, ArtifactKind, PasswordTicket};
use orgwarden_domain::user::{User, UserId, UserPatch};
use orgwarden_domain::{Error, NotFound, Result};
use serde::Deserialize;
use time::Duration;

use super::{answer, pages, session, Login};
use crate::accounts::{self, MAX_CREDENTIAL_CHARS};
use crate::auth::attempts;
use crate::ratelimit::limits::now_ms;
use crate::tenant::Tenant;

pub const RESET: &str = "/lo/reset";

/// Stores `ticket` for `ttl_secs` and returns its URL (`https://DOMAIN/lo/reset?ticket=…#`, the
/// trailing `#` as Auth0's).
pub async fn issue(tenant: &Tenant, ticket: &PasswordTicket, ttl_secs: i64) -> Result<String> {
    let now = tenant.clock.now();
    let (secret, key) = new_secret();
    let artifact = Artifact::new(
        ArtifactKind::PasswordTicket,
        key,
        ticket,
        now + Duration::seconds(ttl_secs),
    )?;
    tenant.store.put_artifact(artifact, now).await?;
    Ok(format!(
        "{}{RESET}?ticket={secret}#",
        tenant.identity.base_url
    ))
}

/// The unused, unexpired ticket named by `secret`, and its person.
async fn live(tenant: &Tenant, secret: &str) -> Result<Option<(PasswordTicket, User)>> {
    if secret.is_empty() || secret.len() > 64 {
        return Ok(None);
    }
    let now = tenant.clock.now();
    let Some(a) = tenant
        .store
        .get_artifact(ArtifactKind::PasswordTicket, &key_of(secret), now)
        .await?
    else {
        return Ok(None);
    };
    if a.consumed_at.is_some() {
        return Ok(None);
    }
    let ticket: PasswordTicket = a.payload()?;
    let Some(id) = UserId::parse(&ticket.user_id) else {
        return Ok(None);
    };
    match tenant.store.get_user(&id).await {
        Ok(u) => Ok(Some((ticket, u))),
        Err(Error::NotFound(NotFound::User)) => Ok(None),
        Err(e) => Err(e),
    }
}

fn gone(headers: &HeaderMap) -> Response {
    pages::error(
        StatusCode::BAD_REQUEST,
        "Link expired",
        "This password-change link has expired or was already used. Ask for a new one.",
        "invalid_ticket",
        &answer::request_id(headers),
    )
}

fn internal(e: Error, headers: &HeaderMap) -> Response {
    tracing::error!(error = ?e, "password change failed");
    pages::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "The password could not be changed. Please try again.",
        "server_error",
        &answer::request_id(headers),
    )
}

#[derive(Debug, Deserialize)]
pub struct TicketQuery {
    #[serde(default)]
    ticket: String,
}

/// `GET /lo/reset?ticket=…`: the new-password form.
pub async fn form(
    State(l): State<Login>,
    headers: HeaderMap,
    query: std::result::Result<Query<TicketQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else {
        return gone(&headers);
    };
    match live(&l.tenant, &q.ticket).await {
        Ok(Some((_, user))) => page(&l.tenant, &headers, &q.ticket, &user, None, StatusCode::OK),
        Ok(None) => gone(&headers),
        Err(e) => internal(e, &headers),
    }
}

fn page(
    tenant: &Tenant,
    headers: &HeaderMap,
    ticket: &str,
    user: &User,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let (csrf, cookie) = session::csrf(tenant, headers);
    let mut resp = pages::reset(
        ticket,
        user.profile.email.as_deref().unwrap_or_default(),
        &csrf,
        error,
    );
    *resp.status_mut() = status;
    session::set(&mut resp, cookie);
    resp
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// `POST /lo/reset`: sets the new password if the ticket is still good and the connection's
/// policy accepts it; the ticket is then used up.
pub async fn submit(
    State(l): State<Login>,
    parts: Parts,
    form: std::result::Result<Form<ResetForm>, FormRejection>,
) -> Response {
    let headers = &parts.headers;
    let Ok(Form(f)) = form else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "Invalid request",
            "The form could not be read.",
            "invalid_request",
            &answer::request_id(headers),
        );
    };
    let tenant = &l.tenant;
    let source = attempts::source(&parts.extensions);
    let now_ms = now_ms(tenant.clock.as_ref());
    if let Some(wait) = l.attempts.reset_per_source.blocked(&source, now_ms) {
        return pages::error(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many attempts",
            &format!("Too many password changes from this address; retry in {wait} seconds."),
            "too_many_attempts",
            &answer::request_id(headers),
        );
    }
    let (ticket, user) = match live(tenant, &f.ticket).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            l.attempts.reset_per_source.record(&source, now_ms);
            return gone(headers);
        }
        Err(e) => return internal(e, headers),
    };
    let again = |message: &str, status| {
        page(
            tenant,
            headers,
            &f.ticket,
            &user,
            Some(message.to_owned()),
            status,
        )
    };
    if !session::csrf_matches(headers, &f.csrf) {
        return again(
            "This form expired (or cookies are off for this site). Please try again.",
            StatusCode::FORBIDDEN,
        );
    }
    if f.password != f.password_confirm {
        return again("The passwords do not match.", StatusCode::BAD_REQUEST);
    }
    if f.password.chars().count() > MAX_CREDENTIAL_CHARS {
        return again("The password is too long.", StatusCode::BAD_REQUEST);
    }
    l.attempts.reset_per_source.record(&source, now_ms);
    let hash = match accounts::new_password(&tenant.store, &user.id, f.password).await {
        Ok(h) => h,
        Err(Error::Invalid(i)) => return again(&i.to_string(), StatusCode::BAD_REQUEST),
        Err(e) => return internal(e, headers),
    };
    // Used once: of two submissions racing, one finds it unused.
    match tenant
        .store
        .consume_artifact(
            ArtifactKind::PasswordTicket,
            &key_of(&f.ticket),
            tenant.clock.now(),
        )
        .await
    {
        Ok(Some(a)) if a.consumed_at.is_none() => {}
        Ok(_) => return gone(headers),
        Err(e) => return internal(e, headers),
    }
    let patch = UserPatch {
        email_verified: ticket.mark_email_as_verified.then_some(true),
        password_changed: true,
        ..UserPatch::default()
    };
    if let Err(e) = tenant
        .store
        .update_user(&user.id, patch, Some(hash), tenant.clock.now())
        .await
    {
        return internal(e, headers);
    }
    tracing::info!(user = user.id.as_str(), "password changed with a ticket");
    match &ticket.result_url {
        Some(url) => {
            let mut pairs = vec![
                ("success", "true"),
                (
                    "message",
                    "You can now login with the newly created password.",
                ),
            ];
            let email = user.profile.email.clone().unwrap_or_default();
            if ticket.include_email_in_redirect {
                pairs.push(("email", email.as_str()));
            }
            let query: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            let sep = if url.contains('?') { '&' } else { '?' };
            match HeaderValue::from_str(&format!("{url}{sep}{query}")) {
                Ok(to) => (StatusCode::FOUND, [(header::LOCATION, to)]).into_response(),
                // A URL a header cannot carry (result_url is checked as http(s) without spaces,
                // but may hold other bytes): the page instead of a broken redirect.
                Err(_) => pages::message("Password changed", "Your password has been changed."),
            }
        }
        None => pages::message(
            "Password changed",
            "Your password has been changed. You can now log in with it.",
        ),
    }
}
