//! `/.well-known/jwks.json` and `/.well-known/openid-configuration`.

use axum::extract::State;
use orgwarden_proto::scopes::MANAGEMENT_SCOPES;
use orgwarden_proto::tokens::{OpenIdConfiguration, CLIENT_CREDENTIALS};

use crate::api::json::Reply;
use crate::state::AppState;

pub async fn jwks(State(state): State<AppState>) -> Reply {
    Reply::ok(state.key_ring().jwks())
}

pub async fn openid_configuration(State(state): State<AppState>) -> Reply {
    let id = &state.identity;
    let strings = |s: &[&str]| s.iter().map(|s| s.to_string()).collect();
    Reply::ok(OpenIdConfiguration {
        issuer: id.issuer.clone(),
        token_endpoint: format!("{}/oauth/token", id.base_url),
        jwks_uri: format!("{}/.well-known/jwks.json", id.base_url),
        grant_types_supported: strings(&[CLIENT_CREDENTIALS]),
        response_types_supported: strings(&["token"]),
        subject_types_supported: strings(&["public"]),
        id_token_signing_alg_values_supported: strings(&["RS256"]),
        token_endpoint_auth_methods_supported: strings(&[
            "client_secret_basic",
            "client_secret_post",
        ]),
        scopes_supported: strings(MANAGEMENT_SCOPES),
    })
}
