//! `/.well-known/jwks.json` and `/.well-known/openid-configuration`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use orgwarden_domain::login::claims::OIDC_SCOPES;
use orgwarden_proto::scopes::MANAGEMENT_SCOPES;
use orgwarden_proto::tokens::{
    OpenIdConfiguration, AUTHORIZATION_CODE, CLIENT_CREDENTIALS, PASSWORD_REALM, REFRESH_TOKEN,
};

use crate::api::json::Reply;
use crate::auth::tokens::Tokens;
use crate::login;
use crate::tenant::Tenant;

/// Public, and so readable by any page (`Access-Control-Allow-Origin: *`), as the discovery
/// document: SPAs fetch both.
pub async fn jwks(State(tokens): State<Arc<Tokens>>) -> Response {
    let mut resp = Reply::ok(tokens.key_ring().jwks().clone()).into_response();
    login::cors::allow_any(&mut resp);
    resp
}

pub async fn openid_configuration(State(tenant): State<Tenant>) -> Response {
    let id = &tenant.identity;
    let strings = |s: &[&str]| s.iter().map(|s| s.to_string()).collect();
    let at = |path: &str| format!("{}{path}", id.base_url);
    let mut scopes: Vec<String> = strings(OIDC_SCOPES);
    scopes.extend(MANAGEMENT_SCOPES.iter().map(|s| s.to_string()));
    let mut resp = Reply::ok(OpenIdConfiguration {
        issuer: id.issuer.clone(),
        authorization_endpoint: at(login::AUTHORIZE),
        token_endpoint: at("/oauth/token"),
        userinfo_endpoint: at(login::USERINFO),
        jwks_uri: at("/.well-known/jwks.json"),
        scopes_supported: scopes,
        response_types_supported: strings(&["code"]),
        code_challenge_methods_supported: strings(&["S256"]),
        response_modes_supported: strings(&["query", "form_post", "web_message"]),
        subject_types_supported: strings(&["public"]),
        token_endpoint_auth_methods_supported: strings(&[
            "client_secret_basic",
            "client_secret_post",
            "none",
        ]),
        claims_supported: strings(&[
            "aud",
            "auth_time",
            "created_at",
            "email",
            "email_verified",
            "exp",
            "family_name",
            "given_name",
            "iat",
            "identities",
            "iss",
            "name",
            "nickname",
            "org_id",
            "org_name",
            "picture",
            "sid",
            "sub",
            "updated_at",
        ]),
        grant_types_supported: strings(&[
            AUTHORIZATION_CODE,
            REFRESH_TOKEN,
            CLIENT_CREDENTIALS,
            PASSWORD_REALM,
        ]),
        id_token_signing_alg_values_supported: strings(&["RS256"]),
        end_session_endpoint: at(login::OIDC_LOGOUT),
    })
    .into_response();
    login::cors::allow_any(&mut resp);
    resp
}
