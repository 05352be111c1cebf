//! Organizations: their fields, Auth0's rules for them, and the create/update bodies.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::enabled_connection::{self, NewEnabledConnection};
use crate::ids::OrgId;
use crate::validate::{
    self, array, formatted, nullable, string, Format, ObjectSchema, Origin, Schema,
};
use crate::{Error, Result};

pub const MAX_METADATA_KEYS: usize = 25;
pub const MAX_METADATA_VALUE_CHARS: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Colors {
    pub primary: String,
    pub page_background: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Branding {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub colors: Option<Colors>,
}

impl Branding {
    fn is_empty(&self) -> bool {
        self.logo_url.is_none() && self.colors.is_none()
    }
}

/// String (or null) values, at most 25 keys.
pub type Metadata = Map<String, Value>;

#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub id: OrgId,
    pub name: String,
    pub display_name: Option<String>,
    pub branding: Option<Branding>,
    pub metadata: Option<Metadata>,
    /// Auth0's newer settings, shown back as set: `token_quota`, `third_party_client_access`,
    /// `is_app_entitlement_active`. Empty when none is set.
    pub attributes: Map<String, Value>,
}

/// What a create request asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrganization {
    pub name: String,
    pub display_name: Option<String>,
    pub branding: Option<Branding>,
    pub metadata: Option<Metadata>,
    pub attributes: Map<String, Value>,
    pub enabled_connections: Vec<NewEnabledConnection>,
}

/// A partial update: `None` keeps the field. For the optional fields, `Some(None)` removes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OrganizationPatch {
    pub name: Option<String>,
    pub display_name: Option<Option<String>>,
    pub branding: Option<Option<Branding>>,
    pub metadata: Option<Option<Metadata>>,
    /// Settings to set; a `null` value removes the setting.
    pub attributes: Map<String, Value>,
}

