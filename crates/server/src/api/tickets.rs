//! `POST /api/v2/tickets/password-change` (scope `create:user_tickets`): a link with which a
//! person of a database connection sets a new password, once. Whoever holds the scope can
//! take over any such account (as in Auth0), so the scope is its own and the link is answered
//! only to the caller, never logged.

use axum::extract::State;
use axum::routing::post;
use axum::Router;
use orgwarden_domain::ids::{ClientId, ConnectionId, OrgId};
use orgwarden_domain::login::PasswordTicket;
use orgwarden_domain::user::{User, UserId};
use orgwarden_domain::{Error, NotFound};
use orgwarden_proto::tickets::{CreatePasswordChangeTicket, PasswordChangeTicket};
use orgwarden_proto::Request;

use super::json::{JsonBody, Reply};
use crate::auth::principal::Principal;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::tenant::Tenant;

pub const CREATE: &[&str] = &["create:user_tickets"];

pub fn router() -> Router<AppState> {
    Router::new().route("/tickets/password-change", post(password_change))
}

async fn password_change(
    State(state): State<Tenant>,
    p: Principal,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(CREATE)?;
    let body = CreatePasswordChangeTicket::parse(&body)?;
    let user = person(&state, &body).await?;
    let connection = state.store.get_connection(&user.connection_id).await?;
    if !connection.is_database() {
        return Err(
            Error::invalid("The user's main connection does not support this operation.").into(),
        );
    }
    if user.profile.email.is_none() {
        return Err(Error::invalid("The user does not have an email address.").into());
    }
    if let Some(id) = &body.client_id {
        let id = ClientId::parse(id).ok_or(Error::NotFound(NotFound::Client))?;
        state.store.get_client(&id).await?;
    }
    if let Some(id) = &body.organization_id {
        let id = OrgId::parse(id).ok_or(Error::NotFound(NotFound::Organization))?;
        state.store.get_organization(&id).await?;
    }
    let ticket = PasswordTicket {
        user_id: user.id.as_str().to_owned(),
        result_url: body.result_url.clone(),
        client_id: body.client_id.clone(),
        organization_id: body.organization_id.clone(),
        mark_email_as_verified: body.mark_email_as_verified == Some(true),
        include_email_in_redirect: body.include_email_in_redirect == Some(true),
    };
    let url = crate::login::reset::issue(&state, &ticket, body.ttl()).await?;
    tracing::info!(user = user.id.as_str(), "password-change ticket created");
    Ok(Reply::created(PasswordChangeTicket { ticket: url }))
}

/// The ticket's person: by `user_id`, or by `email` on `connection_id`.
async fn person(state: &Tenant, body: &CreatePasswordChangeTicket) -> ApiResult<User> {
    let not_found = || Error::NotFound(NotFound::User);
    if let Some(id) = &body.user_id {
        let id = UserId::parse(id).ok_or_else(not_found)?;
        return Ok(state.store.get_user(&id).await?);
    }
    let (Some(email), Some(connection)) = (&body.email, &body.connection_id) else {
        return Err(not_found().into()); // the body's check makes this unreachable
    };
    let missing = || {
        Error::invalid(format!(
            "The connection with id {connection} does not exist."
        ))
    };
    let id = ConnectionId::parse(connection).ok_or_else(missing)?;
    match state.store.get_connection(&id).await {
        Ok(_) => {}
        Err(Error::NotFound(_)) => return Err(missing().into()),
        Err(e) => return Err(e.into()),
    }
    let users = state
        .store
        .users_by_email(&email.trim().to_lowercase())
        .await?;
    users
        .into_iter()
        .find(|u| u.connection_id == id)
        .ok_or_else(|| not_found().into())
}
