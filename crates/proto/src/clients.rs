//! `/api/v2/clients`: the client as shown, and the create and update bodies with Auth0's
//! schema. Properties orgwarden does not interpret are kept in `attributes`, in the order
//! given, and shown back as given.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::validate::{self, array, string, ObjectSchema, Origin, Schema};
use crate::{Invalid, Request};

/// The shortest client secret a caller may choose (generated ones have 64 characters). Auth0's
/// schema allows one character; a guessable secret on a client that may hold Management API
/// scopes is an open door, so orgwarden refuses it (see docs/behaviour.md).
pub const MIN_SECRET_CHARS: usize = 32;

/// Caps on arrays Auth0 leaves unbounded: more than any real client has (Auth0 knows about a
/// dozen grant types; its Management API about 200 scopes).
pub const MAX_GRANT_TYPES: usize = 50;

/// A client as the API shows it: `client_id, name, [client_secret]`, then every other
/// property as stored. The secret is shown only when it is made (create, rotate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Client {
    pub client_id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(flatten)]
    pub attributes: Map<String, Value>,
}

/// `POST /clients`: `name`, and any of `app_type`, `grant_types`,
/// `token_endpoint_auth_method` and the properties in [`PASSTHROUGH`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CreateClient {
    pub name: String,
    #[serde(flatten)]
    pub attributes: Map<String, Value>,
}

/// `PATCH /clients/{id}`: the given properties replace the stored ones; `client_secret` sets
/// a secret chosen by the caller.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UpdateClient {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(flatten)]
    pub attributes: Map<String, Value>,
}

/// Properties of Auth0's client object that we accept and show back.
pub const PASSTHROUGH: &[&str] = &[
    "description",
    "logo_uri",
    "callbacks",
    "allowed_origins",
    "web_origins",
    "client_aliases",
    "allowed_clients",
    "allowed_logout_urls",
    "oidc_logout",
    "is_first_party",
    "oidc_conformant",
    "jwt_configuration",
    "encryption_key",
    "sso",
    "cross_origin_authentication",
    "cross_origin_loc",
    "sso_disabled",
    "custom_login_page_on",
    "custom_login_page",
    "custom_login_page_preview",
    "form_template",
    "addons",
    "client_metadata",
    "mobile",
    "initiate_login_uri",
    "native_social_login",
    "refresh_token",
    "default_organization",
    "organization_usage",
    "organization_require_behavior",
    "client_authentication_methods",
    "require_pushed_authorization_requests",
    "require_proof_of_possession",
    "signed_request_object",
    "compliance_level",
    "token_quota",
    "is_token_endpoint_ip_header_trusted",
];

pub const APP_TYPES: &[&str] = &[
    "native",
    "spa",
    "regular_web",
    "non_interactive",
    "resource_server",
    "express_configuration",
    "rms",
    "box",
    "cloudbees",
    "concur",
    "dropbox",
    "mscrm",
    "echosign",
    "egnyte",
    "newrelic",
    "office365",
    "salesforce",
    "sentry",
    "sharepoint",
    "slack",
    "springcm",
    "zendesk",
    "zoom",
    "sso_integration",
    "oag",
];

pub const AUTH_METHODS: &[&str] = &["none", "client_secret_post", "client_secret_basic"];

/// `organization_require_behavior`, as Auth0's schema lists it.
pub const ORGANIZATION_REQUIRE_BEHAVIORS: &[&str] =
    &["no_prompt", "pre_login_prompt", "post_login_prompt"];

const NAME_DESC: &str = "Name of this client (min length: 1 character, does not allow `<` or `>`).";

/// One of `values`; on an update also `null` (back to the default), as Auth0's PATCH schema.
fn enum_or_null(values: &'static [&'static str], nullable: bool) -> Schema {
    if nullable {
        crate::validate::nullable(Schema::Enum(values))
    } else {
        Schema::Enum(values)
    }
}

