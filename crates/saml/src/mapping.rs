//! From a verified identity to profile fields, as Auth0 maps a samlp connection's attributes.
//!
//! `options.fieldsMap` is an object `{ "profile_field": "Attribute Name" }` or
//! `{ "profile_field": ["first choice", "fallback", …] }`, merged over the default mapping below
//! (a field the map names replaces the default for that field only). The first listed attribute
//! that has a value wins; several values make an array only for `groups` and unknown fields.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{SamlError, SamlIdentity};

const CLAIMS: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/";

/// The default samlp mapping: WS-Federation claim names, as ADFS and Azure AD send them (Auth0's
/// defaults for email, name, given_name, family_name and groups). The user id is the
/// `nameidentifier` claim when sent, else the Subject's NameID; unlike a display name or a UPN,
/// those are the IdP's stable identifiers, and a user id must never follow a rename.
pub fn default_fields_map() -> BTreeMap<String, Vec<String>> {
    let c = |name: &str| format!("{CLAIMS}{name}");
    BTreeMap::from([
        ("user_id".into(), vec![c("nameidentifier")]),
        ("email".into(), vec![c("emailaddress"), c("upn")]),
        ("name".into(), vec![c("name")]),
        ("given_name".into(), vec![c("givenname")]),
        ("family_name".into(), vec![c("surname")]),
        (
            "groups".into(),
            vec!["http://schemas.xmlsoap.org/claims/Group".into()],
        ),
    ])
}

/// Bounds from Auth0's schema for `fieldsMap`.
const MAX_FIELDS: usize = 44;
const MAX_CHOICES: usize = 4;
const MAX_NAME: usize = 2048;

/// The profile a SAML sign-in yields.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SamlProfile {
    /// The part after `samlp|{connection}|`: the mapped `user_id` attribute, else the NameID.
    pub user_id: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub groups: Vec<String>,
    /// Fields the map names beyond those: one value as a string, several as an array.
    pub other: BTreeMap<String, Value>,
}

/// Reads `options.fieldsMap` (absent or `null`: the defaults only), refusing a shape Auth0's
/// schema refuses.
pub fn fields_map(option: Option<&Value>) -> Result<BTreeMap<String, Vec<String>>, SamlError> {
    let mut map = default_fields_map();
    let Some(option) = option.filter(|v| !v.is_null()) else {
        return Ok(map);
    };
    let bad = |why: &str| SamlError::Unsupported {
        option: "fieldsMap",
        value: why.to_owned(),
    };
    let object = option.as_object().ok_or_else(|| bad("must be an object"))?;
    if object.len() > MAX_FIELDS {
        return Err(bad("more than 44 fields"));
    }
    for (field, names) in object {
        let names = match names {
            Value::String(s) => vec![s.clone()],
            Value::Array(items) if items.len() <= MAX_CHOICES => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| bad("an array holds a non-string"))
                })
                .collect::<Result<_, _>>()?,
            Value::Array(_) => return Err(bad("more than 4 attribute names for one field")),
            _ => return Err(bad("a value is neither a string nor an array of strings")),
        };
        if names.iter().any(|n| n.len() > MAX_NAME) {
            return Err(bad("an attribute name is longer than 2048 characters"));
        }
        map.insert(field.clone(), names);
    }
    Ok(map)
}

/// Applies a mapping (from [`fields_map`]) to a verified identity.
pub fn map_profile(identity: &SamlIdentity, map: &BTreeMap<String, Vec<String>>) -> SamlProfile {
    let values = |field: &str| -> &[String] {
        map.get(field)
            .into_iter()
            .flatten()
            .find_map(|attr| identity.attributes.get(attr).filter(|v| !v.is_empty()))
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    let first = |field: &str| values(field).first().cloned();
    let mut profile = SamlProfile {
        user_id: first("user_id").unwrap_or_else(|| identity.name_id.clone()),
        email: first("email"),
        name: first("name"),
        given_name: first("given_name"),
        family_name: first("family_name"),
        groups: values("groups").to_vec(),
        other: BTreeMap::new(),
    };
    for field in map.keys() {
        if matches!(
            field.as_str(),
            "user_id" | "email" | "name" | "given_name" | "family_name" | "groups"
        ) {
            continue;
        }
        match values(field) {
            [] => {}
            [one] => {
                profile
                    .other
                    .insert(field.clone(), Value::String(one.clone()));
            }
            many => {
                profile.other.insert(
                    field.clone(),
                    many.iter().cloned().map(Value::String).collect(),
                );
            }
        }
    }
    profile
}
