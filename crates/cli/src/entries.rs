//! `KEY=VALUE` arguments (`--metadata tier=gold`, `--option requires_username=true`).

use serde_json::{Map, Value};

/// A `KEY=VALUE` argument, split at its first `=`.
pub fn parse_entry(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{s:?} is not KEY=VALUE"))
}

/// Entries as a JSON object whose values are JSON where they parse as JSON (`true`, `8`,
/// `["a"]`, `{"k":1}`) and strings otherwise (`abc`).
pub fn json_object(entries: &[(String, String)]) -> Map<String, Value> {
    entries
        .iter()
        .map(|(k, v)| {
            let value = serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.clone()));
            (k.clone(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_json_when_they_parse_and_strings_otherwise() {
        let entries = vec![
            parse_entry("requires_username=true").unwrap(),
            parse_entry("min=8").unwrap(),
            parse_entry("name=a=b").unwrap(),
        ];
        assert_eq!(
            Value::Object(json_object(&entries)),
            json!({ "requires_username": true, "min": 8, "name": "a=b" })
        );
        assert!(parse_entry("novalue").is_err());
    }
}
