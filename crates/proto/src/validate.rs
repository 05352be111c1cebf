//! A small JSON-schema checker that words its errors as Auth0 does (Auth0 validates with
//! z-schema): `Payload validation error: 'String is too long (51 chars), maximum 50' on property
//! name (The name of this organization).` Each entity declares the schema of its create and
//! update bodies; the first error found is reported, and nothing is changed. The error names
//! the property it is about as data ([`Invalid::field`]), beside the message.

use serde_json::{Map, Value};

pub use crate::error::Invalid;

/// A named string format, with the check behind it.
#[derive(Clone, Copy)]
pub struct Format {
    pub name: &'static str,
    pub check: fn(&str) -> bool,
}

pub enum Schema {
    Any,
    Bool,
    Integer {
        min: i64,
        max: i64,
    },
    Str {
        min: usize,
        max: usize,
        format: Option<Format>,
    },
    /// A string that must match a regular expression (`text`), checked by `check`.
    Pattern {
        max: usize,
        text: &'static str,
        check: fn(&str) -> bool,
    },
    Enum(&'static [&'static str]),
    Array {
        items: Box<Schema>,
        max: Option<usize>,
        unique: bool,
    },
    Object(ObjectSchema),
    /// The inner schema, or JSON `null`.
    Nullable(Box<Schema>),
}

pub struct Prop {
    pub name: &'static str,
    pub description: &'static str,
    pub schema: Schema,
}

#[derive(Default)]
pub struct ObjectSchema {
    pub props: Vec<Prop>,
    pub required: Vec<&'static str>,
    /// `None`: other properties are rejected. `Some(schema)`: other properties must match it.
    pub additional: Option<Box<Schema>>,
    pub min_props: Option<usize>,
    pub max_props: Option<usize>,
}

impl ObjectSchema {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn prop(mut self, name: &'static str, description: &'static str, schema: Schema) -> Self {
        self.props.push(Prop {
            name,
            description,
            schema,
        });
        self
    }

    pub fn required(mut self, names: &[&'static str]) -> Self {
        self.required.extend_from_slice(names);
        self
    }

    pub fn additional(mut self, schema: Schema) -> Self {
        self.additional = Some(Box::new(schema));
        self
    }

    pub fn min_props(mut self, n: usize) -> Self {
        self.min_props = Some(n);
        self
    }

    pub fn max_props(mut self, n: usize) -> Self {
        self.max_props = Some(n);
        self
    }

    pub fn build(self) -> Schema {
        Schema::Object(self)
    }
}

pub fn string(min: usize, max: usize) -> Schema {
    Schema::Str {
        min,
        max,
        format: None,
    }
}

pub fn formatted(min: usize, max: usize, format: Format) -> Schema {
    Schema::Str {
        min,
        max,
        format: Some(format),
    }
}

pub fn nullable(schema: Schema) -> Schema {
    Schema::Nullable(Box::new(schema))
}

pub fn array(items: Schema, max: Option<usize>, unique: bool) -> Schema {
    Schema::Array {
        items: Box::new(items),
        max,
        unique,
    }
}

/// Where the value came from; it opens the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Payload,
    Query,
    Path,
}

impl Origin {
    fn label(self) -> &'static str {
        match self {
            Origin::Payload => "Payload",
            Origin::Query => "Query",
            Origin::Path => "Path",
        }
    }
}

/// `Payload validation error: '<template>' on property <path> (<description>).`
pub fn message(origin: Origin, template: &str, path: &str, description: &str) -> String {
    let label = origin.label();
    match (path.is_empty(), description.is_empty()) {
        (true, _) => format!("{label} validation error: '{template}'."),
        (false, true) => format!("{label} validation error: '{template}' on property {path}."),
        (false, false) => {
            format!("{label} validation error: '{template}' on property {path} ({description}).")
        }
    }
}

pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The error for a rule broken at `path` (`""` for the body itself), worded as Auth0 does.
pub fn invalid(origin: Origin, template: &str, path: &str, description: &str) -> Invalid {
    Invalid {
        message: message(origin, template, path, description),
        field: (!path.is_empty()).then(|| path.to_owned()),
    }
}

