//! Who is calling: the `Authorization: Bearer …` token, verified, as an extractor. Handlers
//! check scopes on their first line with [`Principal::require`].

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct Principal {
    pub client_id: String,
    pub scopes: Vec<String>,
}

impl Principal {
    /// Passes if the token holds any of `scopes`; else Auth0's 403 `insufficient_scope`.
    pub fn require(&self, scopes: &'static [&'static str]) -> ApiResult<()> {
        if scopes
            .iter()
            .any(|s| self.scopes.iter().any(|have| have == s))
        {
            Ok(())
        } else {
            Err(ApiError::InsufficientScope(scopes))
        }
    }
}

/// The token in an `Authorization` header value, or why it is refused.
pub fn bearer_token(value: &str) -> ApiResult<&str> {
    let mut parts = value.splitn(2, ' ');
    let scheme = parts.next().unwrap_or_default();
    let token = parts.next().unwrap_or_default().trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.contains(' ') {
        return Err(ApiError::BadAuthorizationHeader);
    }
    // A bearer that is not a compact JWS at all is a malformed header, as Auth0 says.
    if token.split('.').count() != 3 {
        return Err(ApiError::BadAuthorizationHeader);
    }
    Ok(token)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or(ApiError::MissingAuthentication)?;
        let value = value
            .to_str()
            .map_err(|_| ApiError::BadAuthorizationHeader)?;
        let token = bearer_token(value)?;
        let claims = state.verify_token(token).map_err(ApiError::Token)?;
        Ok(Principal {
            client_id: claims.azp.clone(),
            scopes: claims.scope.split_whitespace().map(str::to_owned).collect(),
        })
    }
}
