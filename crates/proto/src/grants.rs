//! `/api/v2/client-grants`: a client's permission to get tokens for an API (audience) with
//! some scopes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::validate::{array, string, ObjectSchema, Schema};
use crate::Request;

pub const MAX_GRANT_SCOPES: usize = 1000;

/// `id, client_id, audience, scope`, then the other properties as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientGrant {
    pub id: String,
    pub client_id: String,
    pub audience: String,
    pub scope: Vec<String>,
    #[serde(flatten)]
    pub attributes: Map<String, Value>,
}

/// `POST /client-grants`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CreateClientGrant {
    pub client_id: String,
    pub audience: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Vec<String>>,
    /// The properties in [`GRANT_PASSTHROUGH`], as given.
    #[serde(flatten)]
    pub attributes: Map<String, Value>,
}

/// `PATCH /client-grants/{id}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UpdateClientGrant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Vec<String>>,
    #[serde(flatten)]
    pub attributes: Map<String, Value>,
}

/// `is_system` is not here: Auth0 sets it on the grants it manages, and no request may.
pub const GRANT_PASSTHROUGH: &[&str] = &[
    "organization_usage",
    "allow_any_organization",
    "subject_type",
    "authorization_details_types",
];

/// Whether a grant may be used for tokens of an organization.
pub const ORGANIZATION_USAGES: &[&str] = &["deny", "allow", "require"];

/// `POST /organizations/{id}/client-grants`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssociateOrganizationClientGrant {
    pub grant_id: String,
}

impl Request for AssociateOrganizationClientGrant {
    fn schema() -> Schema {
        ObjectSchema::new()
            .prop(
                "grant_id",
                "A Client Grant ID to add to the organization.",
                string(1, 50),
            )
            .required(&["grant_id"])
            .build()
    }
}

/// The answer to an association: the grant, named by `grant_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationClientGrant {
    pub grant_id: String,
    pub client_id: String,
    pub audience: String,
    pub scope: Vec<String>,
}

fn grant_schema(create: bool) -> Schema {
    let mut o = ObjectSchema::new().prop(
        "scope",
        "Scopes allowed for this client grant.",
        array(string(1, 280), Some(MAX_GRANT_SCOPES), true),
    );
    for p in GRANT_PASSTHROUGH {
        let schema = match *p {
            "organization_usage" => Schema::Enum(ORGANIZATION_USAGES),
            "allow_any_organization" => Schema::Bool,
            _ => Schema::Any,
        };
        o = o.prop(p, "", schema);
    }
    if create {
        o.prop("client_id", "ID of the client.", string(1, 64))
            .prop(
                "audience",
                "The audience (API identifier) of this client grant",
                string(1, 600),
            )
            .required(&["client_id", "audience"])
            .build()
    } else {
        o.min_props(1).build()
    }
}

impl Request for CreateClientGrant {
    fn schema() -> Schema {
        grant_schema(true)
    }
}

impl Request for UpdateClientGrant {
    fn schema() -> Schema {
        grant_schema(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::round_trip;
    use serde_json::json;

    #[test]
    fn shapes_round_trip() {
        let g: ClientGrant = round_trip(json!({
            "id": "cgr_x", "client_id": "abc", "audience": "https://api/", "scope": ["read:x"],
            "organization_usage": "allow"
        }));
        assert_eq!(g.attributes.len(), 1);
        round_trip::<CreateClientGrant>(
            json!({"client_id": "abc", "audience": "https://a/", "scope": ["a"], "subject_type": "client"}),
        );
        round_trip::<UpdateClientGrant>(json!({"scope": []}));
    }

    #[test]
    fn bodies_are_checked() {
        let e = CreateClientGrant::parse(
            &json!({"client_id": "abc", "audience": "https://a/", "scope": ["a", "a"]}),
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "Payload validation error: 'Array items are not unique (indexes 0 and 1)' on property scope (Scopes allowed for this client grant.)."
        );
        assert_eq!(e.field.as_deref(), Some("scope"));
        let e = UpdateClientGrant::parse(&json!({"is_system": true})).unwrap_err();
        assert_eq!(
            e.message,
            "Payload validation error: 'Additional properties not allowed: is_system'."
        );
        assert!(UpdateClientGrant::parse(&json!({})).is_err());
        assert!(UpdateClientGrant::parse(&json!({"organization_usage": "sometimes"})).is_err());
        assert!(UpdateClientGrant::parse(&json!({"allow_any_organization": "yes"})).is_err());
        assert!(UpdateClientGrant::parse(&json!({"organization_usage": "require"})).is_ok());
        assert!(AssociateOrganizationClientGrant::parse(&json!({})).is_err());
        assert!(
            AssociateOrganizationClientGrant::parse(&json!({"grant_id": "cgr_1", "x": 1})).is_err()
        );
    }
}
