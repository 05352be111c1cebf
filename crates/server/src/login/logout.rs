//! Logout: `GET /v2/logout` (Auth0's, `returnTo` and `client_id`) and `GET /oidc/logout`
//! (OpenID Connect RP-initiated logout: `post_logout_redirect_uri`, `id_token_hint` or
//! `client_id`, `state`). The session ends either way; the browser goes back only to a URL in
//! the client's `allowed_logout_urls`, never anywhere else.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use orgwarden_domain::client::Client;
use orgwarden_domain::ids::ClientId;
use serde::Deserialize;

use super::{answer, pages, session};
use crate::auth::tokens::Tokens;
use crate::tenant::Tenant;

#[derive(Debug, Default, Deserialize)]
pub struct LogoutParams {
    #[serde(rename = "returnTo")]
    return_to: Option<String>,
    post_logout_redirect_uri: Option<String>,
    client_id: Option<String>,
    id_token_hint: Option<String>,
    state: Option<String>,
}

/// The client an ID token this server signed was issued to (an expired one too: logging out
/// late is fine).
fn hinted_client(tokens: &Tokens, tenant: &Tenant, hint: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Aud {
        aud: String,
    }
    tokens
        .key_ring()
        .verify_signature_as::<Aud>(hint, &tenant.identity.issuer)
        .ok()
        .map(|a| a.aud)
}

async fn client(tenant: &Tenant, id: &str) -> Option<Client> {
    tenant.store.get_client(&ClientId::parse(id)?).await.ok()
}

async fn logout(
    tenant: Tenant,
    tokens: Arc<Tokens>,
    headers: HeaderMap,
    p: LogoutParams,
    oidc: bool,
) -> Response {
    let clear = match session::end(&tenant, &headers).await {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::error!(error = ?e, "logout: ending the session failed");
            None
        }
    };
    let target = if oidc {
        p.post_logout_redirect_uri.clone()
    } else {
        p.return_to.clone()
    };
    let client_id = p.client_id.clone().or_else(|| {
        p.id_token_hint
            .as_deref()
            .and_then(|h| hinted_client(&tokens, &tenant, h))
    });
    let mut resp = match target {
        None => pages::message("Signed out", "You are signed out."),
        Some(url) => {
            let allowed = match &client_id {
                Some(id) => client(&tenant, id)
                    .await
                    .is_some_and(|c| c.allowed_logout_urls().contains(&url.as_str())),
                None => false,
            };
            if !allowed {
                pages::error(
                    StatusCode::BAD_REQUEST,
                    "Invalid logout URL",
                    &format!(
                        "You are signed out, but {url} is not in the application's Allowed Logout URLs \
                         (allowed_logout_urls){}.",
                        if client_id.is_none() { ", and no client_id or id_token_hint says which application" } else { "" }
                    ),
                    "invalid_request",
                    &answer::request_id(&headers),
                )
            } else {
                let mut location = url.clone();
                if let (true, Some(state)) = (oidc, &p.state) {
                    let sep = if url.contains('?') { '&' } else { '?' };
                    let q: String = form_urlencoded::Serializer::new(String::new())
                        .append_pair("state", state)
                        .finish();
                    location = format!("{url}{sep}{q}");
                }
                let mut r = StatusCode::FOUND.into_response();
                if let Ok(v) = HeaderValue::from_str(&location) {
                    r.headers_mut().insert(header::LOCATION, v);
                }
                r
            }
        }
    };
    session::set(&mut resp, clear);
    resp
}

pub async fn v2_logout(
    State(tenant): State<Tenant>,
    State(tokens): State<Arc<Tokens>>,
    headers: HeaderMap,
    Query(p): Query<LogoutParams>,
) -> Response {
    logout(tenant, tokens, headers, p, false).await
}

pub async fn oidc_logout(
    State(tenant): State<Tenant>,
    State(tokens): State<Arc<Tokens>>,
    headers: HeaderMap,
    Query(p): Query<LogoutParams>,
) -> Response {
    logout(tenant, tokens, headers, p, true).await
}