impl OrganizationPatch {
    pub fn apply(self, org: &mut Organization) {
        if let Some(name) = self.name {
            org.name = name;
        }
        if let Some(d) = self.display_name {
            org.display_name = d;
        }
        if let Some(b) = self.branding {
            org.branding = b;
        }
        if let Some(m) = self.metadata {
            org.metadata = m;
        }
        for (k, v) in self.attributes {
            if v.is_null() {
                org.attributes.remove(&k);
            } else {
                org.attributes.insert(k, v);
            }
        }
    }
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

fn is_html_color(s: &str) -> bool {
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

/// The settings kept in [`Organization::attributes`].
pub const ATTRIBUTES: &[&str] = &[
    "token_quota",
    "third_party_client_access",
    "is_app_entitlement_active",
];

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

fn attributes_from(body: &Value) -> Map<String, Value> {
    ATTRIBUTES
        .iter()
        .filter_map(|k| body.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect()
}

fn create_schema() -> Schema {
    let o = ObjectSchema::new()
        .prop("name", NAME_DESC, formatted(1, 50, NAME_FORMAT))
        .prop("display_name", DISPLAY_NAME_DESC, string(1, 255))
        .prop("branding", BRANDING_DESC, branding_schema())
        .prop("metadata", METADATA_DESC, metadata_schema())
        .prop(
            "enabled_connections",
            "Connections that will be enabled for this organization. See POST enabled_connections endpoint for the object format. (Max of 10 connections allowed)",
            array(enabled_connection::create_schema(), None, false),
        )
        .required(&["name"]);
    settings(o, false).build()
}

fn update_schema() -> Schema {
    let o = ObjectSchema::new()
        .prop("name", NAME_DESC, formatted(1, 50, NAME_FORMAT))
        .prop("display_name", DISPLAY_NAME_DESC, string(1, 255))
        .prop("branding", BRANDING_DESC, nullable(branding_schema()))
        .prop("metadata", METADATA_DESC, nullable(metadata_schema()));
    settings(o, true).build()
}

fn branding_from(v: &Value) -> Result<Option<Branding>> {
    if v.is_null() {
        return Ok(None);
    }
    let b: Branding = serde_json::from_value(v.clone()).map_err(|e| Error::Internal(e.into()))?;
    Ok((!b.is_empty()).then_some(b))
}

fn metadata_from(v: &Value) -> Option<Metadata> {
    v.as_object().filter(|m| !m.is_empty()).cloned()
}

impl NewOrganization {
    /// Validates a `POST /organizations` body (Auth0's rules and messages) and reads it.
    pub fn from_json(body: &Value) -> Result<Self> {
        validate::check(body, &create_schema(), Origin::Payload).map_err(Error::Invalid)?;
        let name = body["name"].as_str().unwrap_or_default().to_owned();
        let enabled_connections = match body.get("enabled_connections").and_then(Value::as_array) {
            Some(items) => items
                .iter()
                .map(NewEnabledConnection::from_checked_json)
                .collect::<Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        if enabled_connections.len() > enabled_connection::MAX_PER_ORGANIZATION {
            return Err(enabled_connection::limit_error());
        }
        for (i, c) in enabled_connections.iter().enumerate() {
            if enabled_connections[..i]
                .iter()
                .any(|d| d.connection_id == c.connection_id)
            {
                return Err(Error::invalid(format!(
                    "Connection {} is listed more than once in enabled_connections.",
                    c.connection_id
                )));
            }
        }
        Ok(Self {
            name,
            display_name: body
                .get("display_name")
                .and_then(Value::as_str)
                .map(str::to_owned),
            branding: body
                .get("branding")
                .map(branding_from)
                .transpose()?
                .flatten(),
            metadata: body.get("metadata").and_then(metadata_from),
            attributes: attributes_from(body),
            enabled_connections,
        })
    }
}

impl OrganizationPatch {
    /// Validates a `PATCH /organizations/{id}` body and reads it. `enabled_connections` is not
    /// allowed here (as Auth0). `"metadata": {}` or `null` removes the metadata.
    pub fn from_json(body: &Value) -> Result<Self> {
        validate::check(body, &update_schema(), Origin::Payload).map_err(Error::Invalid)?;
        Ok(Self {
            name: body.get("name").and_then(Value::as_str).map(str::to_owned),
            display_name: body
                .get("display_name")
                .map(|v| v.as_str().map(str::to_owned)),
            branding: body.get("branding").map(branding_from).transpose()?,
            metadata: body.get("metadata").map(metadata_from),
            attributes: attributes_from(body),
        })
    }
}

/// How an organization list may be ordered (`sort=name:1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    CreatedAt,
    Name,
    DisplayName,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub field: SortField,
    pub ascending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Sort {
            field: SortField::CreatedAt,
            ascending: true,
        }
    }
}

impl Sort {
    /// `created_at:1`, `name:-1`, `display_name:1`.
    pub fn parse(s: &str) -> Option<Sort> {
        let (field, dir) = s.split_once(':')?;
        let field = match field {
            "created_at" => SortField::CreatedAt,
            "name" => SortField::Name,
            "display_name" => SortField::DisplayName,
            _ => return None,
        };
        let ascending = match dir {
            "1" => true,
            "-1" => false,
            _ => return None,
        };
        Some(Sort { field, ascending })
    }
}

/// Checkpoints of organization lists, the same on every backend: the sort they belong to,
/// the last item's sort value and its creation sequence, separated by U+001F.
pub mod cursor {
    use super::{Organization, Sort, SortField};
    use crate::paging::invalid_from;
    use crate::Result;

    const SEPARATOR: char = '\u{1f}';

    /// Names the sort, so a cursor is not used with another sort.
    fn sort_tag(sort: Sort) -> String {
        let field = match sort.field {
            SortField::CreatedAt => "created_at",
            SortField::Name => "name",
            SortField::DisplayName => "display_name",
        };
        format!("{field}:{}", if sort.ascending { 1 } else { -1 })
    }

    fn sort_value(field: SortField, org: &Organization) -> &str {
        match field {
            SortField::CreatedAt => "",
            SortField::Name => &org.name,
            SortField::DisplayName => org.display_name.as_deref().unwrap_or(""),
        }
    }

    pub fn encode(sort: Sort, org: &Organization, seq: i64) -> String {
        format!(
            "{}{SEPARATOR}{}{SEPARATOR}{seq}",
            sort_tag(sort),
            sort_value(sort.field, org)
        )
    }

    /// The sort value and sequence of a cursor made for `sort`.
    pub fn decode(from: &str, sort: Sort) -> Result<(String, i64)> {
        let (tag, rest) = from.split_once(SEPARATOR).ok_or_else(invalid_from)?;
        let (value, seq) = rest.rsplit_once(SEPARATOR).ok_or_else(invalid_from)?;
        let seq = seq.parse().map_err(|_| invalid_from())?;
        if tag != sort_tag(sort) || value.contains('\0') {
            return Err(invalid_from());
        }
        Ok((value.to_owned(), seq))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn create_reads_fields_and_rejects_bad_ones() {
        let org = NewOrganization::from_json(&json!({
            "name": "acme", "display_name": "Acme",
            "branding": {"logo_url": "https://acme.com/logo.svg", "colors": {"primary": "#e3e2f0", "page_background": "#e3e2ff"}},
            "metadata": {"k": "v"}
        }))
        .unwrap();
        assert_eq!(org.name, "acme");
        assert_eq!(org.branding.unwrap().colors.unwrap().primary, "#e3e2f0");

        let err = NewOrganization::from_json(&json!({"name": "Bad Name"})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Payload validation error: 'Object didn't pass validation for format organization-name: Bad Name' on property name (The name of this organization.)."
        );
        let err = NewOrganization::from_json(
            &json!({"name": "a", "branding": {"logo_url": "http://x.com"}}),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("strict-https-uri-or-null"),
            "{err}"
        );
        let many: Map<String, Value> = (0..26).map(|i| (format!("k{i}"), json!("v"))).collect();
        let err = NewOrganization::from_json(&json!({"name": "a", "metadata": many})).unwrap_err();
        assert!(
            err.to_string()
                .contains("'Too many properties defined (26), maximum 25' on property metadata"),
            "{err}"
        );
    }

    #[test]
    fn patch_keeps_left_out_fields_and_empty_metadata_removes() {
        let patch = OrganizationPatch::from_json(&json!({"metadata": {}})).unwrap();
        assert_eq!(patch.name, None);
        assert_eq!(patch.metadata, Some(None));
        assert!(OrganizationPatch::from_json(&json!({"enabled_connections": []})).is_err());
    }
}