/// Checks `value` against `schema`; the error is the first rule broken.
pub fn check(value: &Value, schema: &Schema, origin: Origin) -> Result<(), Invalid> {
    Checker { origin }.check(value, schema, "", "")
}

struct Checker {
    origin: Origin,
}

impl Checker {
    fn fail(&self, template: String, path: &str, description: &str) -> Result<(), Invalid> {
        Err(invalid(self.origin, &template, path, description))
    }

    fn check(&self, value: &Value, schema: &Schema, path: &str, desc: &str) -> Result<(), Invalid> {
        let expected = match schema {
            Schema::Any => return Ok(()),
            Schema::Nullable(inner) => {
                return match value {
                    Value::Null => Ok(()),
                    _ => self.check(value, inner, path, desc),
                };
            }
            Schema::Bool => "boolean",
            Schema::Integer { .. } => "integer",
            Schema::Str { .. } | Schema::Pattern { .. } | Schema::Enum(_) => "string",
            Schema::Array { .. } => "array",
            Schema::Object(_) => "object",
        };
        let found = type_name(value);
        if found != expected {
            return self.fail(
                format!("Expected type {expected} but found type {found}"),
                path,
                desc,
            );
        }
        match (schema, value) {
            (Schema::Integer { min, max }, Value::Number(n)) => {
                let v = n.as_i64().unwrap_or(i64::MAX);
                if v < *min {
                    return self.fail(format!("Value {n} is less than minimum {min}"), path, desc);
                }
                if v > *max {
                    return self.fail(
                        format!("Value {n} is greater than maximum {max}"),
                        path,
                        desc,
                    );
                }
                Ok(())
            }
            (Schema::Str { .. } | Schema::Pattern { .. }, Value::String(s)) if s.contains('\0') => {
                // Every backend must store what it accepts; PostgreSQL text cannot hold NUL.
                self.fail("String must not contain NUL characters".into(), path, desc)
            }
            (Schema::Str { min, max, format }, Value::String(s)) => {
                let len = s.chars().count();
                if len > *max {
                    return self.fail(
                        format!("String is too long ({len} chars), maximum {max}"),
                        path,
                        desc,
                    );
                }
                if len < *min {
                    return self.fail(
                        format!("String is too short ({len} chars), minimum {min}"),
                        path,
                        desc,
                    );
                }
                match format {
                    Some(f) if !(f.check)(s) => self.fail(
                        format!("Object didn't pass validation for format {}: {s}", f.name),
                        path,
                        desc,
                    ),
                    _ => Ok(()),
                }
            }
            (Schema::Pattern { max, text, check }, Value::String(s)) => {
                let len = s.chars().count();
                if len > *max {
                    return self.fail(
                        format!("String is too long ({len} chars), maximum {max}"),
                        path,
                        desc,
                    );
                }
                if check(s) {
                    Ok(())
                } else {
                    self.fail(
                        format!("String does not match pattern {text}: {s}"),
                        path,
                        desc,
                    )
                }
            }
            (Schema::Enum(allowed), Value::String(s)) => {
                if allowed.contains(&s.as_str()) {
                    Ok(())
                } else {
                    self.fail(format!("No enum match for: {s}"), path, desc)
                }
            }
            (Schema::Array { items, max, unique }, Value::Array(a)) => {
                if let Some(max) = max {
                    if a.len() > *max {
                        return self.fail(
                            format!("Array is too long ({}), maximum {max}", a.len()),
                            path,
                            desc,
                        );
                    }
                }
                if *unique {
                    if let Some((j, i)) = first_duplicate(a) {
                        return self.fail(
                            format!("Array items are not unique (indexes {j} and {i})"),
                            path,
                            desc,
                        );
                    }
                }
                for (i, item) in a.iter().enumerate() {
                    self.check(item, items, &format!("{path}[{i}]"), desc)?;
                }
                Ok(())
            }
            (Schema::Object(o), Value::Object(m)) => self.check_object(m, o, path, desc),
            _ => Ok(()),
        }
    }

