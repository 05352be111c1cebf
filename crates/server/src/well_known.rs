//! `/.well-known/jwks.json` and `/.well-known/openid-configuration`.

use std::sync::Arc;

use axum::extract::State;
use serde_json::json;

use crate::api::json::Reply;
use crate::auth::tokens::Tokens;
use crate::tenant::Tenant;

pub async fn jwks(State(tokens): State<Arc<Tokens>>) -> Reply {
    Reply::ok(tokens.key_ring().jwks().clone())
}

pub async fn openid_configuration(State(tenant): State<Tenant>) -> Reply {
    let id = &tenant.identity;
    Reply::ok(json!({
        "issuer": id.issuer,
        "token_endpoint": format!("{}/oauth/token", id.base_url),
        "jwks_uri": format!("{}/.well-known/jwks.json", id.base_url),
        "grant_types_supported": ["client_credentials"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": orgwarden_domain::scope::MANAGEMENT_SCOPES,
    }))
}
