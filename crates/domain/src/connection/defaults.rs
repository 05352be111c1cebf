//! The defaults Auth0 adds to a new connection, by strategy, as recorded against a real tenant
//! (`shared/reference/recordings`). Only keys the caller left out are added.

use serde_json::{json, Map, Value};

fn add_missing(options: &mut Map<String, Value>, defaults: Value) {
    if let Value::Object(d) = defaults {
        for (k, v) in d {
            options.entry(k).or_insert(v);
        }
    }
}

pub(super) fn options(strategy: &str, mut options: Map<String, Value>) -> Map<String, Value> {
    let defaults = match strategy {
        "auth0" => json!({
            "mfa": {"active": true, "return_enroll_settings": true},
            "passwordPolicy": "good",
            "strategy_version": 2,
            "authentication_methods": {"password": {"enabled": true}, "passkey": {"enabled": false}},
            "passkey_options": {"challenge_ui": "both", "progressive_enrollment_enabled": true, "local_enrollment_enabled": true},
            "brute_force_protection": true
        }),
        "ad" => json!({"ips": null, "brute_force_protection": true}),
        "facebook" => json!({"scope": ""}),
        "github" | "salesforce" => json!({"scope": []}),
        "windowslive" => json!({"signin": true, "scope": []}),
        "linkedin" => json!({"profile": true, "scope": ["r_liteprofile"]}),
        _ => json!({}),
    };
    add_missing(&mut options, defaults);
    options
}

/// Auth0 fills `display_name` with the name for some enterprise strategies.
pub(super) fn display_name(strategy: &str, name: &str) -> Option<String> {
    matches!(strategy, "waad").then(|| name.to_owned())
}

/// `authentication` / `connected_accounts`: echoed when given.
pub(super) fn purposes(
    _strategy: &str,
    authentication: Option<Value>,
    connected_accounts: Option<Value>,
) -> (Option<Value>, Option<Value>) {
    (authentication, connected_accounts)
}
