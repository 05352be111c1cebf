//! `GET|POST /userinfo`: the person a login access token stands for, with the claims of the
//! token's scopes. Only tokens whose audience includes this server's `/userinfo` are taken
//! (a machine token for the Management API is not a person's).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use orgwarden_domain::login::claims::profile_claims;
use orgwarden_domain::user::UserId;
use orgwarden_domain::{Error, NotFound};
use serde::Deserialize;

use crate::api::json::json_response;
use crate::auth::tokens::Tokens;
use crate::tenant::Tenant;

#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    scope: String,
}

fn unauthorized(description: &str) -> Response {
    let mut resp = (StatusCode::UNAUTHORIZED, "Unauthorized").into_response();
    let challenge = format!("Bearer error=\"invalid_token\", error_description=\"{description}\"");
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

pub async fn userinfo(
    State(tenant): State<Tenant>,
    State(tokens): State<Arc<Tokens>>,
    headers: HeaderMap,
) -> Response {
    let mut resp = answer(&tenant, &tokens, &headers).await;
    if let Some(o) = super::cors::origin(&headers) {
        super::cors::allow(&mut resp, o);
    }
    resp
}

async fn answer(tenant: &Tenant, tokens: &Tokens, headers: &HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    let Some(token) = token else {
        return unauthorized("a bearer token is required");
    };
    let id = &tenant.identity;
    let claims: Claims =
        match tokens
            .key_ring()
            .verify_as(token, &id.issuer, &id.userinfo_audience())
        {
            Ok(c) => c,
            Err(_) => return unauthorized("the token is not valid for /userinfo"),
        };
    let Some(user_id) = UserId::parse(&claims.sub) else {
        return unauthorized("the token is not a person's");
    };
    match tenant.store.get_user(&user_id).await {
        Ok(user) => json_response(StatusCode::OK, &profile_claims(&user, &claims.scope)),
        Err(Error::NotFound(NotFound::User)) => unauthorized("the user no longer exists"),
        Err(e) => {
            tracing::error!(error = ?e, "userinfo: reading the user failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response()
        }
    }
}
