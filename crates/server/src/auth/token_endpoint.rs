//! `POST /oauth/token`, as Auth0: the body as JSON or as a form, the client's secret in the body
//! or by HTTP Basic, errors in the OAuth shape `{error, error_description}`. What every grant
//! shares (parsing, client authentication, failed-attempt limits, the client's bucket) is done
//! once in [`issue`]; each grant type then has its own function ([`Grant`]).

use std::sync::Arc;

use axum::extract::{FromRef, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use orgwarden_domain::client::Client;
use orgwarden_domain::ids::ClientId;
use orgwarden_proto::tokens;
use serde_json::{Map, Value};

use super::attempts;
use super::attempts::AttemptLimits;
use super::tokens::Tokens;
use crate::api::json::{json_response, read_limited, to_json};
use crate::ratelimit::limits::Limits;
use crate::ratelimit::middleware as ratelimit;
use crate::ratelimit::Decision;
use crate::tenant::Tenant;

#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
    uri: Option<&'static str>,
    /// Seconds, sent as `Retry-After`.
    retry_after: Option<u64>,
}

pub(super) fn oauth(
    status: StatusCode,
    error: &'static str,
    description: impl Into<String>,
) -> OAuthError {
    OAuthError {
        status,
        error,
        description: description.into(),
        uri: None,
        retry_after: None,
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = tokens::OAuthError {
            error: self.error.to_owned(),
            error_description: self.description,
            error_uri: self.uri.map(str::to_owned),
        };
        let mut resp = json_response(self.status, &body);
        if let Some(wait) = self.retry_after {
            resp.headers_mut()
                .insert(ratelimit::RETRY_AFTER, HeaderValue::from(wait));
        }
        resp
    }
}

/// 429 for a source (or a client at a source) past its failed authentications.
pub(super) fn too_many_attempts(wait: u64) -> OAuthError {
    OAuthError {
        retry_after: Some(wait),
        ..oauth(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("Too many failed client authentications from this address; retry in {wait} seconds."),
        )
    }
}

fn unauthorized() -> OAuthError {
    oauth(StatusCode::UNAUTHORIZED, "access_denied", "Unauthorized")
}

/// The request's parameters, from JSON or a form; JSON `null`s count as absent.
pub(super) fn parameters(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Map<String, Value>, OAuthError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("json"));
    let mut params = if is_json {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => m,
            _ => {
                return Err(oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Invalid request body: expected a JSON object.",
                ))
            }
        }
    } else {
        form_urlencoded::parse(body)
            .into_owned()
            .map(|(k, v)| (k, Value::String(v)))
            .collect()
    };
    params.retain(|_, v| !v.is_null());
    Ok(params)
}

pub(super) fn param<'a>(params: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    params
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// `Authorization: Basic base64(client_id:client_secret)`, if present.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let id = form_urlencoded::parse(format!("a={id}").as_bytes())
        .next()?
        .1
        .into_owned();
    let secret = form_urlencoded::parse(format!("a={secret}").as_bytes())
        .next()?
        .1
        .into_owned();
    Some((id, secret))
}

/// What the token endpoint uses: storage and identity, the signing keys, the clients' buckets
/// and the failed-attempt limits.
pub struct Endpoint {
    pub(super) tenant: Tenant,
    pub(super) tokens: Arc<Tokens>,
    limits: Arc<Limits>,
    pub(super) attempts: Arc<AttemptLimits>,
}

impl<S> FromRef<S> for Endpoint
where
    Tenant: FromRef<S>,
    Arc<Tokens>: FromRef<S>,
    Arc<Limits>: FromRef<S>,
    Arc<AttemptLimits>: FromRef<S>,
{
    fn from_ref(s: &S) -> Endpoint {
        Endpoint {
            tenant: Tenant::from_ref(s),
            tokens: Arc::from_ref(s),
            limits: Arc::from_ref(s),
            attempts: Arc::from_ref(s),
        }
    }
}

pub async fn token(State(state): State<Endpoint>, req: Request) -> Response {
    let mut limited = None;
    let mut authenticated = None;
    let origin = crate::login::cors::origin(req.headers());
    let mut resp = match issue(&state, req, &mut limited, &mut authenticated).await {
        Ok(v) => {
            let mut resp = json_response(StatusCode::OK, &v);
            let h = resp.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            resp
        }
        Err(e) => e.into_response(),
    };
    if let Some(d) = &limited {
        ratelimit::set_headers(resp.headers_mut(), d);
    }
    // A browser page reads the answer (a success or the grant's error) only from an origin
    // the authenticated client allows.
    if let (Some(o), Some(c)) = (origin, &authenticated) {
        if o.to_str().is_ok_and(|o| c.allows_origin(o)) {
            crate::login::cors::allow(&mut resp, o);
        }
    }
    resp
}

