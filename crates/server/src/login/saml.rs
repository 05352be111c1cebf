//! Sign-in through a `samlp` connection (built with `--features saml`): the SP metadata at
//! [`METADATA`], an AuthnRequest to the connection's `signInEndpoint` (HTTP-Redirect, or
//! HTTP-POST by an auto-submitting form), and the IdP's Response posted back to
//! `POST /login/callback?connection=NAME` (the ACS URL of `orgwarden_saml::ServiceProvider`).
//!
//! The pending request is stored exactly as an OIDC one (`federation.rs`): a one-use
//! [`UpstreamRequest`] keyed by the SHA-256 of the `RelayState`, its `nonce` holding the
//! AuthnRequest's ID (which `InResponseTo` must name). The IdP posts the Response cross-site, so
//! the browser is bound by a cookie of its own, `SameSite=None; Secure` (SAML needs HTTPS,
//! orgwarden's default). The Response is verified by `orgwarden_saml` (libxmlsec1) on a
//! blocking thread; its assertion id is kept as a used-assertion artifact until its
//! `NotOnOrAfter`, so it is accepted once. The user is `samlp|<connection>|<nameid>`; the end
//! is [`complete::signed_in`], as for every other sign-in.
//!
//! With `signSAMLRequest`, requests are signed with the tenant's current signing key (as Auth0
//! does), whose certificate the metadata then publishes. Not supported yet, and refused with a
//! clear message: IdP-initiated responses (no `RelayState`; `options.idpinitiated` is not read).

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use orgwarden_domain::connection::{Connection, ConnectionFilter};
use orgwarden_domain::ids::random_alphanumeric;
use orgwarden_domain::login::artifact::{key_of, UpstreamRequest, UPSTREAM_LIFETIME_SECS};
use orgwarden_domain::login::{Artifact, ArtifactKind};
use orgwarden_domain::paging::PageRequest;
use orgwarden_saml::{
    fields_map, map_profile, Binding, Expected, IdpCertificates, RequestOptions, SamlError,
    SamlIdentity, Send, ServiceProvider, SpSigningKey,
};
use serde::Deserialize;
use serde_json::{Map, Value};
use time::Duration;

use super::federation::{failed, onward, sign_in_as, take_pending};
use super::flow::{resolve, Door, Flow, FlowError};
use super::{answer, pages, session, Login};
use crate::auth::tokens::Tokens;
use crate::tenant::Tenant;
use crate::ui::session::cookie;

/// Auth0's SP metadata URL (`?connection=NAME`). Not `/samlp/metadata/{x}`: at Auth0 that is
/// the metadata of a client for which Auth0 is the IdP (the SAML2 add-on), which orgwarden is not.
pub const METADATA: &str = "/samlp/metadata";
/// The cookie that binds a pending SAML request to the browser that left: apart from the OIDC
/// one because it must be sent on the IdP's cross-site POST (`SameSite=None`).
pub const BROWSER_COOKIE: &str = "orgwarden_saml";
/// The strategy.
pub const STRATEGY: &str = "samlp";

/// Whether `door` is a SAML connection.
pub fn is_saml(door: &Door) -> bool {
    door.connection.strategy == STRATEGY
}

/// The tenant's name in Auth0's entity id `urn:auth0:{tenant}:{connection}`: the first label
/// of the domain (Auth0's `{tenant}.auth0.com`).
fn tenant_name(tenant: &Tenant) -> &str {
    let d = &tenant.identity.domain;
    d.split(['.', ':']).next().unwrap_or(d)
}

/// The service provider `connection` makes of this server.
fn service_provider(tenant: &Tenant, connection: &Connection) -> ServiceProvider {
    ServiceProvider::auth0(
        &tenant.identity.base_url,
        tenant_name(tenant),
        &connection.name,
        text(&connection.options, "entityId"),
    )
}

fn text<'a>(options: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    options
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// Whether the connection's requests are signed (`signSAMLRequest`).
fn signs_requests(connection: &Connection) -> bool {
    connection
        .options
        .get("signSAMLRequest")
        .and_then(Value::as_bool)
        == Some(true)
}

/// The SP signing key: the tenant's current signing key and its certificate, as Auth0 signs
/// SAML requests with the tenant's key. After a rotation the IdP needs the metadata again.
fn signing_key(tokens: &Tokens) -> Result<SpSigningKey, SamlError> {
    let ring = tokens.key_ring();
    let (pkcs8, cert) = ring.signer_material();
    SpSigningKey::new(pkcs8.to_vec(), cert.to_vec())
}

#[derive(Debug, Deserialize)]
pub struct MetadataQuery {
    pub connection: Option<String>,
}

fn not_found(message: &str) -> Response {
    crate::api::json::json_response(
        StatusCode::NOT_FOUND,
        &crate::error::error_json(StatusCode::NOT_FOUND, message, None),
    )
}

/// `GET /samlp/metadata?connection=NAME`: public, as Auth0's.
pub async fn metadata(
    State(login): State<Login>,
    query: Result<Query<MetadataQuery>, QueryRejection>,
) -> Response {
    let name = query.ok().and_then(|Query(q)| q.connection);
    metadata_of_name(&login.tenant, &login.tokens, name.as_deref()).await
}

