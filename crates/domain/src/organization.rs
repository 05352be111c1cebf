//! Organizations: their fields, Auth0's rules for them, and the create/update bodies.

use orgwarden_proto::organizations as wire;
use orgwarden_proto::organizations::{CreateOrganization, UpdateOrganization};
use serde_json::{Map, Value};

use crate::enabled_connection::{self, EnabledConnection, NewEnabledConnection};
use crate::ids::OrgId;
use crate::{Error, Result};

pub use orgwarden_proto::organizations::{
    is_valid_name, Branding, Colors, Metadata, ATTRIBUTES, MAX_METADATA_KEYS,
    MAX_METADATA_VALUE_CHARS, NAME_FORMAT,
};

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

/// `branding: {}` is no branding.
fn branding(b: Branding) -> Option<Branding> {
    (!b.is_empty()).then_some(b)
}

/// `metadata: {}` is no metadata.
fn metadata(m: Metadata) -> Option<Metadata> {
    (!m.is_empty()).then_some(m)
}

/// A `POST /organizations` body (already checked against Auth0's schema by
/// [`CreateOrganization::parse`](orgwarden_proto::Request::parse)), with the domain's rules:
/// at most 10 connections, each listed once.
impl TryFrom<CreateOrganization> for NewOrganization {
    type Error = Error;

    fn try_from(body: CreateOrganization) -> Result<Self> {
        let enabled_connections = body
            .enabled_connections
            .unwrap_or_default()
            .into_iter()
            .map(NewEnabledConnection::try_from)
            .collect::<Result<Vec<_>>>()?;
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
            name: body.name,
            display_name: body.display_name,
            branding: body.branding.and_then(branding),
            metadata: body.metadata.and_then(metadata),
            attributes: body.settings.into_attributes(),
            enabled_connections,
        })
    }
}

/// A `PATCH /organizations/{id}` body. `"metadata": {}` or `null` removes the metadata.
impl From<UpdateOrganization> for OrganizationPatch {
    fn from(body: UpdateOrganization) -> Self {
        Self {
            name: body.name,
            display_name: body.display_name.map(Some),
            branding: body.branding.map(|b| b.and_then(branding)),
            metadata: body.metadata.map(|m| m.and_then(metadata)),
            attributes: body.settings.into_attributes(),
        }
    }
}

impl Organization {
    /// The organization as the API shows it; `enabled_connections` only when given (the answer
    /// to a create that listed some).
    pub fn to_wire(&self, enabled_connections: Option<&[EnabledConnection]>) -> wire::Organization {
        wire::Organization {
            id: self.id.as_str().to_owned(),
            name: self.name.clone(),
            display_name: self.display_name.clone(),
            branding: self.branding.clone(),
            metadata: self.metadata.clone(),
            attributes: self.attributes.clone(),
            enabled_connections: enabled_connections
                .map(|list| list.iter().map(EnabledConnection::to_wire).collect()),
        }
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
    use orgwarden_proto::Request;
    use serde_json::json;

    fn create(body: Value) -> Result<NewOrganization> {
        NewOrganization::try_from(CreateOrganization::parse(&body)?)
    }

    #[test]
    fn create_reads_fields_and_applies_the_domain_rules() {
        let org = create(json!({
            "name": "acme", "display_name": "Acme",
            "branding": {"logo_url": "https://acme.com/logo.svg", "colors": {"primary": "#e3e2f0", "page_background": "#e3e2ff"}},
            "metadata": {"k": "v"}, "is_app_entitlement_active": true
        }))
        .unwrap();
        assert_eq!(org.name, "acme");
        assert_eq!(org.branding.unwrap().colors.unwrap().primary, "#e3e2f0");
        assert_eq!(org.attributes["is_app_entitlement_active"], true);

        let empty = create(json!({"name": "a", "branding": {}, "metadata": {}})).unwrap();
        assert_eq!((empty.branding, empty.metadata), (None, None));
        let twice = json!({"connection_id": "con_abc"});
        let err = create(json!({"name": "a", "enabled_connections": [twice, twice]})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Connection con_abc is listed more than once in enabled_connections."
        );
        let many: Vec<Value> = (0..11)
            .map(|i| json!({"connection_id": format!("con_{i}")}))
            .collect();
        assert!(matches!(
            create(json!({"name": "a", "enabled_connections": many})),
            Err(Error::LimitReached(_))
        ));
        let many: Map<String, Value> = (0..26).map(|i| (format!("k{i}"), json!("v"))).collect();
        let err = create(json!({"name": "a", "metadata": many})).unwrap_err();
        assert!(
            err.to_string()
                .contains("'Too many properties defined (26), maximum 25' on property metadata"),
            "{err}"
        );
    }

    #[test]
    fn patch_keeps_left_out_fields_and_empty_metadata_removes() {
        let patch = OrganizationPatch::from(
            UpdateOrganization::parse(&json!({"metadata": {}, "token_quota": null})).unwrap(),
        );
        assert_eq!(patch.name, None);
        assert_eq!(patch.metadata, Some(None));
        assert_eq!(patch.attributes["token_quota"], Value::Null);
    }
}