/// The request's head and its parameters (JSON or a form, at most 1 MiB).
async fn read_request(req: Request) -> Result<(Parts, Map<String, Value>), OAuthError> {
    let (parts, body) = req.into_parts();
    let body = read_limited(body).await.map_err(|_| {
        oauth(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
            "Request body too large.",
        )
    })?;
    let params = parameters(&parts.headers, &body)?;
    Ok((parts, params))
}

/// Issues a token; `limited` receives where the client stands in its rate-limit bucket, and
/// `authenticated` the client once it has proved who it is.
async fn issue(
    state: &Endpoint,
    req: Request,
    limited: &mut Option<Decision>,
    authenticated: &mut Option<Client>,
) -> Result<Value, OAuthError> {
    let (parts, params) = read_request(req).await?;

    let grant_type = param(&params, "grant_type").ok_or_else(|| {
        oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: grant_type",
        )
    })?;
    let Some(grant) = Grant::parse(grant_type) else {
        return Err(oauth(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("Unsupported grant type: {grant_type}"),
        ));
    };
    let client = authenticate_client(state, &parts, &params, grant).await?;
    *authenticated = Some(client.clone());
    spend_bucket(state, &client, limited).await?;
    match grant {
        Grant::ClientCredentials => client_credentials(state, &client, &params).await,
        Grant::AuthorizationCode => super::code_grant::redeem(state, &client, &params).await,
        Grant::RefreshToken => super::refresh_grant::refresh(state, &client, &params).await,
        Grant::PasswordRealm => {
            let source = attempts::source(&parts.extensions);
            super::password_grant::password_realm(state, &client, &params, &source).await
        }
    }
}

/// The grant types this endpoint issues tokens for, each with its own function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    ClientCredentials,
    /// A login's code (`auth/code_grant.rs`); public clients send no secret.
    AuthorizationCode,
    /// `auth/refresh_grant.rs`; public clients send no secret.
    RefreshToken,
    /// Auth0's password grant on a connection (`auth/password_grant.rs`).
    PasswordRealm,
}

impl Grant {
    /// Grants a public client (no secret) may ask for: the ones a person's login started.
    fn public_clients_may_use(self) -> bool {
        matches!(
            self,
            Grant::AuthorizationCode | Grant::RefreshToken | Grant::PasswordRealm
        )
    }

    fn parse(grant_type: &str) -> Option<Grant> {
        match grant_type {
            tokens::CLIENT_CREDENTIALS => Some(Grant::ClientCredentials),
            tokens::AUTHORIZATION_CODE => Some(Grant::AuthorizationCode),
            tokens::REFRESH_TOKEN => Some(Grant::RefreshToken),
            tokens::PASSWORD_REALM => Some(Grant::PasswordRealm),
            _ => None,
        }
    }
}

/// How a request says it is the client.
enum Proof {
    /// `client_secret` (in the body or by HTTP Basic).
    Secret(String),
    /// `private_key_jwt`: a signed client assertion (`auth/assertion.rs`).
    Assertion(String),
    /// Nothing: a public client's `client_id` alone.
    Nothing,
}