async fn metadata_of_name(tenant: &Tenant, tokens: &Tokens, name: Option<&str>) -> Response {
    let Some(name) = name.filter(|n| !n.is_empty() && n.len() <= 128) else {
        return not_found("Give the SAML connection's name: /samlp/metadata?connection=NAME.");
    };
    let filter = ConnectionFilter {
        name: Some(name.to_owned()),
        strategies: vec![STRATEGY.to_owned()],
    };
    let found = match tenant
        .store
        .list_connections(&filter, PageRequest::first(1))
        .await
    {
        Ok(l) => l.items.into_iter().next(),
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let Some(connection) = found else {
        return not_found("There is no SAML (samlp) connection of this name.");
    };
    let key = if signs_requests(&connection) {
        match signing_key(tokens) {
            Ok(k) => Some(k),
            Err(e) => {
                tracing::error!(error = %e, "the signing key cannot sign SAML requests");
                return crate::error::ApiError::Domain(orgwarden_domain::Error::Internal(
                    anyhow::anyhow!("the signing key cannot sign SAML requests"),
                ))
                .into_response();
            }
        }
    } else {
        None
    };
    let xml = service_provider(tenant, &connection).metadata(key.as_ref());
    let mut resp = (StatusCode::OK, xml).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/samlmetadata+xml; charset=utf-8"),
    );
    resp
}

/// Sends the person to `door`'s IdP with an AuthnRequest.
pub async fn begin(
    login: &Login,
    headers: &HeaderMap,
    flow: &Flow,
    door: &Door,
) -> Result<Response, FlowError> {
    let tenant = &login.tenant;
    let connection = &door.connection;
    let name = &connection.name;
    let options = &connection.options;
    let Some(endpoint) = text(options, "signInEndpoint") else {
        return Err(failed(flow, name, "the connection has no signInEndpoint"));
    };
    if !(endpoint.starts_with("https://") || endpoint.starts_with("http://")) {
        return Err(failed(
            flow,
            name,
            "its signInEndpoint is not an http(s) URL",
        ));
    }
    let binding = Binding::from_option(text(options, "protocolBinding"))
        .map_err(|e| failed(flow, name, e))?;
    let state = random_alphanumeric(43);
    let key = signs_requests(connection)
        .then(|| signing_key(&login.tokens))
        .transpose()
        .map_err(|e| failed(flow, name, e))?;
    let sp = service_provider(tenant, connection);
    let (endpoint, relay, now) = (endpoint.to_owned(), state.clone(), tenant.clock.now());
    // Signing is RSA (and libxmlsec1 for the POST binding): off the async runtime.
    let request = tokio::task::spawn_blocking(move || {
        sp.authn_request(&RequestOptions {
            sign_in_endpoint: &endpoint,
            binding,
            signing_key: key.as_ref(),
            relay_state: Some(&relay),
            now,
        })
    })
    .await
    .map_err(|e| FlowError::Internal(orgwarden_domain::Error::Internal(e.into())))?
    .map_err(|e| failed(flow, name, e))?;
    let (browser, set_browser) = match cookie(headers, BROWSER_COOKIE).filter(|c| c.len() == 43) {
        Some(c) => (c.to_owned(), None),
        None => {
            let c = random_alphanumeric(43);
            // The IdP posts the Response back cross-site: only a SameSite=None cookie comes
            // with it, and browsers keep those only when Secure (so: over HTTPS).
            let same_site = if tenant.identity.base_url.starts_with("https://") {
                "SameSite=None; Secure"
            } else {
                "SameSite=Lax"
            };
            let value = format!(
                "{BROWSER_COOKIE}={c}; Path=/; HttpOnly; {same_site}; Max-Age={UPSTREAM_LIFETIME_SECS}"
            );
            (c, HeaderValue::from_str(&value).ok())
        }
    };
    let pending = UpstreamRequest {
        connection: name.clone(),
        params: flow.params.clone(),
        nonce: request.id.clone(),
        code_verifier: String::new(),
        browser: key_of(&browser),
    };
    let now = tenant.clock.now();
    let artifact = Artifact::new(
        ArtifactKind::Upstream,
        key_of(&state),
        &pending,
        now + Duration::seconds(UPSTREAM_LIFETIME_SECS),
    )?;
    tenant.store.put_artifact(artifact, now).await?;
    tracing::info!(connection = %name, "sign-in sent to the SAML identity provider");
    let mut resp = match request.send {
        Send::Redirect { url } => {
            let location = HeaderValue::from_str(&url)
                .map_err(|_| failed(flow, name, "its signInEndpoint cannot be used"))?;
            let mut resp = StatusCode::FOUND.into_response();
            resp.headers_mut().insert(header::LOCATION, location);
            resp
        }
        Send::Post { action, fields } => pages::form_post(&action, fields),
    };
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    session::set(&mut resp, set_browser);
    Ok(resp)
}

