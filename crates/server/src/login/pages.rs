//! The sign-in pages: server-rendered (askama, `templates/login/`), no JavaScript needed, the
//! dashboard's stylesheet and its Content-Security-Policy, except that a form may be sent to
//! the application's own origin (the redirect URI the client registered).

use askama::Template;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use orgwarden_domain::login::AuthorizeParams;
use orgwarden_domain::organization::Organization;
use serde_json::Value;

use super::flow::{Door, Flow};
use crate::ui::assets;

/// The hidden fields that carry the `/authorize` parameters through a form.
pub fn hidden(params: &AuthorizeParams) -> Vec<(String, String)> {
    let Ok(Value::Object(m)) = serde_json::to_value(params) else {
        return Vec::new();
    };
    m.into_iter()
        .filter_map(|(k, v)| match v {
            Value::String(s) => Some((k, s)),
            _ => None,
        })
        .collect()
}

/// `scheme://host[:port]` of an absolute URL, if it is one a policy can name safely.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let ok = |s: &str| {
        !s.is_empty()
            && s.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'+')
            })
    };
    (ok(scheme) && ok(authority) && !authority.contains('@'))
        .then(|| format!("{scheme}://{authority}"))
}

/// A page with the security headers; `form_to` names the one other origin a form may go to.
pub fn page(
    status: StatusCode,
    html: Result<String, askama::Error>,
    form_to: Option<&str>,
) -> Response {
    let html = match html {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(error = %e, "rendering a sign-in page failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response();
        }
    };
    let mut resp = (status, Html(html)).into_response();
    let extra = form_to
        .and_then(origin_of)
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    let csp = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; \
         frame-ancestors 'none'; form-action 'self'{extra}"
    );
    match HeaderValue::from_str(&csp) {
        Ok(v) => crate::ui::security_headers(resp.headers_mut(), v),
        // Not reachable (origin_of admits only header-safe bytes), and never a page without
        // a policy: refuse to serve it instead.
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response(),
    }
    resp
}

/// Who the page is for: the organization's branding, or the application's name.
pub struct Brand {
    pub name: String,
    pub application: String,
    pub logo_url: Option<String>,
    /// The organization's colours, as a stylesheet's URL.
    pub stylesheet: Option<String>,
    pub organization: bool,
}

impl Brand {
    pub fn of(flow: &Flow) -> Self {
        match &flow.org {
            Some(o) => Brand {
                name: o.display_name.clone().unwrap_or_else(|| o.name.clone()),
                application: flow.client.name.clone(),
                logo_url: o.branding.as_ref().and_then(|b| b.logo_url.clone()),
                stylesheet: o
                    .branding
                    .as_ref()
                    .and_then(|b| b.colors.as_ref())
                    .map(super::brand::href),
                organization: true,
            },
            None => Brand {
                name: flow.client.name.clone(),
                application: flow.client.name.clone(),
                logo_url: None,
                stylesheet: None,
                organization: false,
            },
        }
    }
}

#[derive(Template)]
#[template(path = "login/login.html")]
pub struct LoginPage {
    pub title: String,
    pub css: String,
    pub brand: Brand,
    pub signup: bool,
    pub signup_allowed: bool,
    pub error: Option<String>,
    pub hidden: Vec<(String, String)>,
    pub csrf: String,
    /// Database connections: (name, label).
    pub databases: Vec<(String, String)>,
    pub chosen: String,
    /// Federated connections' buttons: (link, label).
    pub federated: Vec<(String, String)>,
    /// The other connections' labels (not available in this version).
    pub others: Vec<(String, &'static str)>,
    pub login_hint: String,
    pub switch_href: String,
    /// The identifier step: the email alone, to find the person's enterprise connection.
    pub identifier_first: bool,
}

/// What a login form shows again after a refusal: the message, the connection chosen and the
/// email typed (never the password).
#[derive(Default)]
pub struct Again<'a> {
    pub error: Option<String>,
    pub connection: Option<&'a str>,
    pub email: Option<&'a str>,
    /// The person already said who they are (the identifier step is behind them).
    pub identified: bool,
}

/// The enterprise connections this login may start without a button (`show_as_button: false`):
/// reached only by home-realm discovery, from the email typed at the identifier step.
pub fn discoverable(flow: &Flow) -> Vec<&Door> {
    flow.doors
        .iter()
        .filter(|d| super::federation::is_startable(d) && !d.settings.show_as_button)
        .filter(|_| flow.authz.connection.is_none())
        .collect()
}