/// The client the request authenticates as (secret in the body or by HTTP Basic; none for a
/// public client redeeming a code), counting a failure against the source's and the client's
/// failed-attempt limits.
async fn authenticate_client(
    state: &Endpoint,
    parts: &Parts,
    params: &Map<String, Value>,
    grant: Grant,
) -> Result<Client, OAuthError> {
    let (client_id, proof) = match basic_credentials(&parts.headers) {
        Some((id, secret)) => (id, Proof::Secret(secret)),
        None if param(params, "client_assertion_type").is_some() => {
            if param(params, "client_assertion_type") != Some(super::assertion::JWT_BEARER) {
                return Err(oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    format!(
                        "client_assertion_type must be {}",
                        super::assertion::JWT_BEARER
                    ),
                ));
            }
            let assertion = param(params, "client_assertion").ok_or_else(|| {
                oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Missing required parameter: client_assertion",
                )
            })?;
            let claimed = super::assertion::claimed_client(assertion).unwrap_or_default();
            let id = param(params, "client_id")
                .map(str::to_owned)
                .unwrap_or(claimed.clone());
            if id != claimed {
                return Err(unauthorized());
            }
            (id, Proof::Assertion(assertion.to_owned()))
        }
        None => {
            let id = param(params, "client_id").ok_or_else(|| {
                oauth(
                    StatusCode::UNAUTHORIZED,
                    "access_denied",
                    "Missing required parameter: client_id",
                )
            })?;
            let proof = match param(params, "client_secret") {
                Some(secret) => Proof::Secret(secret.to_owned()),
                None if grant.public_clients_may_use() => Proof::Nothing,
                None => return Err(unauthorized()),
            };
            (id.to_owned(), proof)
        }
    };
    // Failed authentications are limited per source and per client at that source, apart from
    // the client's own quota, which only an authenticated request spends.
    let source = attempts::source(&parts.extensions);
    let per_client = format!("{source} {client_id}");
    let now = state.limits.now_ms();
    let limits = &state.attempts;
    if let Some(wait) = limits
        .token_per_source
        .blocked(&source, now)
        .or_else(|| limits.token_per_client.blocked(&per_client, now))
    {
        return Err(too_many_attempts(wait));
    }
    let failed = || {
        limits.token_per_source.record(&source, now);
        // Per-client state only for ids that could be real: unknown ones cost one bucket at most.
        if ClientId::parse(&client_id).is_some() {
            limits.token_per_client.record(&per_client, now);
        }
        unauthorized()
    };
    let Some(id) = ClientId::parse(&client_id) else {
        return Err(failed());
    };
    let client = match state.tenant.store.get_client(&id).await {
        Ok(c) => c,
        Err(orgwarden_domain::Error::NotFound(_)) => return Err(failed()),
        Err(e) => {
            tracing::error!(error = ?e, "token endpoint: reading the client failed");
            return Err(oauth(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "Internal error",
            ));
        }
    };
    // Without a secret, only a public client (`token_endpoint_auth_method: none`), which has
    // its PKCE verifier to prove the code is its own.
    let authenticated = match &proof {
        Proof::Secret(secret) => client.verify_secret(secret),
        Proof::Assertion(jwt) => super::assertion::verify(state, &client, jwt).await?,
        Proof::Nothing => client.is_public(),
    };
    if !authenticated {
        return Err(failed());
    }
    Ok(client)
}

/// `POST /oauth/revoke`'s request: the authenticated client (public clients by id alone) and
/// the `token`.
pub async fn revoke_request(
    state: &Endpoint,
    req: Request,
) -> Result<(Client, String), OAuthError> {
    let (parts, params) = read_request(req).await?;
    let client = authenticate_client(state, &parts, &params, Grant::RefreshToken).await?;
    let token = param(&params, "token").ok_or_else(|| {
        oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: token",
        )
    })?;
    Ok((client, token.to_owned()))
}

/// Takes a token from the authenticated client's bucket; `limited` receives where it stands.
async fn spend_bucket(
    state: &Endpoint,
    client: &Client,
    limited: &mut Option<Decision>,
) -> Result<(), OAuthError> {
    let decision = state
        .limits
        .acquire(&state.limits.plan().token_buckets(client.client_id.as_str()))
        .await;
    let refused = (!decision.allowed).then(|| ratelimit::message(&decision));
    *limited = Some(decision);
    if let Some(message) = refused {
        return Err(oauth(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            message,
        ));
    }
    Ok(())
}

