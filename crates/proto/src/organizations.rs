//! `/api/v2/organizations`: the organization as shown, and the create and update bodies with
//! Auth0's schema.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::enabled_connections::{self, CreateEnabledConnection, EnabledConnection};
use crate::validate::{array, formatted, nullable, string, Format, ObjectSchema, Schema};
use crate::Request;

pub const MAX_METADATA_KEYS: usize = 25;
pub const MAX_METADATA_VALUE_CHARS: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Colors {
    pub primary: String,
    pub page_background: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Branding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colors: Option<Colors>,
}

impl Branding {
    pub fn is_empty(&self) -> bool {
        self.logo_url.is_none() && self.colors.is_none()
    }
}

/// String (or null) values, at most 25 keys.
pub type Metadata = Map<String, Value>;

/// An organization as the API shows it: `id, name, [display_name], [branding], [metadata]`,
/// then its settings (`token_quota`, …) as set, then (on create only, when asked)
/// `enabled_connections`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branding: Option<Branding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// The settings in [`ATTRIBUTES`], shown back as set.
    #[serde(flatten)]
    pub attributes: Map<String, Value>,
    /// Only in the answer to a create that listed `enabled_connections`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled_connections: Option<Vec<EnabledConnection>>,
}

/// The settings an organization keeps as given.
pub const ATTRIBUTES: &[&str] = &[
    "token_quota",
    "third_party_client_access",
    "is_app_entitlement_active",
];

/// Auth0's newer organization settings, as a body gives them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Settings {
    /// `{"client_credentials": {"enforce", "per_day", "per_hour"}}`; `null` (update) removes it.
    #[serde(
        default,
        deserialize_with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub token_quota: Option<Option<Value>>,
    /// `block` or `allow`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_party_client_access: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_app_entitlement_active: Option<bool>,
}

impl Settings {
    /// The settings given, in [`ATTRIBUTES`] order; a removed one is `null`.
    pub fn into_attributes(self) -> Map<String, Value> {
        let mut m = Map::new();
        if let Some(q) = self.token_quota {
            m.insert("token_quota".into(), q.unwrap_or(Value::Null));
        }
        if let Some(a) = self.third_party_client_access {
            m.insert("third_party_client_access".into(), Value::String(a));
        }
        if let Some(a) = self.is_app_entitlement_active {
            m.insert("is_app_entitlement_active".into(), Value::Bool(a));
        }
        m
    }
}

/// `POST /organizations`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CreateOrganization {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branding: Option<Branding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled_connections: Option<Vec<CreateEnabledConnection>>,
    #[serde(flatten)]
    pub settings: Settings,
}

/// `PATCH /organizations/{id}`: a left-out field is kept; `null` removes `branding`,
/// `metadata` or `token_quota`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UpdateOrganization {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub branding: Option<Option<Branding>>,
    #[serde(
        default,
        deserialize_with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata: Option<Option<Metadata>>,
    #[serde(flatten)]
    pub settings: Settings,
}

/// Auth0: lowercase letters, digits, `_` and `-`; 1 to 50 characters. The `org_` prefix is
/// refused too, so a name can never be mistaken for an id.
pub fn is_valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 50
        && !s.starts_with("org_")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// `#rgb` or `#rrggbb`: the only colours branding accepts (and so the only ones a stylesheet