/// The login (or sign-up) form for `flow`. Its policy lets the form's answer (a redirect to the
/// client's callback) leave for the callback's origin, and nowhere else.
pub fn login(flow: &Flow, signup: bool, csrf: &str, again: Again<'_>) -> Response {
    let Again {
        error,
        connection: chosen,
        email,
        identified,
    } = again;
    let identifier_first = !signup && !identified && !discoverable(flow).is_empty();
    let databases: Vec<&Door> = flow.doors.iter().filter(|d| d.is_database()).collect();
    let offered: Vec<&Door> = databases
        .iter()
        .copied()
        .filter(|d| {
            flow.authz
                .connection
                .as_ref()
                .is_none_or(|c| c == &d.connection.name)
        })
        .collect();
    let signup_allowed = offered.iter().any(|d| {
        orgwarden_domain::login::admission::may_sign_up(&d.settings, flow.invitation.is_some())
    });
    let signup = signup && signup_allowed;
    let buttons: Vec<&Door> = flow
        .doors
        .iter()
        .filter(|d| !d.is_database() && d.settings.show_as_button)
        .filter(|_| flow.authz.connection.is_none())
        .collect();
    let federated = buttons
        .iter()
        .filter(|d| super::federation::is_startable(d))
        .map(|d| {
            let mut through = flow.params.clone();
            through.connection = Some(d.connection.name.clone());
            through.screen_hint = None;
            let query: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(hidden(&through))
                .finish();
            (format!("/authorize?{query}"), d.label().to_owned())
        })
        .collect();
    let others = buttons
        .iter()
        .filter(|d| !super::federation::is_startable(d))
        .map(|d| {
            let why = if d.connection.strategy == "samlp" {
                "SAML sign-in needs orgwarden built with `--features saml`"
            } else {
                "federated sign-in is not available in this version of orgwarden"
            };
            (d.label().to_owned(), why)
        })
        .collect();
    let chosen = chosen
        .filter(|c| offered.iter().any(|d| d.connection.name == *c))
        .or_else(|| offered.first().map(|d| d.connection.name.as_str()))
        .unwrap_or_default()
        .to_owned();
    let mut switch = flow.params.clone();
    switch.screen_hint = if signup {
        Some("login".into())
    } else {
        Some("signup".into())
    };
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(hidden(&switch))
        .finish();
    let brand = Brand::of(flow);
    let t = LoginPage {
        title: format!(
            "{} · {}",
            if signup { "Sign up" } else { "Log in" },
            brand.name
        ),
        css: assets::href("app.css"),
        brand,
        signup,
        signup_allowed,
        error,
        hidden: hidden(&flow.params),
        csrf: csrf.to_owned(),
        databases: offered
            .iter()
            .map(|d| (d.connection.name.clone(), d.label().to_owned()))
            .collect(),
        chosen,
        federated,
        others,
        login_hint: email
            .map(str::to_owned)
            .or_else(|| flow.authz.login_hint.clone())
            .unwrap_or_default(),
        switch_href: format!("/authorize?{query}"),
        identifier_first,
    };
    let status = if t.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    page(status, t.render(), Some(&flow.authz.redirect_uri))
}

#[derive(Template)]
#[template(path = "login/organization.html")]
pub struct OrganizationPage {
    pub title: String,
    pub css: String,
    pub application: String,
    pub error: Option<String>,
    pub hidden: Vec<(String, String)>,
}

/// The organization prompt (`organization_require_behavior: pre_login_prompt`). Its form goes
/// to `/authorize`, whose answer may be a redirect to `redirect_uri` (the client's, checked):
/// the policy lets it through, as the login form's.
pub fn organization(
    flow_params: &AuthorizeParams,
    application: &str,
    redirect_uri: &str,
    error: Option<String>,
) -> Response {
    let mut params = flow_params.clone();
    params.organization = None;
    let t = OrganizationPage {
        title: format!("Log in · {application}"),
        css: assets::href("app.css"),
        application: application.to_owned(),
        error,
        hidden: hidden(&params),
    };
    page(StatusCode::OK, t.render(), Some(redirect_uri))
}

#[derive(Template)]
#[template(path = "login/pick_organization.html")]
pub struct PickOrganizationPage {
    pub title: String,
    pub css: String,
    pub application: String,
    pub hidden: Vec<(String, String)>,
    /// (id, name shown)
    pub choices: Vec<(String, String)>,
}

/// The post-login prompt (`organization_require_behavior: post_login_prompt`): one button per
/// organization of the person's, each back to `/authorize` with it (and without `prompt`, so
/// the session answers) — whose redirect to the client's callback the policy lets through.
pub fn pick_organization(flow: &Flow, orgs: &[Organization]) -> Response {
    let mut params = flow.params.clone();
    params.organization = None;
    params.prompt = None;
    let t = PickOrganizationPage {
        title: format!("Choose an organization · {}", flow.client.name),
        css: assets::href("app.css"),
        application: flow.client.name.clone(),
        hidden: hidden(&params),
        choices: orgs
            .iter()
            .map(|o| {
                let shown = o.display_name.clone().unwrap_or_else(|| o.name.clone());
                (o.id.as_str().to_owned(), shown)
            })
            .collect(),
    };
    page(StatusCode::OK, t.render(), Some(&flow.authz.redirect_uri))
}

#[derive(Template)]
#[template(path = "login/reset.html")]
pub struct ResetPage {
    pub title: String,
    pub css: String,
    pub ticket: String,
    pub email: String,
    pub csrf: String,
    pub error: Option<String>,
}

/// The new-password form of a password-change ticket.
pub fn reset(ticket: &str, email: &str, csrf: &str, error: Option<String>) -> Response {
    let t = ResetPage {
        title: "Change your password".into(),
        css: assets::href("app.css"),
        ticket: ticket.to_owned(),
        email: email.to_owned(),
        csrf: csrf.to_owned(),
        error,
    };
    page(StatusCode::OK, t.render(), None)
}

