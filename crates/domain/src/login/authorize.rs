//! An `/authorize` request checked against its client: the rules that do not need storage.
//! Until the redirect URI is known to be the client's, an error can only be shown on a page;
//! after, it goes back to the application (`error`, `error_description`, `state`).

use serde::{Deserialize, Serialize};

use super::pkce;
use crate::client::{Client, OrganizationPrompt, OrganizationUsage};

/// The parameters of `/authorize` as sent (query or form). Carried through the login form as
/// hidden fields and checked again on every step, so nothing in them is trusted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthorizeParams {
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub response_type: Option<String>,
    pub response_mode: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub scope: Option<String>,
    pub audience: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub organization: Option<String>,
    pub invitation: Option<String>,
    pub connection: Option<String>,
    pub prompt: Option<String>,
    pub screen_hint: Option<String>,
    pub login_hint: Option<String>,
}

/// Longest value accepted for any parameter: bounded work and page size.
pub const MAX_PARAM_CHARS: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponseMode {
    Query,
    FormPost,
    /// The answer posted (`postMessage`) to the page that framed `/authorize` in an iframe:
    /// Auth0's silent authentication for single-page applications.
    WebMessage,
}

impl ResponseMode {
    /// `response_mode` as given (none means `query`).
    pub fn parse(s: Option<&str>) -> Option<Self> {
        match s {
            None | Some("") | Some("query") => Some(ResponseMode::Query),
            Some("form_post") => Some(ResponseMode::FormPost),
            Some("web_message") => Some(ResponseMode::WebMessage),
            Some(_) => None,
        }
    }
}

/// A request the client may make, with its defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Authorization {
    pub client_id: String,
    pub redirect_uri: String,
    pub response_mode: ResponseMode,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub scope: String,
    pub audience: Option<String>,
    pub code_challenge: Option<String>,
    /// An organization id or name, as asked.
    pub organization: Option<String>,
    pub invitation: Option<String>,
    pub connection: Option<String>,
    /// `prompt=none`: answer without showing a page.
    pub silent: bool,
    /// `prompt=login`: ask for credentials even with a session.
    pub force_login: bool,
    pub signup: bool,
    pub login_hint: Option<String>,
    /// The client requires an organization, asks for it with a prompt, and none was given:
    /// which prompt.
    pub organization_prompt: Option<OrganizationPrompt>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AuthorizeError {
    /// Shown to the person: there is no trusted place to send it.
    Page { title: String, message: String },
    /// Sent back to the application's redirect URI.
    Redirect {
        error: &'static str,
        description: String,
    },
}

pub fn redirect_error(error: &'static str, description: impl Into<String>) -> AuthorizeError {
    AuthorizeError::Redirect {
        error,
        description: description.into(),
    }
}