    fn check_object(
        &self,
        m: &Map<String, Value>,
        o: &ObjectSchema,
        path: &str,
        desc: &str,
    ) -> Result<(), Invalid> {
        if let Some(max) = o.max_props {
            if m.len() > max {
                return self.fail(
                    format!("Too many properties defined ({}), maximum {max}", m.len()),
                    path,
                    desc,
                );
            }
        }
        if let Some(min) = o.min_props {
            if m.len() < min {
                return self.fail(
                    format!("Too few properties defined ({}), minimum {min}", m.len()),
                    path,
                    desc,
                );
            }
        }
        for name in &o.required {
            if !m.contains_key(*name) {
                return self.fail(format!("Missing required property: {name}"), path, desc);
            }
        }
        if o.additional.is_none() {
            let extra: Vec<&str> = m
                .keys()
                .filter(|k| !o.props.iter().any(|p| p.name == k.as_str()))
                .map(String::as_str)
                .collect();
            if !extra.is_empty() {
                return self.fail(
                    format!("Additional properties not allowed: {}", extra.join(",")),
                    path,
                    desc,
                );
            }
        }
        for (key, value) in m {
            let child = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            match o.props.iter().find(|p| p.name == key.as_str()) {
                Some(p) => self.check(value, &p.schema, &child, p.description)?,
                None => {
                    if let Some(extra) = &o.additional {
                        self.check(value, extra, &child, desc)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// A text equal for equal JSON values (object keys sorted, as JSON Schema's equality ignores
/// their order).
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), canonical(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// The first repeated item of `a`: (index of its first occurrence, index of the repeat). One
/// pass with a hash set, so a long array costs linear time, not quadratic.
fn first_duplicate(a: &[Value]) -> Option<(usize, usize)> {
    let mut seen: std::collections::HashMap<String, usize> =
        std::collections::HashMap::with_capacity(a.len());
    for (i, x) in a.iter().enumerate() {
        let key = canonical(x);
        if let Some(j) = seen.get(&key) {
            return Some((*j, i));
        }
        seen.insert(key, i);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Schema {
        ObjectSchema::new()
            .prop("name", "The name of this organization", string(1, 50))
            .prop("flag", "", Schema::Bool)
            .required(&["name"])
            .build()
    }

    #[test]
    fn finds_repeated_items_in_linear_time() {
        let s = ObjectSchema::new()
            .prop("scope", "", array(string(1, 280), None, true))
            .build();
        let many: Vec<String> = (0..60_000).map(|i| format!("s{i}")).collect();
        assert!(check(&json!({ "scope": many }), &s, Origin::Payload).is_ok());
        let mut repeated = many.clone();
        repeated.push("s7".into());
        assert_eq!(
            check(&json!({ "scope": repeated }), &s, Origin::Payload).unwrap_err(),
            "Payload validation error: 'Array items are not unique (indexes 7 and 60000)' on property scope."
        );
        assert_eq!(
            check(&json!({ "scope": [1] }), &s, Origin::Payload)
                .unwrap_err()
                .field
                .as_deref(),
            Some("scope[0]")
        );
        assert_eq!(
            first_duplicate(&[json!({"a": 1, "b": 2}), json!(1), json!({"b": 2, "a": 1})]),
            Some((0, 2))
        );
        assert_eq!(first_duplicate(&[json!(1), json!("1")]), None);
    }

    #[test]
    fn words_errors_like_auth0() {
        let s = schema();
        assert_eq!(
            check(&json!({}), &s, Origin::Payload).unwrap_err(),
            "Payload validation error: 'Missing required property: name'."
        );
        assert_eq!(
            check(&json!({"name": "a", "scopes": 1}), &s, Origin::Payload).unwrap_err(),
            "Payload validation error: 'Additional properties not allowed: scopes'."
        );
        assert_eq!(
            check(&json!({"name": "x".repeat(51)}), &s, Origin::Payload).unwrap_err(),
            "Payload validation error: 'String is too long (51 chars), maximum 50' on property name (The name of this organization)."
        );
        assert_eq!(
            check(&json!({"name": "a", "flag": "yes"}), &s, Origin::Payload).unwrap_err(),
            "Payload validation error: 'Expected type boolean but found type string' on property flag."
        );
        assert!(check(&json!({"name": "a", "flag": true}), &s, Origin::Payload).is_ok());
        assert!(check(&json!({"name": "a\u{0}b"}), &s, Origin::Payload)
            .unwrap_err()
            .message
            .contains("NUL"));
    }
}
