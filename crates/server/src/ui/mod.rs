//! The web dashboard: server-rendered pages (askama templates in `templates/`) over the same
//! domain functions and store traits as the Management API, so a form gets the API's rules
//! and messages. Plain HTML forms; a little JavaScript (`assets/app.js`) only adds copy
//! buttons and live colour swatches. Every page carries a CSRF token and security headers.

pub mod assets;
pub mod clients;
pub mod connections;
pub mod csrf;
pub mod dashboard;
pub mod invitations;
pub mod members;
pub mod org_connections;
pub mod organizations;
pub mod pages;
pub mod paths;
pub mod session;
pub mod users;

use askama::Template;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use orgwarden_domain::Error as DomainError;

use crate::observability::REQUEST_ID;
use crate::state::AppState;

pub use session::SignedIn;

pub use paths::BASE;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; frame-ancestors 'none'; form-action 'self'";

/// The dashboard's routes, to be nested at [`BASE`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::HOME, get(home))
        .merge(session::router())
        .merge(assets::router())
        .merge(organizations::router())
        .merge(org_connections::router())
        .merge(members::router())
        .merge(invitations::router())
        .merge(users::router())
        .merge(connections::router())
        .merge(clients::router())
        .fallback(not_found)
        .layer(middleware::from_fn(finish))
}

/// `/`, `/dashboard` and `/dashboard/`: the organizations (or the sign-in page).
pub async fn home() -> Redirect {
    Redirect::to(&paths::organizations())
}

async fn not_found() -> UiError {
    UiError::page(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no dashboard page at this address.",
    )
}

/// What every page's layout needs.
pub struct Page {
    pub title: String,
    /// The session's CSRF token (empty when signed out).
    pub csrf: String,
    /// Which navigation entry is current: `organizations`, `users`, `connections`, `clients`.
    pub nav: &'static str,
    pub signed_in: bool,
    pub css: String,
    pub js: String,
    /// A one-line confirmation shown at the top (after a redirect).
    pub notice: Option<String>,
}

impl Page {
    pub fn new(who: &SignedIn, title: impl Into<String>, nav: &'static str) -> Self {
        Page {
            title: title.into(),
            csrf: who.csrf.clone(),
            nav,
            signed_in: true,
            css: assets::href("app.css"),
            js: assets::href("app.js"),
            notice: None,
        }
    }

    pub fn public(title: impl Into<String>) -> Self {
        Page {
            title: title.into(),
            csrf: String::new(),
            nav: "",
            signed_in: false,
            css: assets::href("app.css"),
            js: assets::href("app.js"),
            notice: None,
        }
    }

    pub fn with_notice(mut self, notice: Option<&str>) -> Self {
        self.notice = notice.and_then(notice_text).map(str::to_owned);
        self
    }
}

/// The confirmations a redirect may ask for (`?notice=…`): fixed texts, never user input.
fn notice_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "created" => "Created.",
        "saved" => "Saved.",
        "deleted" => "Deleted.",
        "enabled" => "Connection enabled.",
        "disabled" => "Connection disabled.",
        "signed-out" => "You are signed out.",
        "granted" => "Scopes saved.",
        "added" => "Member added.",
        "removed" => "Member removed.",
        "roles" => "Roles saved.",
        "invited" => "Invitation created: copy its link below and send it.",
        "revoked" => "Invitation revoked.",
        "blocked" => "User blocked.",
        "unblocked" => "User unblocked.",
        _ => return None,
    })
}

/// Renders a template with a status.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering a dashboard page failed");
            UiError::internal().into_response()
        }
    }
}

pub fn ok(template: &impl Template) -> Response {
    render(StatusCode::OK, template)
}

/// 303 to `to` (after a successful POST).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// An error shown as a whole page (rendered by [`finish`], which knows the request id), or a
/// redirect to the sign-in page.
#[derive(Debug)]
pub enum UiError {
    Page {
        status: StatusCode,
        title: &'static str,
        message: String,
        sign_in_link: bool,
    },
    SignIn {
        expired: bool,
    },
}