fn page(title: &str, message: impl Into<String>) -> AuthorizeError {
    AuthorizeError::Page {
        title: title.to_owned(),
        message: message.into(),
    }
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

impl AuthorizeParams {
    /// The parameters that are too long (any of them).
    fn too_long(&self) -> Option<&'static str> {
        let all = [
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("response_type", &self.response_type),
            ("response_mode", &self.response_mode),
            ("state", &self.state),
            ("nonce", &self.nonce),
            ("scope", &self.scope),
            ("audience", &self.audience),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
            ("organization", &self.organization),
            ("invitation", &self.invitation),
            ("connection", &self.connection),
            ("prompt", &self.prompt),
            ("screen_hint", &self.screen_hint),
            ("login_hint", &self.login_hint),
        ];
        all.into_iter()
            .find(|(_, v)| v.as_deref().is_some_and(|s| s.len() > MAX_PARAM_CHARS))
            .map(|(k, _)| k)
    }

    /// The client id asked for, if any.
    pub fn client_id(&self) -> Option<&str> {
        given(&self.client_id)
    }

    /// Checks the request against `client` (the one `client_id` names). `management_audience`
    /// says whether an audience is the Management API's, for which people get no tokens here.
    pub fn check(
        &self,
        client: &Client,
        is_management_audience: impl Fn(&str) -> bool,
    ) -> Result<Authorization, AuthorizeError> {
        if let Some(name) = self.too_long() {
            return Err(page(
                "Invalid request",
                format!("The parameter {name} is longer than {MAX_PARAM_CHARS} characters."),
            ));
        }
        let Some(redirect_uri) = given(&self.redirect_uri) else {
            return Err(page(
                "Invalid request",
                "Missing required parameter: redirect_uri",
            ));
        };
        if !client.callbacks().contains(&redirect_uri) {
            return Err(page(
                "Callback URL mismatch",
                format!(
                    "The provided redirect_uri is not in the list of allowed callback URLs: {redirect_uri}. \
                     Add it to the application's Allowed Callback URLs (callbacks)."
                ),
            ));
        }
        let Some(response_mode) = ResponseMode::parse(given(&self.response_mode)) else {
            return Err(redirect_error(
                "invalid_request",
                format!(
                    "Unsupported response_mode: {}",
                    given(&self.response_mode).unwrap_or_default()
                ),
            ));
        };
        if response_mode == ResponseMode::WebMessage
            && !crate::client::url_origin(redirect_uri)
                .is_some_and(|o| client.allows_web_message_to(o))
        {
            // Posting the answer to a page the client did not list would hand its code over.
            return Err(page(
                "Invalid request",
                format!(
                    "response_mode=web_message needs the redirect_uri's origin in the application's \
                     Allowed Web Origins (web_origins): {redirect_uri}"
                ),
            ));
        }
        match given(&self.response_type) {
            Some("code") => {}
            None => {
                return Err(redirect_error(
                    "invalid_request",
                    "Missing required parameter: response_type",
                ))
            }
            Some(other) => {
                return Err(redirect_error(
                    "unsupported_response_type",
                    format!("Unsupported response type: {other}"),
                ))
            }
        }
        if !client.allows_grant("authorization_code") {
            return Err(redirect_error(
                "unauthorized_client",
                "Grant type 'authorization_code' not allowed for the client.",
            ));
        }
        let code_challenge =
            match (
                given(&self.code_challenge),
                given(&self.code_challenge_method),
            ) {
                (None, None) if client.is_public() => return Err(redirect_error(
                    "invalid_request",
                    "Parameter 'code_challenge' is required for public clients (PKCE with S256).",
                )),
                (None, None) => None,
                (None, Some(_)) => {
                    return Err(redirect_error(
                        "invalid_request",
                        "Parameter 'code_challenge' is required with 'code_challenge_method'.",
                    ))
                }
                (Some(c), Some("S256")) if pkce::well_formed(c) => Some(c.to_owned()),
                (Some(_), Some("S256")) => {
                    return Err(redirect_error(
                        "invalid_request",
                        "Parameter 'code_challenge' must be 43 to 128 characters of base64url.",
                    ))
                }
                (Some(_), _) => {
                    return Err(redirect_error(
                        "invalid_request",
                        "Only the S256 code_challenge_method is supported.",
                    ))
                }
            };
        let scope = given(&self.scope).unwrap_or("openid").to_owned();
        let audience = given(&self.audience).map(str::to_owned);
        if audience.as_deref().is_some_and(&is_management_audience) {
            return Err(redirect_error(
                "access_denied",
                "Tokens for the Management API are not issued to people here: use a client grant.",
            ));
        }
        let organization = given(&self.organization).map(str::to_owned);
        let usage = client.organization_usage();
        let mut organization_prompt = None;
        match (usage, &organization) {
            (OrganizationUsage::Deny, Some(_)) => {
                return Err(redirect_error(
                    "invalid_request",
                    "parameter organization is not allowed for this client",
                ))
            }
            (OrganizationUsage::Require, None) if client.organization_prompt().is_some() => {
                organization_prompt = client.organization_prompt();
            }
            (OrganizationUsage::Require, None) => {
                return Err(redirect_error(
                    "invalid_request",
                    "parameter organization is required for this client",
                ))
            }
            _ => {}
        }
        let invitation = given(&self.invitation).map(str::to_owned);
        if invitation.is_some() && organization.is_none() {
            return Err(redirect_error(
                "invalid_request",
                "parameter organization is required with invitation",
            ));
        }
        let (silent, force_login) = match given(&self.prompt) {
            None => (false, false),
            Some("none") => (true, false),
            Some("login") => (false, true),
            Some("consent") | Some("select_account") => (false, false),
            Some(other) => {
                return Err(redirect_error(
                    "invalid_request",
                    format!("Unsupported prompt: {other}"),
                ))
            }
        };
        Ok(Authorization {
            client_id: client.client_id.as_str().to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            response_mode,
            state: self.state.clone(),
            nonce: given(&self.nonce).map(str::to_owned),
            scope,
            audience,
            code_challenge,
            organization,
            invitation,
            connection: given(&self.connection).map(str::to_owned),
            silent,
            force_login,
            signup: given(&self.screen_hint) == Some("signup"),
            login_hint: given(&self.login_hint).map(str::to_owned),
            organization_prompt,
        })
    }
}

