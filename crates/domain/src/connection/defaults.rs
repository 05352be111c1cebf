//! The defaults Auth0 adds to a new connection, by strategy, as recorded against a real tenant
//! (`shared/reference/recordings`, go-auth0's cassettes). Only keys the caller left out are
//! added. Where the tenant's answer changed over time, the newest recording wins; each entry
//! names the cassettes (and their dates) it comes from.
//!
//! Not here, because they are not constants: values Auth0 derives from what was sent (SAML /
//! WS-Fed certificates and metadata parsed into `cert`, `thumbprints`, `signInEndpoint`…; OIDC
//! discovery; `scope` recomputed from the `email`/`profile`/… flags) or from the tenant
//! (`app_domain`, `provisioning_ticket_url`).

use serde_json::{json, Map, Value};

fn add_missing(options: &mut Map<String, Value>, defaults: Value) {
    if let Value::Object(d) = defaults {
        for (k, v) in d {
            options.entry(k).or_insert(v);
        }
    }
}

/// Fills the missing members of `options[key]`, only when the caller sent that object.
fn add_missing_inside(options: &mut Map<String, Value>, key: &str, defaults: Value) {
    if let Some(Value::Object(inner)) = options.get_mut(key) {
        add_missing(inner, defaults);
    }
}

/// The endpoints an OpenID Connect connection's `oidc_metadata` (its provider's discovery
/// document, as sent) names, where `options` has none.
fn endpoints_from_metadata(options: &mut Map<String, Value>) {
    let Some(Value::Object(metadata)) = options.get("oidc_metadata").cloned() else {
        return;
    };
    for key in [
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
    ] {
        let missing = options.get(key).is_none_or(Value::is_null);
        if let (true, Some(Value::String(v))) = (missing, metadata.get(key)) {
            options.insert(key.to_owned(), Value::String(v.clone()));
        }
    }
}

pub(super) fn options(strategy: &str, mut options: Map<String, Value>) -> Map<String, Value> {
    let defaults = match strategy {
        // TestConnectionManager_CreateDBConnectionWithDifferentOptions/* (2026-04-30). Older
        // tenants (2024-06 to 2025-09: TestConnectionManager_Delete, TestOrganizationManager_Create,
        // *_Auth0_Connection*) had no `api_behavior`/`signup_behavior` in
        // `authentication_methods.password`.
        "auth0" => {
            auth0_nested(&mut options);
            // `passwordPolicy` is left out when `password_options` is sent (…_PasswordOptions_*).
            if !options.contains_key("password_options") {
                add_missing(&mut options, json!({"passwordPolicy": "good"}));
            }
            json!({
                "mfa": {"active": true, "return_enroll_settings": true},
                "strategy_version": 2,
                "authentication_methods": {
                    "password": {"enabled": true, "api_behavior": "required", "signup_behavior": "allow"},
                    "passkey": {"enabled": false}
                },
                "passkey_options": {"challenge_ui": "both", "progressive_enrollment_enabled": true, "local_enrollment_enabled": true},
                "brute_force_protection": true
            })
        }
        // *_AD_Connection* (2025-05-16), TestOrganizationManager_* (2024).
        "ad" => json!({"ips": null, "brute_force_protection": true}),
        // *_ADFS_Connection* (2025-05-16); `signInEndpoint` comes from `fedMetadataXml`.
        "adfs" => {
            json!({"thumbprints": [], "should_trust_email_verified_connection": "always_set_emails_as_verified"})
        }
        // *_Azure-AD_Connection* (2025-05-16); `thumbprints` (Microsoft's current signing keys)
        // and `app_domain` (the tenant's domain) are not constants.
        "waad" => json!({
            "identity_api": "microsoft-identity-platform-v2.0",
            "useCommonEndpoint": false,
            "should_trust_email_verified_connection": "never_set_emails_as_verified",
            "waad_common_endpoint": false,
            "use_wsfed": false,
            "waad_protocol": "openid-connect"
        }),
        // *_OIDC_Connection* (2025-09-12): Auth0 also fills the endpoints sent as null (or not
        // sent) from the `oidc_metadata` sent with them.
        "oidc" => {
            endpoints_from_metadata(&mut options);
            add_missing_inside(
                &mut options,
                "oidc_metadata",
                json!({
                    "claims_parameter_supported": false,
                    "request_parameter_supported": false,
                    "request_uri_parameter_supported": false,
                    "require_request_uri_registration": false
                }),
            );
            json!({"schema_version": "oidc-V4", "attribute_map": {"mapping_mode": "bind_all"}, "connection_settings": {"pkce": "auto"}})
        }
        // *_GoogleApps_Connection* (2025-05-16).
        "google-apps" => json!({
            "map_user_id_to_id": false,
            "email": true,
            "profile": true,
            "scope": ["email", "profile"],
            "handle_login_from_social": true
        }),
        // *_GoogleOAuth2_Connection* (2025-05-16); `scope` is recomputed from the flags.
        "google-oauth2" => json!({"email": true}),
        // *_Facebook_Connection* (2025-05-16).
        "facebook" => json!({"scope": ""}),
        // *_GitHub_Connection*, *_SalesForce_Connection* (2025-05-16).
        "github" | "salesforce" => json!({"scope": []}),
        // *_WindowsLive_Connection* (2025-05-16).
        "windowslive" => json!({"signin": true, "scope": []}),
        // *_LinkedIn_Connection* (2025-05-16).
        "linkedin" => json!({"profile": true, "scope": ["r_liteprofile"]}),
        // *_Line_Connection* (2026-01-14), *_Wordpress_Connection* (2025-05-16); `scope` is
        // recomputed from the flags.
        "line" | "wordpress" => json!({"profile": true}),
        _ => json!({}),
    };
    add_missing(&mut options, defaults);
    options
}