/// The IdP's answer, posted to the ACS URL.
#[derive(Debug, Deserialize)]
pub struct Posted {
    #[serde(rename = "SAMLResponse")]
    pub saml_response: Option<String>,
    #[serde(rename = "RelayState")]
    pub relay_state: Option<String>,
}

/// `POST /login/callback?connection=NAME`.
pub async fn callback(
    State(login): State<Login>,
    headers: HeaderMap,
    form: Result<Form<Posted>, FormRejection>,
) -> Response {
    let rid = answer::request_id(&headers);
    let page = |status: StatusCode, message: &str| {
        pages::error(status, "Sign-in failed", message, "invalid_request", &rid)
    };
    let Ok(Form(posted)) = form else {
        return page(
            StatusCode::BAD_REQUEST,
            "The identity provider's answer could not be read.",
        );
    };
    let Some(saml_response) = posted.saml_response.filter(|r| !r.is_empty()) else {
        return page(
            StatusCode::BAD_REQUEST,
            "The identity provider's answer has no SAMLResponse.",
        );
    };
    let Some(state) = posted
        .relay_state
        .as_deref()
        .filter(|s| !s.is_empty() && s.len() <= 512)
    else {
        // IdP-initiated sign-in (no request of ours to answer) is not supported yet.
        tracing::warn!("a SAML response without RelayState (IdP-initiated) was refused");
        return page(
            StatusCode::BAD_REQUEST,
            "Sign-in started at the identity provider (IdP-initiated) is not supported. Start from the application.",
        );
    };
    let request = match take_pending(&login, &headers, state, BROWSER_COOKIE).await {
        Ok(r) => r,
        Err(page) => return *page,
    };
    let resp = match finish(&login, request, saml_response).await {
        Ok(resp) => resp,
        Err(e) => answer::failure(e, &headers),
    };
    onward(resp)
}

async fn finish(
    login: &Login,
    request: UpstreamRequest,
    saml_response: String,
) -> Result<Response, FlowError> {
    let tenant = &login.tenant;
    let flow = resolve(tenant, request.params).await?;
    let name = request.connection;
    let Some(door) = flow
        .doors
        .iter()
        .find(|d| d.connection.name == name && is_saml(d))
    else {
        return Err(failed(&flow, &name, "the connection is no longer enabled"));
    };
    let options = &door.connection.options;
    let certs = text(options, "signingCert")
        .ok_or_else(|| failed(&flow, &name, "the connection has no signingCert"))
        .and_then(|c| IdpCertificates::parse(c).map_err(|e| failed(&flow, &name, e)))?;
    let map = fields_map(options.get("fieldsMap")).map_err(|e| failed(&flow, &name, e))?;
    let sp = service_provider(tenant, &door.connection);
    let expected_id = request.nonce.clone();
    let now = tenant.clock.now();
    // libxml2/libxmlsec1 work: off the async runtime.
    let verified = tokio::task::spawn_blocking(move || {
        sp.verify_response(
            &certs,
            &saml_response,
            Expected {
                in_response_to: Some(&expected_id),
                now,
            },
        )
    })
    .await
    .map_err(|e| FlowError::Internal(orgwarden_domain::Error::Internal(e.into())))?;
    let identity = verified.map_err(|e| refused(&flow, &name, e))?;
    if !first_use(tenant, &identity).await? {
        tracing::warn!(connection = %name, "a SAML assertion was replayed");
        return Err(failed(&flow, &name, "this SAML assertion was already used"));
    }
    let profile = map_profile(&identity, &map);
    let mut claims = Map::new();
    for (k, v) in [
        ("email", &profile.email),
        ("name", &profile.name),
        ("given_name", &profile.given_name),
        ("family_name", &profile.family_name),
    ] {
        if let Some(v) = v {
            claims.insert(k.to_owned(), Value::String(v.clone()));
        }
    }
    sign_in_as(
        tenant,
        &flow,
        door,
        &profile.user_id,
        &claims,
        "a SAML identity provider",
    )
    .await
}

fn refused(flow: &Flow, connection: &str, e: SamlError) -> FlowError {
    tracing::warn!(connection = %connection, error = %e, "a SAML response was refused");
    failed(flow, connection, e)
}

/// Records `identity`'s assertion id until it expires; false when it was already recorded
/// (a replay). Two posts at once: the second insert fails on the key.
async fn first_use(tenant: &Tenant, identity: &SamlIdentity) -> Result<bool, FlowError> {
    let now = tenant.clock.now();
    let key = key_of(&format!(
        "samlp:{}:{}",
        identity.issuer, identity.assertion_id
    ));
    let store = &tenant.store;
    if store
        .get_artifact(ArtifactKind::Assertion, &key, now)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    // Kept past NotOnOrAfter by the clock skew verification allows.
    let expires = identity.not_on_or_after.max(now) + Duration::seconds(120);
    let marker = Artifact::new(
        ArtifactKind::Assertion,
        key,
        &serde_json::json!({}),
        expires,
    )?;
    Ok(store.put_artifact(marker, now).await.is_ok())
}