/// is ever made from).
pub fn is_html_color(s: &str) -> bool {
    let hex = match s.strip_prefix('#') {
        Some(h) => h,
        None => return false,
    };
    matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_https_uri(s: &str) -> bool {
    match s.strip_prefix("https://") {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

pub const NAME_FORMAT: Format = Format {
    name: "organization-name",
    check: is_valid_name,
};
const HTML_COLOR: Format = Format {
    name: "html-color",
    check: is_html_color,
};
const HTTPS_URI: Format = Format {
    name: "strict-https-uri-or-null",
    check: is_https_uri,
};

const NAME_DESC: &str = "The name of this organization.";
const DISPLAY_NAME_DESC: &str = "Friendly name of this organization.";
const BRANDING_DESC: &str = "Theme defines how to style the login pages.";
const METADATA_DESC: &str = "Metadata associated with the organization, in the form of an object with string values (max 255 chars). Maximum of 25 metadata properties allowed.";

fn branding_schema() -> Schema {
    let colors = ObjectSchema::new()
        .prop(
            "primary",
            "HEX Color for primary elements.",
            formatted(0, 64, HTML_COLOR),
        )
        .prop(
            "page_background",
            "HEX Color for background.",
            formatted(0, 64, HTML_COLOR),
        )
        .required(&["primary", "page_background"])
        .build();
    ObjectSchema::new()
        .prop(
            "logo_url",
            "URL of logo to display on login page.",
            nullable(formatted(0, 2048, HTTPS_URI)),
        )
        .prop(
            "colors",
            "Color scheme used to customize the login pages.",
            colors,
        )
        .build()
}

fn metadata_schema() -> Schema {
    ObjectSchema::new()
        .additional(nullable(string(0, MAX_METADATA_VALUE_CHARS)))
        .max_props(MAX_METADATA_KEYS)
        .build()
}

fn token_quota_schema() -> Schema {
    let per = || Schema::Integer {
        min: 1,
        max: 2_147_483_647,
    };
    let client_credentials = ObjectSchema::new()
        .prop("enforce", "If enabled, the quota will be enforced and requests in excess of the quota will fail. If disabled, the quota will not be enforced, but notifications for requests exceeding the quota will be available in logs.", Schema::Bool)
        .prop("per_day", "Maximum number of issued tokens per day", per())
        .prop("per_hour", "Maximum number of issued tokens per hour", per())
        .min_props(1)
        .build();
    ObjectSchema::new()
        .prop(
            "client_credentials",
            "The token quota configuration",
            client_credentials,
        )
        .required(&["client_credentials"])
        .build()
}

fn settings(o: ObjectSchema, nullable_quota: bool) -> ObjectSchema {
    let quota = if nullable_quota {
        nullable(token_quota_schema())
    } else {
        token_quota_schema()
    };
    o.prop("token_quota", "", quota)
        .prop(
            "third_party_client_access",
            "Whether third-party clients may access this organization.",
            Schema::Enum(&["block", "allow"]),
        )
        .prop("is_app_entitlement_active", "", Schema::Bool)
}

impl Request for CreateOrganization {
    fn schema() -> Schema {
        let o = ObjectSchema::new()
            .prop("name", NAME_DESC, formatted(1, 50, NAME_FORMAT))
            .prop("display_name", DISPLAY_NAME_DESC, string(1, 255))
            .prop("branding", BRANDING_DESC, branding_schema())
            .prop("metadata", METADATA_DESC, metadata_schema())
            .prop(
                "enabled_connections",
                "Connections that will be enabled for this organization. See POST enabled_connections endpoint for the object format. (Max of 10 connections allowed)",
                array(enabled_connections::create_schema(), None, false),
            )
            .required(&["name"]);
        settings(o, false).build()
    }
}

/// `enabled_connections` is not allowed here (as Auth0).
impl Request for UpdateOrganization {
    fn schema() -> Schema {
        let o = ObjectSchema::new()
            .prop("name", NAME_DESC, formatted(1, 50, NAME_FORMAT))
            .prop("display_name", DISPLAY_NAME_DESC, string(1, 255))
            .prop("branding", BRANDING_DESC, nullable(branding_schema()))
            .prop("metadata", METADATA_DESC, nullable(metadata_schema()));
        settings(o, true).build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::round_trip;
    use serde_json::json;

    #[test]
    fn names_follow_auth0s_rule() {
        assert!(is_valid_name("test-organization298"));
        assert!(is_valid_name("9lives_inc"));
        assert!(!is_valid_name("Upper"));
        assert!(!is_valid_name("has space"));
        assert!(!is_valid_name("org_lookslikeanid"));
        assert!(!is_valid_name(&"a".repeat(51)));
    }

    #[test]
    fn organizations_round_trip_in_auth0s_order() {
        let o: Organization = round_trip(json!({
            "id": "org_abc", "name": "acme", "display_name": "Acme",
            "branding": {"logo_url": "https://acme.com/l.svg", "colors": {"primary": "#fff", "page_background": "#000"}},
            "metadata": {"k": "v"},
            "token_quota": {"client_credentials": {"per_day": 5}},
            "enabled_connections": [{
                "connection_id": "con_x", "assign_membership_on_login": false,
                "is_signup_enabled": false, "show_as_button": true,
                "connection": {"name": "db", "strategy": "auth0"}
            }]
        }));
        assert_eq!(o.attributes.len(), 1);
        let bare: Organization = round_trip(json!({"id": "org_abc", "name": "acme"}));
        assert_eq!(bare.display_name, None);
    }

    #[test]
    fn create_and_update_bodies_round_trip() {
        let c: CreateOrganization = round_trip(json!({
            "name": "acme", "display_name": "Acme", "metadata": {"k": null},
            "enabled_connections": [{"connection_id": "con_x", "show_as_button": false}],
            "third_party_client_access": "block"
        }));
        assert_eq!(
            c.settings.third_party_client_access.as_deref(),
            Some("block")
        );
        let u: UpdateOrganization = round_trip(json!({"branding": null, "token_quota": null}));
        assert_eq!(u.branding, Some(None));
        assert_eq!(u.settings.token_quota, Some(None));
        assert_eq!(u.metadata, None);
        assert_eq!(
            u.settings.into_attributes(),
            json!({"token_quota": null}).as_object().unwrap().clone()
        );
    }

    #[test]
    fn parse_refuses_with_auth0s_message_and_names_the_field() {
        let e = CreateOrganization::parse(&json!({"name": "Bad Name"})).unwrap_err();
        assert_eq!(
            e.message,
            "Payload validation error: 'Object didn't pass validation for format organization-name: Bad Name' on property name (The name of this organization.)."
        );
        assert_eq!(e.field.as_deref(), Some("name"));
        let e = CreateOrganization::parse(&json!({"name": "a", "bogus": 1})).unwrap_err();
        assert_eq!(
            e.message,
            "Payload validation error: 'Additional properties not allowed: bogus'."
        );
        assert_eq!(e.field, None);
        let e = CreateOrganization::parse(
            &json!({"name": "a", "branding": {"colors": {"primary": "red", "page_background": "#fff"}}}),
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("branding.colors.primary"));
        assert!(UpdateOrganization::parse(&json!({"enabled_connections": []})).is_err());
        let ok =
            CreateOrganization::parse(&json!({"name": "acme", "branding": {"logo_url": null}}))
                .unwrap();
        assert_eq!(ok.branding, Some(Branding::default()));
    }
}