/// Whether the scope asks for `name` (space-separated).
pub fn has_scope(scope: &str, name: &str) -> bool {
    scope.split_whitespace().any(|s| s == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::NewClient;
    use serde_json::json;

    fn client(attrs: serde_json::Value) -> Client {
        let mut new = NewClient {
            name: "web".into(),
            attributes: serde_json::Map::new(),
        };
        if let serde_json::Value::Object(m) = attrs {
            new.attributes = m;
        }
        new.into_client().0
    }

    fn params(redirect: &str) -> AuthorizeParams {
        AuthorizeParams {
            client_id: Some("x".into()),
            redirect_uri: Some(redirect.into()),
            response_type: Some("code".into()),
            ..AuthorizeParams::default()
        }
    }

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_redirect_uri_must_be_a_callback_exactly() {
        let c = client(json!({"callbacks": ["https://app.test/cb"]}));
        assert!(params("https://app.test/cb").check(&c, |_| false).is_ok());
        for wrong in [
            "https://app.test/cb/",
            "https://app.test/cb?x=1",
            "https://evil.test/cb",
        ] {
            assert!(matches!(
                params(wrong).check(&c, |_| false),
                Err(AuthorizeError::Page { .. })
            ));
        }
    }

    #[test]
    fn pkce_is_s256_and_required_for_public_clients() {
        let public = client(
            json!({"callbacks": ["https://app.test/cb"], "token_endpoint_auth_method": "none"}),
        );
        let e = params("https://app.test/cb")
            .check(&public, |_| false)
            .unwrap_err();
        assert!(matches!(
            e,
            AuthorizeError::Redirect {
                error: "invalid_request",
                ..
            }
        ));
        let mut p = params("https://app.test/cb");
        p.code_challenge = Some(CHALLENGE.into());
        p.code_challenge_method = Some("plain".into());
        assert!(p.check(&public, |_| false).is_err());
        p.code_challenge_method = Some("S256".into());
        assert_eq!(
            p.check(&public, |_| false)
                .unwrap()
                .code_challenge
                .as_deref(),
            Some(CHALLENGE)
        );
    }

    #[test]
    fn organization_usage_is_enforced() {
        let deny = client(json!({"callbacks": ["https://a.test/cb"]}));
        let mut p = params("https://a.test/cb");
        p.organization = Some("acme".into());
        assert!(p.check(&deny, |_| false).is_err());
        let require =
            client(json!({"callbacks": ["https://a.test/cb"], "organization_usage": "require"}));
        let e = params("https://a.test/cb")
            .check(&require, |_| false)
            .unwrap_err();
        assert_eq!(
            e,
            redirect_error(
                "invalid_request",
                "parameter organization is required for this client"
            )
        );
        let prompt = client(
            json!({"callbacks": ["https://a.test/cb"], "organization_usage": "require",
            "organization_require_behavior": "pre_login_prompt"}),
        );
        assert!(
            params("https://a.test/cb")
                .check(&prompt, |_| false)
                .unwrap()
                .organization_prompt
                == Some(OrganizationPrompt::BeforeLogin)
        );
        let after = client(
            json!({"callbacks": ["https://a.test/cb"], "organization_usage": "require",
            "organization_require_behavior": "post_login_prompt"}),
        );
        assert_eq!(
            params("https://a.test/cb")
                .check(&after, |_| false)
                .unwrap()
                .organization_prompt,
            Some(OrganizationPrompt::AfterLogin)
        );
        // Named, the organization is not asked for.
        let mut named = params("https://a.test/cb");
        named.organization = Some("acme".into());
        assert_eq!(
            named.check(&after, |_| false).unwrap().organization_prompt,
            None
        );
    }

    #[test]
    fn no_user_tokens_for_the_management_api() {
        let c = client(json!({"callbacks": ["https://a.test/cb"]}));
        let mut p = params("https://a.test/cb");
        p.audience = Some("https://t/api/v2/".into());
        assert!(matches!(
            p.check(&c, |a| a == "https://t/api/v2/"),
            Err(AuthorizeError::Redirect {
                error: "access_denied",
                ..
            })
        ));
    }
}
