//! The front door: people signing in to applications (and organizations) through their
//! connections, as Auth0's Authentication API and Universal Login do. `GET /authorize` starts
//! a login ([`authorize`]); the database connection's forms post to `/u/login` and
//! `/u/signup` ([`password`]); federated connections send the person to their identity
//! provider and take them back at `/login/callback` ([`federation`]); the end of each path is in [`complete`] (admission, session,
//! code); the code is redeemed at `/oauth/token` (`auth/token_endpoint.rs`). Then
//! `/userinfo` and logout. The rules without HTTP are in `orgwarden_domain::login`.

pub mod answer;
pub mod authorize;
pub mod brand;
pub mod complete;
pub mod cors;
pub mod dbconnections;
pub mod federation;
pub mod flow;
pub mod identifier;
pub mod logout;
pub mod pages;
pub mod password;
pub mod reset;
#[cfg(feature = "saml")]
pub mod saml;
pub mod session;
pub mod userinfo;

use std::sync::Arc;

use axum::extract::FromRef;
use axum::routing::{get, post};
use axum::Router;

use crate::auth::attempts::AttemptLimits;
use crate::auth::tokens::Tokens;
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::upstream::Upstream;

/// What the sign-in steps use: storage and identity, and the failed-attempt limits.
#[derive(Clone)]
pub struct Login {
    pub tenant: Tenant,
    pub attempts: Arc<AttemptLimits>,
    /// Federated connections' identity providers.
    pub upstream: Arc<Upstream>,
    /// The signing keys (the current one also signs SAML requests).
    pub tokens: Arc<Tokens>,
}

impl<S> FromRef<S> for Login
where
    Tenant: FromRef<S>,
    Arc<AttemptLimits>: FromRef<S>,
    Arc<Upstream>: FromRef<S>,
    Arc<Tokens>: FromRef<S>,
{
    fn from_ref(s: &S) -> Login {
        Login {
            tenant: Tenant::from_ref(s),
            attempts: Arc::from_ref(s),
            upstream: Arc::from_ref(s),
            tokens: Arc::from_ref(s),
        }
    }
}

pub const AUTHORIZE: &str = "/authorize";
pub const USERINFO: &str = "/userinfo";
pub const OIDC_LOGOUT: &str = "/oidc/logout";
pub const V2_LOGOUT: &str = "/v2/logout";
pub const REVOKE: &str = "/oauth/revoke";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(AUTHORIZE, get(authorize::authorize))
        .route("/u/login", post(password::login))
        .route("/u/signup", post(password::signup))
        .route("/u/identifier", post(identifier::submit))
        .merge(saml_routes())
        .route(brand::PATH, get(brand::stylesheet))
        .route(
            USERINFO,
            get(userinfo::userinfo)
                .post(userinfo::userinfo)
                .options(cors::preflight),
        )
        .route(V2_LOGOUT, get(logout::v2_logout))
        .route(OIDC_LOGOUT, get(logout::oidc_logout))
        .route(
            REVOKE,
            post(crate::auth::refresh_grant::revoke).options(cors::preflight),
        )
        .route("/dbconnections/signup", post(dbconnections::signup))
        .route(
            "/dbconnections/change_password",
            post(dbconnections::change_password),
        )
        .route(reset::RESET, get(reset::form).post(reset::submit))
}

/// `/login/callback` (GET from OpenID Connect providers; POST from SAML IdPs) and the SAML SP
/// metadata.
#[cfg(feature = "saml")]
fn saml_routes() -> Router<AppState> {
    Router::new()
        .route(
            federation::CALLBACK,
            get(federation::callback).post(saml::callback),
        )
        .route(saml::METADATA, get(saml::metadata))
}

/// Without `--features saml`: the same routes (so that the API is the same), where a SAML IdP's
/// post and the metadata URL say why there is nothing.
#[cfg(not(feature = "saml"))]
fn saml_routes() -> Router<AppState> {
    const WHY: &str = "SAML sign-in needs orgwarden built with `--features saml`.";
    async fn metadata() -> axum::response::Response {
        let status = axum::http::StatusCode::NOT_IMPLEMENTED;
        crate::api::json::json_response(status, &crate::error::error_json(status, WHY, None))
    }
    async fn posted(headers: axum::http::HeaderMap) -> axum::response::Response {
        pages::error(
            axum::http::StatusCode::NOT_IMPLEMENTED,
            "Sign-in failed",
            WHY,
            "invalid_request",
            &answer::request_id(&headers),
        )
    }
    Router::new()
        .route(federation::CALLBACK, get(federation::callback).post(posted))
        .route("/samlp/metadata", get(metadata))
}
