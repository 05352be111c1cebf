//! `fields` and `include_fields` on reads: the parameters read once, the way Auth0 validates
//! them (its messages quote each endpoint's own description of them), and the typed body cut to
//! the fields asked for.

use orgwarden_domain::validate::{message, Origin};
use serde_json::Value;

use super::query::Query;
use crate::error::{ApiError, ApiResult};

/// The description most endpoints give `fields` in Auth0's OpenAPI.
pub const FIELDS_DESC: &str = "Comma-separated list of fields to include or exclude (based on value provided for include_fields) in the result. Leave empty to retrieve all fields.";
/// The description most endpoints give `include_fields`.
pub const INCLUDE_FIELDS_DESC: &str =
    "Whether specified fields are to be included (true) or excluded (false).";

/// How one endpoint documents and bounds its `fields` parameter.
pub struct FieldsParam {
    pub fields_desc: &'static str,
    pub include_desc: &'static str,
    /// The longest `fields` value accepted, where Auth0's schema sets one.
    pub max_len: Option<usize>,
    /// The field names accepted and the pattern Auth0's message quotes, where its schema has
    /// an enumerated pattern; any name otherwise.
    pub allowed: Option<(&'static [&'static str], &'static str)>,
}

impl FieldsParam {
    /// Any field names, Auth0's usual descriptions, at most `max_len` characters.
    pub const fn any(max_len: usize) -> Self {
        FieldsParam {
            fields_desc: FIELDS_DESC,
            include_desc: INCLUDE_FIELDS_DESC,
            max_len: Some(max_len),
            allowed: None,
        }
    }
}

/// The fields a read asked for: `None` keeps the whole body.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub fields: Option<Vec<String>>,
    pub include: bool,
}

impl Selection {
    /// Reads `fields` and `include_fields` (default true); a bad value is Auth0's 400.
    pub fn read(q: &Query, param: &FieldsParam) -> ApiResult<Selection> {
        let invalid = |template: String, name: &str, desc: &str| {
            ApiError::InvalidQuery(message(Origin::Query, &template, name, desc))
        };
        let include = q.bool("include_fields", true, param.include_desc)?;
        let raw = match param.max_len {
            Some(max) => q.string("fields", max, param.fields_desc)?,
            None => q.str("fields"),
        };
        let Some(raw) = raw.filter(|s| !s.is_empty()) else {
            return Ok(Selection {
                fields: None,
                include,
            });
        };
        let fields: Vec<String> = raw.split(',').map(|f| f.trim().to_owned()).collect();
        if let Some((allowed, pattern)) = param.allowed {
            if let Some(bad) = fields.iter().find(|f| !allowed.contains(&f.as_str())) {
                return Err(invalid(
                    format!("String does not match pattern {pattern}: {bad}"),
                    "fields",
                    param.fields_desc,
                ));
            }
        }
        Ok(Selection {
            fields: Some(fields),
            include,
        })
    }

    /// Whether `field` is named to be included (a field shown only when asked for).
    pub fn asks_for(&self, field: &str) -> bool {
        self.include
            && self
                .fields
                .as_ref()
                .is_some_and(|f| f.iter().any(|x| x == field))
    }

    /// The body cut to the selection.
    pub fn apply(&self, v: Value) -> Value {
        select_fields(v, self.fields.as_deref(), self.include)
    }
}

/// `fields=a,b` with `include_fields=true` keeps only those (Auth0 always keeps
/// `is_domain_connection` too); with `include_fields=false` it drops them.
pub fn select_fields(v: Value, fields: Option<&[String]>, include: bool) -> Value {
    let (Some(fields), Value::Object(map)) = (fields, &v) else {
        return v;
    };
    let kept = map
        .iter()
        .filter(|(k, _)| {
            let listed = fields.iter().any(|f| f == *k);
            if include {
                listed || k.as_str() == "is_domain_connection"
            } else {
                !listed
            }
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(kept)
}