#[derive(Template)]
#[template(path = "login/form_post.html")]
pub struct FormPostPage {
    pub title: String,
    pub css: String,
    pub script: String,
    pub action: String,
    pub fields: Vec<(String, String)>,
}

/// `response_mode=form_post`: a form to `action` sent by the browser.
pub fn form_post(action: &str, fields: Vec<(String, String)>) -> Response {
    let t = FormPostPage {
        title: "Continuing…".into(),
        css: assets::href("app.css"),
        script: assets::href("form_post.js"),
        action: action.to_owned(),
        fields,
    };
    page(StatusCode::OK, t.render(), Some(action))
}

#[derive(Template)]
#[template(path = "login/web_message.html")]
pub struct WebMessagePage {
    pub title: String,
    pub css: String,
    pub script: String,
    pub origin: String,
    pub response: String,
}

/// `response_mode=web_message`: a page, framed by the application (only by its origin), that
/// posts the answer to it. The origin was checked against the client's `web_origins`.
pub fn web_message(redirect_uri: &str, fields: Vec<(String, String)>) -> Response {
    let Some(origin) = origin_of(redirect_uri) else {
        return error(
            StatusCode::BAD_REQUEST,
            "Invalid request",
            "The redirect URI cannot be used.",
            "invalid_request",
            "",
        );
    };
    let response: serde_json::Map<String, Value> = fields
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let t = WebMessagePage {
        title: "Continuing…".into(),
        css: assets::href("app.css"),
        script: assets::href("web_message.js"),
        origin: origin.clone(),
        response: Value::Object(response).to_string(),
    };
    let html = match t.render() {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(error = %e, "rendering a sign-in page failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response();
        }
    };
    let mut resp = (StatusCode::OK, Html(html)).into_response();
    let csp = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         frame-ancestors {origin}; form-action 'none'"
    );
    match HeaderValue::from_str(&csp) {
        Ok(v) => crate::ui::security_headers(resp.headers_mut(), v),
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response(),
    }
    // Framed by the application's page: its policy's frame-ancestors says by which origin.
    resp.headers_mut()
        .remove(axum::http::header::X_FRAME_OPTIONS);
    resp
}

#[derive(Template)]
#[template(path = "login/continue.html")]
pub struct ContinuePage {
    pub title: String,
    pub css: String,
    pub url: String,
}

/// A page that moves the browser on to `url` (a meta refresh, and a link): the end of a
/// redirect chain that a previous page's `form-action` policy would otherwise cut short.
pub fn continue_to(url: &str) -> Response {
    let t = ContinuePage {
        title: "Signing you in…".into(),
        css: assets::href("app.css"),
        url: url.to_owned(),
    };
    let mut resp = page(StatusCode::OK, t.render(), None);
    resp.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    resp
}

#[derive(Template)]
#[template(path = "login/message.html")]
pub struct MessagePage {
    pub title: String,
    pub css: String,
    pub message: String,
    pub is_error: bool,
    pub error_code: String,
    pub request_id: String,
    /// A link back to the application (its registered callback, with the error).
    pub back: Option<String>,
}

/// An error shown to the person: what went wrong, its code and the request id.
pub fn error(
    status: StatusCode,
    title: &str,
    message: &str,
    code: &str,
    request_id: &str,
) -> Response {
    let t = MessagePage {
        title: title.to_owned(),
        css: assets::href("app.css"),
        message: message.to_owned(),
        is_error: true,
        error_code: code.to_owned(),
        request_id: request_id.to_owned(),
        back: None,
    };
    page(status, t.render(), None)
}

/// An error page with a link that takes the error back to the application.
pub fn error_with_way_back(
    status: StatusCode,
    title: &str,
    message: &str,
    code: &str,
    request_id: &str,
    back: &str,
) -> Response {
    let t = MessagePage {
        title: title.to_owned(),
        css: assets::href("app.css"),
        message: message.to_owned(),
        is_error: true,
        error_code: code.to_owned(),
        request_id: request_id.to_owned(),
        back: Some(back.to_owned()),
    };
    page(status, t.render(), None)
}

/// A plain message (signed out).
pub fn message(title: &str, message: &str) -> Response {
    let t = MessagePage {
        title: title.to_owned(),
        css: assets::href("app.css"),
        message: message.to_owned(),
        is_error: false,
        error_code: String::new(),
        request_id: String::new(),
        back: None,
    };
    page(StatusCode::OK, t.render(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_named_only_when_safe() {
        assert_eq!(
            origin_of("https://app.test:3000/cb?x=1").as_deref(),
            Some("https://app.test:3000")
        );
        assert_eq!(
            origin_of("http://localhost:3000/callback").as_deref(),
            Some("http://localhost:3000")
        );
        assert_eq!(origin_of("https://a.test; script-src *"), None);
        assert_eq!(origin_of("https://user@a.test/"), None);
        assert_eq!(origin_of("/relative"), None);
    }
}
