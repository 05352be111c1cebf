//! Every dashboard POST carries the session's CSRF token in a `csrf` field; [`Posted`]
//! refuses the request (a 403 page, nothing changed) when it is missing or wrong, and a
//! signed-out or expired session gets a page saying so (a POST is not redirected: what was
//! typed would be lost without a word).

use std::sync::Arc;

use axum::extract::{FromRef, FromRequest, Request};
use axum::http::StatusCode;

use super::dashboard::{Dashboard, SignedIn};
use super::session::signed_in;
use super::{FormData, UiError};
use crate::tenant::Tenant;

/// Form bodies are small.
const LIMIT: usize = 64 * 1024;

/// Constant-time equality of two tokens.
pub fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A POSTed form from a signed-in session, its CSRF token checked.
pub struct Posted {
    pub who: SignedIn,
    pub form: FormData,
}

impl<S> FromRequest<S> for Posted
where
    S: Send + Sync,
    Arc<Dashboard>: FromRef<S>,
    Tenant: FromRef<S>,
{
    type Rejection = UiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, UiError> {
        let (parts, body) = req.into_parts();
        let who = match signed_in(&parts, &Arc::from_ref(state), &Tenant::from_ref(state)) {
            Ok(w) => w,
            Err(UiError::SignIn { expired }) => {
                let message = if expired {
                    "Your session has expired, so this change was not made. Sign in again, then retry."
                } else {
                    "You are not signed in, so this change was not made. Sign in, then retry."
                };
                return Err(UiError::Page {
                    status: StatusCode::UNAUTHORIZED,
                    title: "Session expired",
                    message: message.into(),
                    sign_in_link: true,
                });
            }
            Err(e) => return Err(e),
        };
        let bytes = axum::body::to_bytes(body, LIMIT).await.map_err(|_| {
            UiError::page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Form too large",
                "This form sent more data than the dashboard accepts.",
            )
        })?;
        let form = FormData::parse(&bytes);
        if !same(&who.csrf, form.get("csrf")) {
            return Err(UiError::page(
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form is stale or did not come from this dashboard (its CSRF token does not match your session), so nothing was changed. Go back, reload the page, and try again.",
            ));
        }
        Ok(Posted { who, form })
    }
}