pub type UiResult<T> = Result<T, UiError>;

impl UiError {
    pub fn page(status: StatusCode, title: &'static str, message: impl Into<String>) -> Self {
        UiError::Page {
            status,
            title,
            message: message.into(),
            sign_in_link: false,
        }
    }

    pub fn internal() -> Self {
        Self::page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "The server could not complete this request. It has been logged; try again.",
        )
    }
}

impl From<DomainError> for UiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound(kind) => {
                let what = match kind {
                    orgwarden_domain::NotFound::Organization => "This organization does not exist.",
                    orgwarden_domain::NotFound::Connection => "This connection does not exist.",
                    orgwarden_domain::NotFound::EnabledConnection => {
                        "This connection is not enabled for the organization."
                    }
                    orgwarden_domain::NotFound::Client => "This client does not exist.",
                    orgwarden_domain::NotFound::ClientGrant => "This grant does not exist.",
                    orgwarden_domain::NotFound::SigningKey => "This signing key does not exist.",
                    orgwarden_domain::NotFound::ResourceServer => "This API does not exist.",
                    orgwarden_domain::NotFound::User => "This user does not exist.",
                    orgwarden_domain::NotFound::Role => "This role does not exist.",
                    orgwarden_domain::NotFound::DiscoveryDomain => {
                        "This discovery domain does not exist."
                    }
                    orgwarden_domain::NotFound::Invitation => {
                        "This invitation does not exist or has expired."
                    }
                };
                UiError::page(StatusCode::NOT_FOUND, "Not found", what)
            }
            DomainError::Internal(e) => {
                tracing::error!(error = %e, "dashboard request failed");
                UiError::internal()
            }
            DomainError::Unavailable(e) => {
                tracing::warn!(error = %e, "dashboard request: storage unavailable");
                UiError::page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Too busy",
                    "The server is handling too many requests at once; try again in a moment.",
                )
            }
            DomainError::Invalid(i) => {
                UiError::page(StatusCode::BAD_REQUEST, "Not possible", i.message)
            }
            DomainError::LimitReached(m) => {
                UiError::page(StatusCode::BAD_REQUEST, "Not possible", m)
            }
            DomainError::Conflict { message, .. } => {
                UiError::page(StatusCode::CONFLICT, "Not possible", message)
            }
        }
    }
}

/// Carried from a handler to [`finish`], which renders it.
#[derive(Clone)]
struct ErrorPage {
    title: &'static str,
    message: String,
    sign_in_link: bool,
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        match self {
            UiError::SignIn { expired } => {
                let to = if expired {
                    format!("{}?expired=1", paths::sign_in())
                } else {
                    paths::sign_in()
                };
                Redirect::to(&to).into_response()
            }
            UiError::Page {
                status,
                title,
                message,
                sign_in_link,
            } => {
                let mut resp = status.into_response();
                resp.extensions_mut().insert(ErrorPage {
                    title,
                    message,
                    sign_in_link,
                });
                resp
            }
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    page: Page,
    message: String,
    request_id: String,
    sign_in_link: bool,
}

/// Every dashboard response: error pages rendered with the request id, and the security
/// headers.
async fn finish(req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut resp = next.run(req).await;
    if let Some(e) = resp.extensions_mut().remove::<ErrorPage>() {
        let status = resp.status();
        let t = ErrorTemplate {
            page: Page::public(e.title),
            message: e.message,
            request_id,
            sign_in_link: e.sign_in_link,
        };
        resp = match t.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, "error").into_response(),
        };
    }
    security_headers(resp.headers_mut(), HeaderValue::from_static(CSP));
    resp
}

