//! Who is calling: the `Authorization: Bearer …` token, verified, as an extractor. Handlers
//! check scopes on their first line with [`Principal::require`].
//!
//! Under `/api/v2` (where [`Spent`] is in the request) the extractor then rate-limits:
//! authenticate, then limit. A verified caller takes a token from the tenant's bucket and from
//! that of the group its route declares ([`Group::layer`]); a refused one takes nothing.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::{header, request::Parts};

use super::keys::Claims;
use super::tokens::Tokens;
use crate::error::{ApiError, ApiResult};
use crate::ratelimit::limits::Limits;
use crate::ratelimit::middleware::{message, Spent};
use crate::ratelimit::plan::Group;
use crate::tenant::Tenant;

/// The verified token's claims, shared with the verified-token cache (nothing is copied per
/// request).
#[derive(Debug, Clone)]
pub struct Principal {
    claims: Arc<Claims>,
}

impl Principal {
    /// The client the token was issued to.
    pub fn client_id(&self) -> &str {
        &self.claims.azp
    }

    /// Whether the token holds `scope`.
    pub fn holds(&self, scope: &str) -> bool {
        self.claims
            .scope
            .split_ascii_whitespace()
            .any(|s| s == scope)
    }

    /// Passes if the token holds any of `scopes`; else Auth0's 403 `insufficient_scope`.
    pub fn require(&self, scopes: &'static [&'static str]) -> ApiResult<()> {
        if self
            .claims
            .scope
            .split_ascii_whitespace()
            .any(|have| scopes.contains(&have))
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

/// The verified caller of a request, or why it is refused; a token naming a key this instance
/// does not know yet is looked for in `tenant`'s store ([`super::rotation::recheck_unknown_key`]).
async fn authenticate(
    parts: &Parts,
    tokens: &Tokens,
    tenant: impl Fn() -> Tenant,
) -> ApiResult<Principal> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::MissingAuthentication)?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::BadAuthorizationHeader)?;
    let token = bearer_token(value)?;
    let claims = match tokens.verify(token) {
        Ok(claims) => claims,
        Err(refused) => {
            super::rotation::recheck_unknown_key(tokens, &tenant().store, token, refused)
                .await
                .map_err(ApiError::Token)?
        }
    };
    Ok(Principal { claims })
}

impl<S> FromRequestParts<S> for Principal
where
    S: Send + Sync,
    Arc<Tokens>: FromRef<S>,
    Arc<Limits>: FromRef<S>,
    Tenant: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let tokens = Arc::<Tokens>::from_ref(state);
        let caller = authenticate(parts, &tokens, || Tenant::from_ref(state)).await;
        let Some(spent) = parts.extensions.get::<Spent>().cloned() else {
            return caller;
        };
        let limits = Arc::<Limits>::from_ref(state);
        let buckets = limits
            .plan()
            .api_buckets(parts.extensions.get::<Group>().copied());
        if caller.is_err() {
            spent.record(limits.peek(&buckets).await);
            return caller;
        }
        let decision = limits.acquire(&buckets).await;
        let refused = (!decision.allowed).then(|| message(&decision));
        spent.record(decision);
        match refused {
            Some(m) => Err(ApiError::TooManyRequests(m)),
            None => caller,
        }
    }
}
