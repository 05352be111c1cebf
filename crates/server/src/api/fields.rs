//! `fields` and `include_fields` on reads of connections and clients: the typed body, cut to
//! the fields asked for.

use serde_json::Value;

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