/// `client_credentials`: a machine token for an audience the client has a grant on, with the
/// grant's scopes (narrowed by `scope`).
async fn client_credentials(
    state: &Endpoint,
    client: &Client,
    params: &Map<String, Value>,
) -> Result<Value, OAuthError> {
    let client_id = &client.client_id;
    if !client.allows_client_credentials() {
        return Err(OAuthError {
            uri: Some("https://auth0.com/docs/clients/client-grant-types"),
            ..oauth(
                StatusCode::FORBIDDEN,
                "unauthorized_client",
                "Grant type 'client_credentials' not allowed for the client.",
            )
        });
    }
    let audience = param(params, "audience").ok_or_else(|| {
        oauth(
            StatusCode::FORBIDDEN,
            "access_denied",
            "No audience parameter was provided, and no default audience has been configured",
        )
    })?;
    let internal = super::person::internal;
    // The Management API's tokens live the server's token lifetime; another API's, its own.
    let (audience, lifetime) = if state.tenant.identity.is_management_audience(audience) {
        (
            state.tenant.identity.audience.as_str(),
            state.tenant.identity.token_lifetime,
        )
    } else {
        match state.tenant.store.get_resource_server(audience).await {
            Ok(rs) if rs.identifier == audience => (audience, rs.settings.token_lifetime),
            Ok(_) | Err(orgwarden_domain::Error::NotFound(_)) => {
                return Err(oauth(
                    StatusCode::FORBIDDEN,
                    "access_denied",
                    format!("Service not enabled within domain: {audience}"),
                ))
            }
            Err(e) => return Err(internal("reading the resource server", e)),
        }
    };
    let grant = state
        .tenant
        .store
        .find_grant(&client.client_id, audience)
        .await
        .map_err(|e| internal("reading the grant", e))?;
    let Some(grant) = grant else {
        return Err(oauth(
            StatusCode::FORBIDDEN,
            "access_denied",
            format!("Client \"{client_id}\" is not authorized to access resource server \"{audience}\". You need to create a \"client-grant\" associated to this API."),
        ));
    };
    let org = grant_organization(state, &grant, param(params, "organization")).await?;
    let scopes: Vec<String> = match param(params, "scope") {
        Some(asked) => {
            // Each scope once, in the order asked: a repeated scope adds nothing but length.
            let mut asked: Vec<&str> = asked.split_whitespace().collect();
            let mut seen = std::collections::HashSet::new();
            asked.retain(|s| seen.insert(*s));
            let missing: Vec<&str> = asked
                .iter()
                .copied()
                .filter(|s| !grant.scope.iter().any(|g| g == s))
                .collect();
            if !missing.is_empty() {
                return Err(oauth(
                    StatusCode::FORBIDDEN,
                    "access_denied",
                    format!("Client has not been granted scopes: {}", missing.join(", ")),
                ));
            }
            asked.into_iter().map(str::to_owned).collect()
        }
        None => grant.scope.clone(),
    };
    let token = state
        .tokens
        .mint_machine(
            client_id.as_str(),
            audience,
            &scopes,
            lifetime,
            org.as_deref(),
        )
        .map_err(|e| {
            tracing::error!(error = ?e, "token endpoint: signing failed");
            oauth(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "Internal error",
            )
        })?;
    Ok(to_json(&tokens::TokenResponse {
        access_token: token,
        expires_in: lifetime,
        scope: scopes.join(" "),
        token_type: "Bearer".into(),
    }))
}

/// `client_credentials` with `organization` (an id or a name): the grant must allow
/// organizations and be associated with this one; a grant that requires one needs it. The
/// organization's id, for the token's `org_id`.
async fn grant_organization(
    state: &Endpoint,
    grant: &orgwarden_domain::client::ClientGrant,
    asked: Option<&str>,
) -> Result<Option<String>, OAuthError> {
    let requires = grant
        .attributes
        .get("organization_usage")
        .and_then(Value::as_str)
        == Some("require");
    let Some(asked) = asked else {
        if requires {
            return Err(oauth(
                StatusCode::FORBIDDEN,
                "access_denied",
                "parameter organization is required for this client grant",
            ));
        }
        return Ok(None);
    };
    let internal = |e| super::person::internal("reading the organization", e);
    let org = match crate::login::flow::organization(&state.tenant, asked).await {
        Ok(o) => o,
        Err(orgwarden_domain::Error::NotFound(_)) => {
            return Err(oauth(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                format!("parameter organization is invalid: no organization {asked}"),
            ))
        }
        Err(e) => return Err(internal(e)),
    };
    let filter = orgwarden_domain::client::GrantFilter {
        organization: Some(org.id.clone()),
        ids: Some(vec![grant.id.clone()]),
        ..Default::default()
    };
    let associated = state
        .tenant
        .store
        .list_grants(&filter, orgwarden_domain::paging::PageRequest::first(1))
        .await
        .map_err(internal)?;
    if !grant.usable_by_organizations() || associated.items.is_empty() {
        return Err(oauth(
            StatusCode::FORBIDDEN,
            "access_denied",
            format!(
                "Client \"{}\" is not authorized to access resource server \"{}\" for organization {}.",
                grant.client_id.as_str(),
                grant.audience,
                org.id.as_str()
            ),
        ));
    }
    Ok(Some(org.id.as_str().to_owned()))
}
