//! What a person's tokens and `/userinfo` say: the OpenID Connect standard claims Auth0 sends
//! for each scope, and which API scopes and permissions an access token carries.

use serde_json::{json, Map, Value};

use super::authorize::has_scope;
use crate::clock::iso8601_millis;
use crate::resource_server::ResourceServer;
use crate::user::User;

/// The scopes of OpenID Connect itself (not an API's).
pub const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

/// The profile claims for `scope`: `sub` always; `profile` adds name, nickname, picture,
/// updated_at (and given/family names when set); `email` adds email and email_verified.
pub fn profile_claims(user: &User, scope: &str) -> Map<String, Value> {
    let p = &user.profile;
    let mut m = Map::new();
    if has_scope(scope, "profile") {
        if let Some(g) = &p.given_name {
            m.insert("given_name".into(), json!(g));
        }
        if let Some(f) = &p.family_name {
            m.insert("family_name".into(), json!(f));
        }
        m.insert("nickname".into(), json!(p.nickname));
        m.insert("name".into(), json!(p.name));
        m.insert("picture".into(), json!(p.picture));
        m.insert("updated_at".into(), json!(iso8601_millis(user.updated_at)));
    }
    if has_scope(scope, "email") {
        if let Some(e) = &p.email {
            m.insert("email".into(), json!(e));
            m.insert("email_verified".into(), json!(p.email_verified));
        }
    }
    m.insert("sub".into(), json!(user.id.as_str()));
    m
}

/// The scopes a person's access token carries: the OpenID Connect ones asked for, and of an
/// API's scopes those asked for that the API defines, narrowed to the person's `permissions`
/// when the API enforces RBAC. Also the `permissions` claim, when the API asks for it
/// (`token_dialect: access_token_authz`).
pub fn granted(
    asked: &str,
    api: Option<&ResourceServer>,
    permissions: &[String],
) -> (Vec<String>, Option<Vec<String>>) {
    let mut scopes: Vec<String> = Vec::new();
    for s in asked.split_whitespace() {
        if scopes.iter().any(|x| x == s) {
            continue;
        }
        let keep = if OIDC_SCOPES.contains(&s) {
            true
        } else if let Some(api) = api {
            let defined = api.settings.scopes.iter().any(|d| d.value == s);
            let enforced = api.settings.enforce_policies == Some(true);
            defined && (!enforced || permissions.iter().any(|p| p == s))
        } else {
            false
        };
        if keep {
            scopes.push(s.to_owned());
        }
    }
    let claim = api
        .filter(|a| {
            a.settings.enforce_policies == Some(true)
                && a.settings.token_dialect.as_deref() == Some("access_token_authz")
        })
        .map(|_| permissions.to_vec());
    (scopes, claim)
}
