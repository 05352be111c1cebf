//! CORS for what a single-page application calls from the browser: `/oauth/token` and
//! `/oauth/revoke` answer a page's origin only when the client they authenticated allows it
//! (`Client::allows_origin`: its allowed or web origins, or its callbacks' origins, as Auth0);
//! `/userinfo` answers any origin (it reads a bearer token, never a cookie); the discovery
//! document and the JWKS are public. Preflights are answered for any origin: they carry no
//! credential and reveal nothing; the answer that follows decides. Credentials (cookies) are
//! never allowed cross-origin.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The request's `Origin`, if it has one.
pub fn origin(headers: &HeaderMap) -> Option<HeaderValue> {
    headers.get(header::ORIGIN).cloned()
}

/// Lets a page at `origin` read `resp`.
pub fn allow(resp: &mut Response, origin: HeaderValue) {
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.append(header::VARY, HeaderValue::from_static("Origin"));
}

/// Lets any page read `resp` (public documents).
pub fn allow_any(resp: &mut Response) {
    resp.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
}

/// `OPTIONS`: the methods and headers a page may use; the real answer decides who reads it.
pub async fn preflight(headers: HeaderMap) -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if let Some(o) = origin(&headers) {
        allow(&mut resp, o);
        let h = resp.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type, auth0-client"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("86400"),
        );
    }
    resp
}