fn client_schema(create: bool) -> Schema {
    let mut o = ObjectSchema::new()
        .prop("name", NAME_DESC, string(1, 255))
        .prop("app_type", "", Schema::Enum(APP_TYPES))
        .prop(
            "grant_types",
            "List of grant types supported for this application.",
            array(string(1, 255), Some(MAX_GRANT_TYPES), true),
        )
        .prop("token_endpoint_auth_method", "", Schema::Enum(AUTH_METHODS))
        .prop(
            "organization_usage",
            "Defines how to proceed during an authentication transaction with regards an organization. Can be 'deny' (default), 'allow' or 'require'.",
            enum_or_null(crate::grants::ORGANIZATION_USAGES, !create),
        )
        .prop(
            "organization_require_behavior",
            "Defines how to proceed during an authentication transaction when `client.organization_usage: 'require'`. Can be `no_prompt` (default), `pre_login_prompt` or  `post_login_prompt`. `post_login_prompt` requires `oidc_conformant: true`.",
            enum_or_null(ORGANIZATION_REQUIRE_BEHAVIORS, !create),
        );
    // The sign-in reads these two: a value it does not know is refused, not taken as the default.
    for p in PASSTHROUGH
        .iter()
        .filter(|p| !matches!(**p, "organization_usage" | "organization_require_behavior"))
    {
        o = o.prop(p, "", Schema::Any);
    }
    if create {
        o.required(&["name"]).build()
    } else {
        o.prop(
            "client_secret",
            "The secret used to sign tokens for the client",
            string(MIN_SECRET_CHARS, 255),
        )
        .build()
    }
}

/// Auth0's `^[^<>]+$` on names, checked after the schema.
fn check_name(name: &str) -> Result<(), Invalid> {
    if name.contains('<') || name.contains('>') {
        return Err(validate::invalid(
            Origin::Payload,
            &format!("String does not match pattern ^[^<>]+$: {name}"),
            "name",
            NAME_DESC,
        ));
    }
    Ok(())
}

impl Request for CreateClient {
    fn schema() -> Schema {
        client_schema(true)
    }

    fn check(&self) -> Result<(), Invalid> {
        check_name(&self.name)
    }
}

impl Request for UpdateClient {
    fn schema() -> Schema {
        client_schema(false)
    }

    fn check(&self) -> Result<(), Invalid> {
        self.name.as_deref().map_or(Ok(()), check_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::round_trip;
    use serde_json::json;

    #[test]
    fn shapes_round_trip_keeping_the_order_of_other_properties() {
        let c: Client = round_trip(json!({
            "client_id": "abc", "name": "m2m", "client_secret": "s",
            "grant_types": ["client_credentials"], "app_type": "non_interactive", "is_first_party": true
        }));
        assert_eq!(
            c.attributes.keys().collect::<Vec<_>>(),
            ["grant_types", "app_type", "is_first_party"]
        );
        round_trip::<Client>(json!({"client_id": "abc", "name": "m2m"}));
        let c: CreateClient =
            round_trip(json!({"name": "x", "app_type": "spa", "description": "d"}));
        assert_eq!(c.attributes.len(), 2);
        let u: UpdateClient = round_trip(json!({"client_secret": "x".repeat(40), "sso": true}));
        assert_eq!(u.name, None);
    }

    #[test]
    fn bodies_are_checked() {
        assert!(CreateClient::parse(&json!({"name": "ok", "app_type": "non_interactive"})).is_ok());
        let e = CreateClient::parse(&json!({"name": "<b>"})).unwrap_err();
        assert_eq!(
            e.message,
            "Payload validation error: 'String does not match pattern ^[^<>]+$: <b>' on property name (Name of this client (min length: 1 character, does not allow `<` or `>`).)."
        );
        assert_eq!(e.field.as_deref(), Some("name"));
        let e = CreateClient::parse(&json!({"name": "x", "bogus": 1})).unwrap_err();
        assert_eq!(
            e.message,
            "Payload validation error: 'Additional properties not allowed: bogus'."
        );
        assert!(UpdateClient::parse(&json!({"client_secret": "short"})).is_err());
        assert!(UpdateClient::parse(&json!({"name": "a>b"})).is_err());
    }
}
