//! Answers to the application: the code (or an OAuth error) at its redirect URI, in the query,
//! by `form_post` or by `web_message` (to the page that framed the request, if the client lists
//! its origin), always with the request's `state`. Only a redirect URI the client
//! registered ever gets here ([`super::flow::Target`] is built from a checked request).

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use orgwarden_domain::login::ResponseMode;

use super::flow::{FlowError, Target};
use super::pages;
use crate::observability::REQUEST_ID;

fn send(target: &Target, mut fields: Vec<(String, String)>) -> Response {
    if let Some(state) = &target.state {
        fields.push(("state".into(), state.clone()));
    }
    match target.mode {
        ResponseMode::FormPost => return pages::form_post(&target.redirect_uri, fields),
        ResponseMode::WebMessage => return pages::web_message(&target.redirect_uri, fields),
        ResponseMode::Query => {}
    }
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let sep = if target.redirect_uri.contains('?') {
        '&'
    } else {
        '?'
    };
    let location = format!("{}{sep}{query}", target.redirect_uri);
    let mut resp = StatusCode::FOUND.into_response();
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            resp.headers_mut().insert(header::LOCATION, v);
        }
        Err(_) => {
            return pages::error(
                StatusCode::BAD_REQUEST,
                "Invalid request",
                "The redirect URI cannot be used.",
                "invalid_request",
                "",
            )
        }
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// The authorization code.
pub fn code(target: &Target, code: &str) -> Response {
    send(target, vec![("code".into(), code.to_owned())])
}

/// Where a query-mode OAuth error goes (for a link on a page); `None` for the other modes.
pub fn error_location(target: &Target, error: &str, description: &str) -> Option<String> {
    if target.mode != ResponseMode::Query {
        return None;
    }
    let mut fields = vec![
        ("error".to_owned(), error.to_owned()),
        ("error_description".to_owned(), description.to_owned()),
    ];
    if let Some(state) = &target.state {
        fields.push(("state".into(), state.clone()));
    }
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let sep = if target.redirect_uri.contains('?') {
        '&'
    } else {
        '?'
    };
    Some(format!("{}{sep}{query}", target.redirect_uri))
}

/// An OAuth error.
pub fn oauth_error(target: &Target, error: &str, description: &str) -> Response {
    send(
        target,
        vec![
            ("error".into(), error.to_owned()),
            ("error_description".into(), description.to_owned()),
        ],
    )
}

/// The request id of a request, for error pages.
pub fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A step's failure: back to the application when its redirect URI is trusted, else a page.
pub fn failure(e: FlowError, headers: &HeaderMap) -> Response {
    let rid = request_id(headers);
    match e {
        FlowError::Redirect {
            flow_target,
            error,
            description,
        } => oauth_error(&flow_target, error, &description),
        FlowError::Page {
            status,
            title,
            message,
        } => pages::error(
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            &title,
            &message,
            "invalid_request",
            &rid,
        ),
        FlowError::Prompt {
            params,
            application,
            redirect_uri,
            message,
        } => {
            let mut resp = pages::organization(&params, &application, &redirect_uri, Some(message));
            *resp.status_mut() = StatusCode::BAD_REQUEST;
            resp
        }
        FlowError::Upstream {
            flow_target,
            connection,
            message,
        } => {
            let description = format!("{message} (connection {connection})");
            match error_location(&flow_target, "access_denied", &description) {
                Some(back) => pages::error_with_way_back(
                    StatusCode::BAD_GATEWAY,
                    "Sign-in failed",
                    &message,
                    "access_denied",
                    &rid,
                    &back,
                ),
                None => oauth_error(&flow_target, "access_denied", &description),
            }
        }
        FlowError::Internal(e) => {
            tracing::error!(error = ?e, "a sign-in step failed");
            pages::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The sign-in could not be completed. Try again.",
                "server_error",
                &rid,
            )
        }
    }
}
