//! `GET /authorize`: the start of a sign-in. A checked request with a live session (and no
//! `prompt=login`) is answered at once; `prompt=none` without one gets `login_required`;
//! otherwise the organization prompt or the login (or sign-up) page.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::Response;
use orgwarden_domain::client::OrganizationPrompt;
use orgwarden_domain::login::AuthorizeParams;
use orgwarden_domain::user::UserId;
use orgwarden_domain::{Error, NotFound};

use super::flow::{resolve, Flow, FlowError};
use super::{answer, complete, federation, pages, session, Login};

pub async fn authorize(
    State(login): State<Login>,
    extensions: Extensions,
    headers: HeaderMap,
    query: Result<Query<AuthorizeParams>, QueryRejection>,
) -> Response {
    let Ok(Query(params)) = query else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "Invalid request",
            "The request's parameters could not be read (each may be given once).",
            "invalid_request",
            &answer::request_id(&headers),
        );
    };
    match start(&login, &extensions, &headers, params).await {
        Ok(resp) => resp,
        Err(e) => answer::failure(e, &headers),
    }
}

async fn start(
    login: &Login,
    extensions: &Extensions,
    headers: &HeaderMap,
    params: AuthorizeParams,
) -> Result<Response, FlowError> {
    let tenant = &login.tenant;
    let flow = resolve(tenant, params).await?;
    if flow.authz.organization_prompt == Some(OrganizationPrompt::BeforeLogin) {
        return Ok(pages::organization(
            &flow.params,
            &flow.client.name,
            &flow.authz.redirect_uri,
            None,
        ));
    }
    if !flow.authz.force_login {
        if let Some(resp) = from_session(login, headers, &flow).await? {
            return Ok(resp);
        }
    }
    if flow.authz.silent {
        return Err(FlowError::redirect(
            &flow.authz,
            "login_required",
            "Login required",
        ));
    }
    // `connection=` naming a federated connection (its button on the login page is a link
    // here): straight to its identity provider.
    if let Some(door) = flow.authz.connection.as_ref().and_then(|c| {
        flow.doors
            .iter()
            .find(|d| &d.connection.name == c && federation::is_startable(d))
    }) {
        // Each one stores a pending request before anyone authenticated: limited per source.
        let source = crate::auth::attempts::source(extensions);
        let now = crate::ratelimit::limits::now_ms(login.tenant.clock.as_ref());
        let limit = &login.attempts.upstream_per_source;
        if let Some(wait) = limit.blocked(&source, now) {
            return Err(FlowError::page(
                429,
                "Too many sign-ins",
                format!("Too many sign-ins through identity providers from this address; retry in {wait} seconds."),
            ));
        }
        limit.record(&source, now);
        #[cfg(feature = "saml")]
        if super::saml::is_saml(door) {
            return super::saml::begin(login, headers, &flow, door).await;
        }
        return federation::begin(login, headers, &flow, door).await;
    }
    let (csrf, cookie) = session::csrf(tenant, headers);
    let mut resp = pages::login(&flow, flow.authz.signup, &csrf, pages::Again::default());
    session::set(&mut resp, cookie);
    Ok(resp)
}

/// Single sign-on: the session's person, through the connection they signed in with, if this
/// flow offers it and they may still enter.
async fn from_session(
    login: &Login,
    headers: &HeaderMap,
    flow: &Flow,
) -> Result<Option<Response>, FlowError> {
    let tenant = &login.tenant;
    let Some((_, s)) = session::current(tenant, headers).await? else {
        return Ok(None);
    };
    let Some(door) = flow
        .doors
        .iter()
        .find(|d| d.connection.name == s.connection)
        .filter(|d| {
            flow.authz
                .connection
                .as_ref()
                .is_none_or(|c| c == &d.connection.name)
        })
    else {
        return Ok(None);
    };
    let Some(id) = UserId::parse(&s.user_id) else {
        return Ok(None);
    };
    let user = match tenant.store.get_user(&id).await {
        Ok(u) => u,
        Err(Error::NotFound(NotFound::User)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if user.profile.blocked == Some(true) || flow.invitation.is_some() {
        // An invitation is accepted by signing in (or up) as its invitee.
        return Ok(None);
    }
    if flow.authz.organization_prompt == Some(OrganizationPrompt::AfterLogin) {
        return complete::pick_organization(tenant, flow, &user, None)
            .await
            .map(Some);
    }
    complete::enter(tenant, flow, &user, door).await?;
    complete::issue(tenant, flow, &s, None).await.map(Some)
}
