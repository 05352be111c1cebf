//! `/api/v2/users`: people on database connections, as shown, and the create and update bodies
//! with Auth0's schema.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::validate::{string, ObjectSchema, Schema};
use crate::Request;

/// One identity of a user (orgwarden's users have one, on a database connection).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub connection: String,
    pub user_id: String,
    pub provider: String,
    #[serde(rename = "isSocial")]
    pub is_social: bool,
}

/// A user as the API shows it, in Auth0's key order (recorded: alphabetical, `app_metadata`
/// last). Unset properties are left out, as Auth0 does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub email_verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    pub identities: Vec<Identity>,
    pub name: String,
    pub nickname: String,
    pub picture: String,
    pub updated_at: String,
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_metadata: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_password_reset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_metadata: Option<Map<String, Value>>,
}

/// `POST /users`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CreateUser {
    pub connection: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_email: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_metadata: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_metadata: Option<Map<String, Value>>,
}

/// `PATCH /users/{id}`. `null` removes a profile property; metadata merge at the top level
/// (a key set to `null` is removed).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UpdateUser {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_email: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_metadata: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_metadata: Option<Map<String, Value>>,
}

/// At most this many top-level metadata properties, and this many bytes of JSON each.
pub const MAX_METADATA_KEYS: usize = 100;
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

fn user_schema(create: bool) -> Schema {
    let metadata = || ObjectSchema::new().additional(Schema::Any).build();
    let mut o = ObjectSchema::new()
        .prop("connection", "Name of the connection this user should be created in.", string(1, 128))
        .prop("email", "The user's email.", string(1, 300))
        .prop("password", "Initial password for this user. Only valid for auth0 connection strategy.", string(1, 1024))
        .prop("username", "The user's username. Only valid if the connection requires a username.", string(1, 128))
        .prop("email_verified", "Whether this email address is verified (true) or unverified (false).", Schema::Bool)
        .prop("verify_email", "Whether the user will receive a verification email after creation (true) or no email (false).", Schema::Bool)
        .prop("blocked", "Whether this user was blocked by an administrator (true) or not (false).", Schema::Bool)
        .prop("name", "The user's full name.", string(1, 300))
        .prop("given_name", "The user's given name(s).", string(1, 150))
        .prop("family_name", "The user's family name(s).", string(1, 150))
        .prop("nickname", "The user's nickname.", string(1, 300))
        .prop("picture", "A URI pointing to the user's picture.", string(1, 2000))
        .prop("user_metadata", "Data related to the user that does not affect the application's core functionality.", metadata())
        .prop("app_metadata", "Data related to the user that does affect the application's core functionality.", metadata());
    if create {
        o = o.required(&["connection"]);
    } else {
        o = o.min_props(1);
    }
    o.build()
}

impl Request for CreateUser {
    fn schema() -> Schema {
        user_schema(true)
    }
}

impl Request for UpdateUser {
    fn schema() -> Schema {
        user_schema(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_are_checked() {
        assert!(
            CreateUser::parse(&json!({"connection": "db", "email": "a@b.c", "password": "x"}))
                .is_ok()
        );
        assert!(CreateUser::parse(&json!({"email": "a@b.c"})).is_err());
        assert!(CreateUser::parse(&json!({"connection": "db", "is_admin": true})).is_err());
        assert!(CreateUser::parse(&json!({"connection": "db", "blocked": "no"})).is_err());
        assert!(UpdateUser::parse(&json!({})).is_err());
        assert!(UpdateUser::parse(&json!({"user_metadata": {"a": 1}})).is_ok());
    }

    #[test]
    fn the_shape_keeps_auth0s_order() {
        let u = User {
            blocked: None,
            created_at: "t".into(),
            email: Some("a@b.c".into()),
            email_verified: false,
            family_name: None,
            given_name: None,
            identities: vec![Identity {
                connection: "db".into(),
                user_id: "1".into(),
                provider: "auth0".into(),
                is_social: false,
            }],
            name: "a@b.c".into(),
            nickname: "a".into(),
            picture: "p".into(),
            updated_at: "t".into(),
            user_id: "auth0|1".into(),
            user_metadata: None,
            username: None,
            last_password_reset: None,
            app_metadata: Some(Map::new()),
        };
        let v = serde_json::to_value(&u).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys.last().unwrap().as_str(), "app_metadata");
        assert_eq!(v["identities"][0]["isSocial"], false);
    }
}
