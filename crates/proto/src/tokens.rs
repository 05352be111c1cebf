//! `POST /oauth/token` (client credentials): the request, the token, and the OAuth error
//! body `{error, error_description, [error_uri]}`.

use serde::{Deserialize, Serialize};

/// The request's parameters, as JSON or a form. The server reads them leniently (a JSON
/// `null` counts as absent); a client sends them with this type.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenRequest {
    pub grant_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// Space-separated; narrows the grant's scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// `grant_type=client_credentials`.
pub const CLIENT_CREDENTIALS: &str = "client_credentials";
pub const AUTHORIZATION_CODE: &str = "authorization_code";
pub const REFRESH_TOKEN: &str = "refresh_token";
/// Auth0's password grant with a connection (`realm`).
pub const PASSWORD_REALM: &str = "http://auth0.com/oauth/grant-type/password-realm";

/// An issued access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    /// Seconds.
    pub expires_in: i64,
    /// Space-separated.
    pub scope: String,
    pub token_type: String,
}

/// The OAuth error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthError {
    /// `invalid_request`, `access_denied`, `unauthorized_client`, …
    pub error: String,
    pub error_description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_uri: Option<String>,
}

/// `/.well-known/openid-configuration`, in Auth0's key order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenIdConfiguration {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: String,
    pub jwks_uri: String,
    pub scopes_supported: Vec<String>,
    pub response_types_supported: Vec<String>,
    pub code_challenge_methods_supported: Vec<String>,
    pub response_modes_supported: Vec<String>,
    pub subject_types_supported: Vec<String>,
    pub token_endpoint_auth_methods_supported: Vec<String>,
    pub claims_supported: Vec<String>,
    pub grant_types_supported: Vec<String>,
    pub id_token_signing_alg_values_supported: Vec<String>,
    pub end_session_endpoint: String,
}

/// A person's tokens from the token endpoint, in Auth0's key order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonTokenResponse {
    pub access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// Space-separated.
    pub scope: String,
    /// Seconds.
    pub expires_in: i64,
    pub token_type: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::round_trip;
    use serde_json::json;

    #[test]
    fn shapes_round_trip() {
        round_trip::<TokenRequest>(json!({
            "grant_type": "client_credentials", "client_id": "abc", "client_secret": "s",
            "audience": "https://t/api/v2/", "scope": "read:clients"
        }));
        round_trip::<TokenResponse>(json!({
            "access_token": "eyJ", "expires_in": 86400, "scope": "read:clients", "token_type": "Bearer"
        }));
        round_trip::<OAuthError>(
            json!({"error": "access_denied", "error_description": "Unauthorized"}),
        );
        round_trip::<OAuthError>(
            json!({"error": "a", "error_description": "b", "error_uri": "https://x"}),
        );
        round_trip::<OpenIdConfiguration>(json!({
            "issuer": "https://t/", "authorization_endpoint": "https://t/authorize",
            "token_endpoint": "https://t/oauth/token", "userinfo_endpoint": "https://t/userinfo",
            "jwks_uri": "https://t/.well-known/jwks.json", "scopes_supported": ["openid"],
            "response_types_supported": ["code"], "code_challenge_methods_supported": ["S256"],
            "response_modes_supported": ["query", "form_post"], "subject_types_supported": ["public"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "claims_supported": ["sub"], "grant_types_supported": ["authorization_code"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "end_session_endpoint": "https://t/oidc/logout"
        }));
        round_trip::<PersonTokenResponse>(json!({
            "access_token": "eyJ", "refresh_token": "r", "id_token": "eyJ", "scope": "openid",
            "expires_in": 86400, "token_type": "Bearer"
        }));
    }
}