/// Inside the objects a database connection's caller sent
/// (TestConnectionManager_CreateDBConnectionWithDifferentOptions/*, 2026-04-30).
fn auth0_nested(options: &mut Map<String, Value>) {
    // …_PasswordOptions_Complexity, …_History_and_Dictionary, …_ProfileData.
    add_missing_inside(
        options,
        "password_options",
        json!({
            "complexity": {
                "character_type_rule": "all",
                "identical_characters": "allow",
                "sequential_characters": "allow",
                "max_length_exceeded": "error",
                "min_length": 15,
                "character_types": []
            },
            "profile_data": {
                "active": false,
                "blocked_fields": [
                    "name", "username", "nickname", "email", "phone_number",
                    "user_metadata.name", "user_metadata.first", "user_metadata.last"
                ]
            },
            "history": {"active": false, "size": 3},
            "dictionary": {"active": false, "custom": [], "default": "en_100k"}
        }),
    );
    // …_with_Email_as_Identifier*.
    if let Some(Value::Object(attributes)) = options.get_mut("attributes") {
        add_missing_inside(
            attributes,
            "email",
            json!({"verification_method": "link", "unique": true}),
        );
    }
}

/// Auth0 fills `display_name` with the name for some enterprise strategies: *_Azure-AD_Connection*
/// (2025-05-16), *_OIDC_Connection* (2025-09-12).
pub(super) fn display_name(strategy: &str, name: &str) -> Option<String> {
    matches!(strategy, "waad" | "oidc").then(|| name.to_owned())
}

/// `authentication` / `connected_accounts`: echoed when given; otherwise set for the strategies
/// whose newest recordings show them: `auth0` (…CreateDBConnectionWithDifferentOptions/*,
/// 2026-04-30) and `line` (*_Line_Connection*, 2026-01-14). Recordings before 2026 have neither.
pub(super) fn purposes(
    strategy: &str,
    authentication: Option<Value>,
    connected_accounts: Option<Value>,
) -> (Option<Value>, Option<Value>) {
    if matches!(strategy, "auth0" | "line") {
        (
            authentication.or_else(|| Some(json!({"active": true}))),
            connected_accounts.or_else(|| Some(json!({"active": false}))),
        )
    } else {
        (authentication, connected_accounts)
    }
}
