//! `POST /u/identifier`: the identifier-first step of a login that has enterprise connections
//! without a button. The email's domain picks the person's connection (home-realm discovery,
//! `orgwarden_domain::login::home_realm`): they go on to that identity provider through
//! `/authorize?connection=…`, as a button would send them. Any other email goes on to the
//! password form, already filled in.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use orgwarden_domain::discovery_domain::DiscoveryDomain;
use orgwarden_domain::login::home_realm::home_realm;
use orgwarden_domain::login::AuthorizeParams;
use serde::Deserialize;

use super::flow::{resolve, Flow};
use super::{answer, pages, session, Login};
use crate::accounts::MAX_CREDENTIAL_CHARS;

/// How many of an organization's discovery domains are read for one email.
const MAX_DISCOVERY_DOMAINS: u32 = 100;

#[derive(Debug, Deserialize)]
pub struct IdentifierForm {
    #[serde(flatten)]
    params: AuthorizeParams,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
}

pub async fn submit(
    State(l): State<Login>,
    parts: Parts,
    form: Result<Form<IdentifierForm>, FormRejection>,
) -> Response {
    let headers = &parts.headers;
    let Ok(Form(form)) = form else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "Invalid request",
            "The form could not be read.",
            "invalid_request",
            &answer::request_id(headers),
        );
    };
    let flow = match resolve(&l.tenant, form.params.clone()).await {
        Ok(f) => f,
        Err(e) => return answer::failure(e, headers),
    };
    let email = form.username.trim();
    let (csrf, cookie) = session::csrf(&l.tenant, headers);
    let again = |status: StatusCode, message: &str, identified: bool| {
        let typed = Some(email).filter(|e| !e.is_empty() && e.len() <= MAX_CREDENTIAL_CHARS);
        let again = pages::Again {
            error: (!message.is_empty()).then(|| message.to_owned()),
            connection: None,
            email: typed,
            identified,
        };
        let mut resp = pages::login(&flow, false, &csrf, again);
        *resp.status_mut() = status;
        session::set(&mut resp, cookie.clone());
        resp
    };
    if !session::csrf_matches(headers, &form.csrf) {
        return again(
            StatusCode::FORBIDDEN,
            "This form expired (or cookies are off for this site). Please try again.",
            false,
        );
    }
    if email.is_empty() || email.len() > MAX_CREDENTIAL_CHARS || !email.contains('@') {
        return again(StatusCode::BAD_REQUEST, "Enter your email address.", false);
    }
    let org_domains = match organization_domains(&l, &flow).await {
        Ok(d) => d,
        Err(e) => return answer::failure(e.into(), headers),
    };
    let doors = pages::discoverable(&flow);
    let candidates: Vec<_> = doors.iter().map(|d| &d.connection).collect();
    match home_realm(email, &candidates, &org_domains) {
        Some(connection) => {
            let mut through = flow.params.clone();
            through.connection = Some(connection.name.clone());
            through.login_hint = Some(email.to_owned());
            through.screen_hint = None;
            let query: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pages::hidden(&through))
                .finish();
            (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, format!("{}?{query}", super::AUTHORIZE))],
            )
                .into_response()
        }
        None if flow.doors.iter().any(|d| d.is_database()) => again(StatusCode::OK, "", true),
        None => again(
            StatusCode::BAD_REQUEST,
            "No connection of this organization is set up for that email address's domain.",
            false,
        ),
    }
}

/// The organization's discovery domains (none without an organization).
async fn organization_domains(
    l: &Login,
    flow: &Flow,
) -> orgwarden_domain::Result<Vec<DiscoveryDomain>> {
    let Some(org) = &flow.org else {
        return Ok(Vec::new());
    };
    Ok(l.tenant
        .store
        .list_discovery_domains(&org.id, None, MAX_DISCOVERY_DOMAINS)
        .await?
        .items)
}
