//! `/api/v2/resource-servers`: the APIs a client can get tokens for, as shown, and the create
//! and update bodies with Auth0's schema.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::validate::{array, nullable, string, ObjectSchema, Schema};
use crate::Request;

/// Auth0's `SigningAlgorithmEnum`.
pub const SIGNING_ALGS: &[&str] = &["HS256", "RS256", "RS512", "PS256"];
/// Auth0's `ResourceServerTokenDialectSchemaEnum`.
pub const TOKEN_DIALECTS: &[&str] = &[
    "access_token",
    "access_token_authz",
    "rfc9068_profile",
    "rfc9068_profile_authz",
];
/// The longest `token_lifetime` Auth0 accepts (30 days).
pub const MAX_TOKEN_LIFETIME: i64 = 2_592_000;

/// One permission of an API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceServerScope {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A resource server as the API shows it, in Auth0's key order (recordings). The settings
/// orgwarden keeps but does not act on (`consent_policy` and the rest) are shown as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceServer {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_system: Option<bool>,
    pub identifier: String,
    pub scopes: Vec<ResourceServerScope>,
    pub signing_alg: String,
    pub allow_offline_access: bool,
    pub token_lifetime: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_lifetime_for_web: Option<i64>,
    pub skip_consent_for_verifiable_first_party_clients: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforce_policies: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_dialect: Option<String>,
    /// `consent_policy`, `authorization_details`, `token_encryption`, `proof_of_possession`,
    /// `subject_type_authorization`, in that order.
    #[serde(flatten)]
    pub settings: Map<String, Value>,
}

/// `POST /resource-servers`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CreateResourceServer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub identifier: String,
    #[serde(flatten)]
    pub fields: ResourceServerFields,
}

/// `PATCH /resource-servers/{id}`: every field but the identifier, which cannot change.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UpdateResourceServer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub fields: ResourceServerFields,
}

/// What create and update share.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResourceServerFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<ResourceServerScope>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_alg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_offline_access: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_lifetime: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_lifetime_for_web: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_dialect: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_consent_for_verifiable_first_party_clients: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforce_policies: Option<bool>,
    /// The settings kept as given ([`SETTINGS`]).
    #[serde(flatten)]
    pub settings: Map<String, Value>,
}

/// Settings orgwarden keeps and shows but does not act on, in Auth0's key order.
pub const SETTINGS: &[&str] = &[
    "consent_policy",
    "authorization_details",
    "token_encryption",
    "proof_of_possession",
    "subject_type_authorization",
];

/// `^[^<>]+$`.
pub fn is_valid_name(s: &str) -> bool {
    !s.is_empty() && !s.contains(['<', '>'])
}

const NAME_DESC: &str =
    "Friendly name for this resource server. Can not contain `<` or `>` characters.";

fn scope_schema() -> Schema {
    ObjectSchema::new()
        .prop("value", "Value of this scope.", string(1, 280))
        .prop(
            "description",
            "User-friendly description of this scope.",
            string(0, 500),
        )
        .required(&["value"])
        .build()
}

fn object() -> Schema {
    ObjectSchema::new().additional(Schema::Any).build()
}

fn common(o: ObjectSchema) -> ObjectSchema {
    o.prop("name", NAME_DESC, Schema::Pattern { max: 200, text: "^[^<>]+$", check: is_valid_name })
        .prop("scopes", "List of permissions (scopes) that this API uses.", array(scope_schema(), None, false))
        .prop("signing_alg", "Algorithm used to sign JWTs. Can be `HS256` (default) or `RS256`. `PS256` available via addon.", Schema::Enum(SIGNING_ALGS))
        .prop("signing_secret", "Secret used to sign tokens when using symmetric algorithms (HS256).", string(16, usize::MAX))
        .prop("allow_offline_access", "Whether refresh tokens can be issued for this API (true) or not (false).", Schema::Bool)
        .prop("token_lifetime", "Expiration value (in seconds) for access tokens issued for this API from the token endpoint.", Schema::Integer { min: 0, max: MAX_TOKEN_LIFETIME })
        .prop("token_lifetime_for_web", "Expiration value (in seconds) for access tokens issued for this API via Implicit or Hybrid Flows.", Schema::Integer { min: 0, max: MAX_TOKEN_LIFETIME })
        .prop("token_dialect", "Dialect of issued access token.", Schema::Enum(TOKEN_DIALECTS))
        .prop("skip_consent_for_verifiable_first_party_clients", "Whether to skip user consent for applications flagged as first party (true) or not (false).", Schema::Bool)
        .prop("enforce_policies", "Whether to enforce authorization policies (true) or to ignore them (false).", Schema::Bool)
        .prop("consent_policy", "", nullable(Schema::Enum(&["transactional-authorization-with-mfa"])))
        .prop("authorization_details", "", nullable(array(Schema::Any, None, false)))
        .prop("token_encryption", "", nullable(object()))
        .prop("proof_of_possession", "", nullable(object()))
        .prop("subject_type_authorization", "", object())
}

impl Request for CreateResourceServer {
    fn schema() -> Schema {
        common(ObjectSchema::new())
            .prop("identifier", "Unique identifier for the API used as the audience parameter on authorization calls. Can not be changed once set.", string(1, 600))
            .required(&["identifier"])
            .build()
    }
}

impl Request for UpdateResourceServer {
    fn schema() -> Schema {
        common(ObjectSchema::new()).build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::round_trip;
    use serde_json::json;

    #[test]
    fn shapes_round_trip() {
        let rs: ResourceServer = round_trip(json!({
            "id": "66b1fe07da0f5b2d35c5c011", "name": "API", "identifier": "https://api.example.com/",
            "scopes": [{"value": "create:resource", "description": "Create Resource"}],
            "signing_alg": "PS256", "allow_offline_access": false, "token_lifetime": 7200,
            "token_lifetime_for_web": 3600, "skip_consent_for_verifiable_first_party_clients": false,
            "enforce_policies": true, "token_dialect": "rfc9068_profile_authz",
            "subject_type_authorization": {"user": {"policy": "allow_all"}}
        }));
        assert_eq!(rs.settings.len(), 1);
        let c: CreateResourceServer = round_trip(json!({
            "identifier": "https://api", "scopes": [{"value": "a"}], "consent_policy": null
        }));
        assert_eq!(c.fields.settings["consent_policy"], Value::Null);
        round_trip::<UpdateResourceServer>(json!({"name": "x", "token_lifetime": 60}));
    }

    #[test]
    fn bad_bodies_are_refused_with_auth0_messages() {
        let e = CreateResourceServer::parse(&json!({"name": "x"})).unwrap_err();
        assert_eq!(
            e.message,
            "Payload validation error: 'Missing required property: identifier'."
        );
        let e = UpdateResourceServer::parse(&json!({"identifier": "x"})).unwrap_err();
        assert_eq!(
            e.message,
            "Payload validation error: 'Additional properties not allowed: identifier'."
        );
        let e = CreateResourceServer::parse(&json!({"identifier": "x", "signing_alg": "none"}))
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("signing_alg"));
    }
}