/// The headers every HTML page carries, the dashboard's and the sign-in pages': its content
/// policy, no sniffing, no framing, no referrer beyond this origin, and no caching unless the
/// handler chose otherwise.
pub(crate) fn security_headers(h: &mut axum::http::HeaderMap, csp: HeaderValue) {
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// A validation message from the domain, tied to a form field when it names one.
#[derive(Debug, Clone, Default)]
pub struct FormError {
    /// The form field it belongs to; `None`: shown at the top of the form.
    pub field: Option<&'static str>,
    pub message: String,
}

impl FormError {
    pub fn top(message: impl Into<String>) -> Self {
        FormError {
            field: None,
            message: message.into(),
        }
    }

    /// The message of a refused change, tied to a field through `fields` (the API property
    /// path, e.g. `branding.colors.primary`, and the form field): the property is the one the
    /// domain's error names as data. Not-found and internal
    /// errors are not form errors: they become error pages.
    pub fn from_domain(e: DomainError, fields: &[(&str, &'static str)]) -> UiResult<Self> {
        let (message, property) = match e {
            DomainError::Invalid(i) => (i.message, i.field),
            DomainError::LimitReached(m) => (m, None),
            DomainError::Conflict { message, code } => {
                let property = match code {
                    "organization_conflict" | "connection_conflict" => Some("name".to_owned()),
                    "organization_connection_conflict" => Some("connection_id".to_owned()),
                    _ => None,
                };
                (message, property)
            }
            other => return Err(other.into()),
        };
        let field = property.and_then(|p| {
            fields
                .iter()
                .find(|(prop, _)| p == *prop || p.starts_with(&format!("{prop}.")))
                .map(|(_, f)| *f)
        });
        Ok(FormError { field, message })
    }
}

/// The errors of one form, for templates: `errors.get("name")`, `errors.top()`.
#[derive(Debug, Clone, Default)]
pub struct Errors(pub Option<FormError>);

impl Errors {
    pub fn none() -> Self {
        Errors(None)
    }

    /// The message for `field`, if it is the one in error.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .as_ref()
            .filter(|e| e.field == Some(field))
            .map(|e| e.message.as_str())
    }

    /// The message not tied to a field.
    pub fn top(&self) -> Option<&str> {
        self.0
            .as_ref()
            .filter(|e| e.field.is_none())
            .map(|e| e.message.as_str())
    }

    pub fn any(&self) -> bool {
        self.0.is_some()
    }
}

/// The `application/x-www-form-urlencoded` fields of a POST, in order.
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> Self {
        FormData(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// A checkbox: present (with any value) means checked.
    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A URL with query parameters (values encoded).
pub fn url_with(path: &str, params: &[(&str, &str)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        if !v.is_empty() {
            q.append_pair(k, v);
        }
    }
    let q = q.finish();
    if q.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{q}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[(&str, &str)] = &[("name", "name"), ("branding.colors.primary", "primary")];

    fn field(e: DomainError) -> Option<&'static str> {
        FormError::from_domain(e, FIELDS).unwrap().field
    }

    /// The domain's error for an organization body, as the API and the forms get it.
    fn refused(body: serde_json::Value) -> DomainError {
        use orgwarden_proto::Request;
        orgwarden_proto::organizations::CreateOrganization::parse(&body)
            .unwrap_err()
            .into()
    }

    #[test]
    fn messages_are_tied_to_the_property_they_name() {
        let nested = refused(serde_json::json!({
            "name": "a", "branding": {"colors": {"primary": "red", "page_background": "#fff"}}
        }));
        assert_eq!(field(nested), Some("primary"));
        // The field is data: words in the value that look like another property do not count.
        let tricky = refused(serde_json::json!({"name": "a on property branding.colors.primary"}));
        assert_eq!(field(tricky), Some("name"));
        let many: serde_json::Map<String, serde_json::Value> =
            (0..26).map(|i| (format!("k{i}"), "v".into())).collect();
        // A property the form does not show: at the top of the form.
        assert_eq!(
            field(refused(serde_json::json!({"name": "a", "metadata": many}))),
            None
        );
        assert_eq!(field(DomainError::organization_name_taken()), Some("name"));
        assert_eq!(field(DomainError::invalid("Something else.")), None);
        assert!(FormError::from_domain(
            DomainError::NotFound(orgwarden_domain::NotFound::Organization),
            FIELDS
        )
        .is_err());
    }
}
