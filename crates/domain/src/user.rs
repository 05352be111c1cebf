//! Users: on database connections (`auth0|…`, with a password) and federated ones, signed in
//! through an upstream identity provider (`oidc|acme-sso|<sub>`, `google-oauth2|<sub>`,
//! `samlp|<connection>|<nameid>`: no password here). The model, the rules a create or update
//! body must meet, the profile an upstream's claims make, and the wire shape. Passwords:
//! [`crate::password`]. Search: [`crate::user_search`].

use std::fmt;

use orgwarden_proto::users::{
    self as wire, CreateUser, UpdateUser, MAX_METADATA_BYTES, MAX_METADATA_KEYS,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::clock::iso8601_millis;
use crate::connection::Connection;
use crate::ids::ConnectionId;
use crate::{Error, Result};

/// The provider of database connections' identities.
pub const PROVIDER: &str = "auth0";

/// Providers whose identities Auth0 marks `isSocial` (of those orgwarden federates with).
const SOCIAL_PROVIDERS: [&str; 1] = ["google-oauth2"];

/// The longest user id accepted (Auth0's ids stay well below).
const MAX_USER_ID: usize = 256;

/// `<provider>|<id>`: `auth0|` followed by 24 lowercase hex digits for database users, as
/// Auth0 makes them; `<strategy>|<connection>|<subject>` for enterprise connections and
/// `<strategy>|<subject>` for social ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(String);

impl UserId {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 12];
        aws_lc_rs::rand::fill(&mut bytes).expect("the system's random number generator");
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Self(format!("{PROVIDER}|{hex}"))
    }

    /// A user id as a path or body gives it: a provider (lowercase letters, digits, `-`), a
    /// bar, then visible characters; at most 256 bytes. `None` otherwise.
    pub fn parse(s: &str) -> Option<Self> {
        let (provider, rest) = s.split_once('|')?;
        let provider_ok = !provider.is_empty()
            && provider.len() <= 40
            && provider
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        (provider_ok
            && !rest.is_empty()
            && s.len() <= MAX_USER_ID
            && rest.bytes().all(|b| b.is_ascii_graphic()))
        .then(|| Self(s.to_owned()))
    }

    /// The id of the person an upstream provider knows as `subject`, signed in through
    /// `connection`: `<strategy>|<connection>|<subject>` for enterprise strategies (`oidc`,
    /// `okta`, `samlp`…), `<strategy>|<subject>` for social ones (`google-oauth2`), as Auth0
    /// makes them. `None` if the subject cannot be part of an id (empty, too long, or with
    /// characters that are not visible ASCII).
    pub fn federated(strategy: &str, connection: &str, subject: &str) -> Option<Self> {
        let id = if SOCIAL_PROVIDERS.contains(&strategy) {
            format!("{strategy}|{subject}")
        } else {
            format!("{strategy}|{connection}|{subject}")
        };
        let id = Self::parse(&id)?;
        (!subject.is_empty() && subject.bytes().all(|b| b.is_ascii_graphic())).then_some(id)
    }

    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the provider, as `identities[0].user_id` shows it (Auth0's `user_id`
    /// is always `<provider>|<identity's user_id>`).
    pub fn local(&self) -> &str {
        self.0.split_once('|').map_or(&self.0, |(_, l)| l)
    }

    /// The identity's provider: the part before the first bar (`auth0`, `oidc`, `samlp`…).
    pub fn provider(&self) -> &str {
        self.0.split_once('|').map_or(PROVIDER, |(p, _)| p)
    }

    /// Whether the person signs in through an upstream provider (and has no password here).
    pub fn is_federated(&self) -> bool {
        self.provider() != PROVIDER
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The profile of a user, as stored (one document) and shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub email_verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    pub name: String,
    pub nickname: String,
    pub picture: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_metadata: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_metadata: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub connection_id: ConnectionId,
    /// The connection's name (names of connections do not change).
    pub connection: String,
    pub profile: Profile,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub last_password_reset: Option<OffsetDateTime>,
}

impl User {
    pub fn to_wire(&self) -> wire::User {
        let p = &self.profile;
        wire::User {
            blocked: p.blocked,
            created_at: iso8601_millis(self.created_at),
            email: p.email.clone(),
            email_verified: p.email_verified,
            family_name: p.family_name.clone(),
            given_name: p.given_name.clone(),
            identities: vec![wire::Identity {
                connection: self.connection.clone(),
                user_id: self.id.local().to_owned(),
                provider: self.id.provider().to_owned(),
                is_social: SOCIAL_PROVIDERS.contains(&self.id.provider()),
            }],
            name: p.name.clone(),
            nickname: p.nickname.clone(),
            picture: p.picture.clone(),
            updated_at: iso8601_millis(self.updated_at),
            user_id: self.id.as_str().to_owned(),
            user_metadata: p.user_metadata.clone(),
            username: p.username.clone(),
            last_password_reset: self.last_password_reset.map(iso8601_millis),
            app_metadata: p.app_metadata.clone(),
        }
    }

    /// The user as an organization lists its members.
    pub fn to_member_wire(&self) -> orgwarden_proto::members::Member {
        orgwarden_proto::members::Member {
            user_id: self.id.as_str().to_owned(),
            email: self.profile.email.clone(),
            picture: self.profile.picture.clone(),
            name: self.profile.name.clone(),
        }
    }

    /// `blocked: true` (the login of issue 15 refuses such a user).
    pub fn is_blocked(&self) -> bool {
        self.profile.blocked == Some(true)
    }
}

/// A payload validation error on one property, in Auth0's words.
fn invalid(property: &str, what: &str) -> Error {
    Error::invalid_field(
        property,
        format!("Payload validation error: '{what}' on property {property}."),
    )
}

/// Emails are kept lowercased (Auth0 does); a simple structural check, not RFC 5322.
fn email(value: &str) -> Result<String> {
    let v = value.trim().to_lowercase();
    let ok = match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !v.chars().any(|c| c.is_whitespace() || c.is_control())
                && !domain.contains('@')
        }
        None => false,
    };
    if ok {
        Ok(v)
    } else {
        Err(invalid(
            "email",
            &format!("Object didn't pass validation for format email: {value}"),
        ))
    }
}

fn metadata(property: &str, m: &Map<String, Value>) -> Result<()> {
    if m.len() > MAX_METADATA_KEYS {
        return Err(invalid(
            property,
            &format!("Too many properties (max {MAX_METADATA_KEYS})"),
        ));
    }
    let size = serde_json::to_vec(m).map(|v| v.len()).unwrap_or(usize::MAX);
    if size > MAX_METADATA_BYTES {
        return Err(invalid(
            property,
            &format!("Too large: {size} bytes of JSON (max {MAX_METADATA_BYTES})"),
        ));
    }
    Ok(())
}

/// The default picture, as Auth0 makes it: the gravatar of the email (gravatar's MD5 key, a
/// public identifier, not a secret), falling back to Auth0's avatar of two letters.
fn picture(email: Option<&str>, name: &str) -> String {
    use md5::Digest;
    let key = email.unwrap_or(name);
    let hash: String = md5::Md5::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let initials: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(2)
        .collect::<String>()
        .to_lowercase();
    format!("https://s.gravatar.com/avatar/{hash}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F{initials}.png")
}

/// The user a `POST /users` body makes on `connection` (found by the body's name), and the
/// password it gave (checked against the policy and hashed by the caller).
pub fn new_user(
    body: CreateUser,
    connection: &Connection,
    now: OffsetDateTime,
) -> Result<(User, String)> {
    if !connection.is_database() {
        return Err(Error::invalid(
            "Cannot create users on this connection: orgwarden creates users only on database (auth0) connections.",
        ));
    }
    let Some(raw_email) = body.email.as_deref() else {
        return Err(Error::invalid_field(
            "email",
            "Payload validation error: 'Missing required property: email'.",
        ));
    };
    let Some(password) = body.password else {
        return Err(Error::invalid_field(
            "password",
            "Payload validation error: 'Missing required property: password'.",
        ));
    };
    let email = email(raw_email)?;
    for (p, m) in [
        ("user_metadata", &body.user_metadata),
        ("app_metadata", &body.app_metadata),
    ] {
        if let Some(m) = m {
            metadata(p, m)?;
        }
    }
    let name = body.name.unwrap_or_else(|| email.clone());
    let nickname = body.nickname.unwrap_or_else(|| {
        email
            .split_once('@')
            .map_or(email.as_str(), |(l, _)| l)
            .to_owned()
    });
    let picture = body
        .picture
        .unwrap_or_else(|| picture(Some(&email), &nickname));
    let user = User {
        id: UserId::generate(),
        connection_id: connection.id.clone(),
        connection: connection.name.clone(),
        profile: Profile {
            email: Some(email),
            email_verified: body.email_verified.unwrap_or(false),
            username: body.username,
            name,
            nickname,
            picture,
            given_name: body.given_name,
            family_name: body.family_name,
            blocked: body.blocked,
            user_metadata: body.user_metadata.filter(|m| !m.is_empty()),
            app_metadata: body.app_metadata.filter(|m| !m.is_empty()),
        },
        created_at: now,
        updated_at: now,
        last_password_reset: None,
    };
    Ok((user, password))
}

/// The claims of an upstream provider's ID token (and user info) that make a profile, as
/// Auth0 maps an OpenID Connect profile: `email`, `email_verified`, `name`, `nickname`,
/// `picture`, `given_name`, `family_name`; `preferred_username` becomes the nickname when
/// there is none. What is missing is made as for a database user (name from the email, or the
/// subject; nickname from the email's local part).
pub fn federated_profile(claims: &Map<String, Value>, subject: &str) -> Profile {
    let text = |k: &str| {
        claims
            .get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.len() <= 1024)
            .map(str::to_owned)
    };
    let email = text("email").and_then(|e| email(&e).ok());
    let email_verified = match claims.get("email_verified") {
        Some(Value::Bool(b)) => *b,
        // Some providers send it as a string.
        Some(Value::String(s)) => s == "true",
        _ => false,
    };
    let name = text("name")
        .or_else(|| email.clone())
        .unwrap_or_else(|| subject.to_owned());
    let nickname = text("nickname")
        .or_else(|| text("preferred_username"))
        .or_else(|| {
            email
                .as_deref()
                .and_then(|e| e.split_once('@'))
                .map(|(l, _)| l.to_owned())
        })
        .unwrap_or_else(|| name.clone());
    let picture = text("picture")
        .filter(|p| p.starts_with("https://"))
        .unwrap_or_else(|| picture(email.as_deref(), &nickname));
    Profile {
        email,
        email_verified,
        username: None,
        name,
        nickname,
        picture,
        given_name: text("given_name"),
        family_name: text("family_name"),
        blocked: None,
        user_metadata: None,
        app_metadata: None,
    }
}

/// A person signed in for the first time through `connection` (a federated one), known
/// upstream as `subject`, with the profile their claims make.
pub fn new_federated_user(
    connection: &Connection,
    subject: &str,
    profile: Profile,
    now: OffsetDateTime,
) -> Result<User> {
    if connection.is_database() {
        return Err(Error::invalid(
            "A database connection's users sign in with a password, not through an upstream provider.",
        ));
    }
    let id = UserId::federated(&connection.strategy, &connection.name, subject)
        .ok_or_else(|| Error::invalid("The upstream provider's subject cannot make a user id."))?;
    Ok(User {
        id,
        connection_id: connection.id.clone(),
        connection: connection.name.clone(),
        profile,
        created_at: now,
        updated_at: now,
        last_password_reset: None,
    })
}

impl UserPatch {
    /// What a new sign-in through the upstream provider changes: the attributes it sends
    /// (Auth0 updates them at each login), never `blocked` or the metadata, which are ours.
    /// `None` when nothing changed.
    pub fn from_upstream(current: &Profile, fresh: Profile) -> Option<UserPatch> {
        let same = current.email == fresh.email
            && current.email_verified == fresh.email_verified
            && current.name == fresh.name
            && current.nickname == fresh.nickname
            && current.picture == fresh.picture
            && current.given_name == fresh.given_name
            && current.family_name == fresh.family_name;
        (!same).then(|| UserPatch {
            email: fresh.email,
            email_verified: Some(fresh.email_verified),
            name: Some(fresh.name),
            nickname: Some(fresh.nickname),
            picture: Some(fresh.picture),
            given_name: fresh.given_name,
            family_name: fresh.family_name,
            ..UserPatch::default()
        })
    }
}

/// Auth0's refusal of a password for a user of a connection that has none.
pub fn no_password_here() -> Error {
    Error::invalid("Cannot update password for non-database connections")
}

/// A `PATCH /users/{id}`: fields replaced, metadata merged at the top level (`null` removes a
/// key), and the new password if one was given (checked and hashed by the caller).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserPatch {
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub username: Option<String>,
    pub name: Option<String>,
    pub nickname: Option<String>,
    pub picture: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub blocked: Option<bool>,
    pub user_metadata: Option<Map<String, Value>>,
    pub app_metadata: Option<Map<String, Value>>,
    /// Whether the password changes (its hash travels beside the patch, never in it).
    pub password_changed: bool,
}

impl UserPatch {
    /// The patch and the new password, if any.
    pub fn from_body(body: UpdateUser) -> Result<(UserPatch, Option<String>)> {
        let email = body.email.as_deref().map(email).transpose()?;
        for (p, m) in [
            ("user_metadata", &body.user_metadata),
            ("app_metadata", &body.app_metadata),
        ] {
            if let Some(m) = m {
                metadata(p, m)?;
            }
        }
        let password_changed = body.password.is_some();
        Ok((
            UserPatch {
                email,
                email_verified: body.email_verified,
                username: body.username,
                name: body.name,
                nickname: body.nickname,
                picture: body.picture,
                given_name: body.given_name,
                family_name: body.family_name,
                blocked: body.blocked,
                user_metadata: body.user_metadata,
                app_metadata: body.app_metadata,
                password_changed,
            },
            body.password,
        ))
    }

    pub fn apply(self, u: &mut User, now: OffsetDateTime) -> Result<()> {
        let p = &mut u.profile;
        if let Some(e) = self.email {
            p.email = Some(e);
        }
        if let Some(v) = self.email_verified {
            p.email_verified = v;
        }
        if let Some(v) = self.username {
            p.username = Some(v);
        }
        if let Some(v) = self.name {
            p.name = v;
        }
        if let Some(v) = self.nickname {
            p.nickname = v;
        }
        if let Some(v) = self.picture {
            p.picture = v;
        }
        if let Some(v) = self.given_name {
            p.given_name = Some(v);
        }
        if let Some(v) = self.family_name {
            p.family_name = Some(v);
        }
        if let Some(v) = self.blocked {
            p.blocked = Some(v);
        }
        merge(&mut p.user_metadata, self.user_metadata, "user_metadata")?;
        merge(&mut p.app_metadata, self.app_metadata, "app_metadata")?;
        if self.password_changed {
            u.last_password_reset = Some(now);
        }
        u.updated_at = now;
        Ok(())
    }
}

/// Top-level merge: a key set to `null` is removed; the result is bounded as a body is.
fn merge(
    current: &mut Option<Map<String, Value>>,
    change: Option<Map<String, Value>>,
    property: &str,
) -> Result<()> {
    let Some(change) = change else {
        return Ok(());
    };
    let mut merged = current.take().unwrap_or_default();
    for (k, v) in change {
        if v.is_null() {
            merged.remove(&k);
        } else {
            merged.insert(k, v);
        }
    }
    metadata(property, &merged)?;
    *current = (!merged.is_empty()).then_some(merged);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn db() -> Connection {
        Connection {
            id: ConnectionId::generate(),
            name: "users".into(),
            display_name: None,
            strategy: "auth0".into(),
            options: Map::new(),
            realms: vec!["users".into()],
            is_domain_connection: false,
            show_as_button: None,
            enabled_clients: vec![],
            metadata: None,
            authentication: None,
            connected_accounts: None,
        }
    }

    #[test]
    fn ids_have_auth0s_shape() {
        let id = UserId::generate();
        assert!(id.as_str().starts_with("auth0|"));
        assert_eq!(id.local().len(), 24);
        assert!(UserId::parse("auth0|63d17c4a8869daf88ed7db97").is_some());
        for bad in ["63d17c4a", "auth0|", "Google|x", "auth0|a b", "|x"] {
            assert!(UserId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn federated_ids_and_identities_as_auth0() {
        let oidc = UserId::federated("oidc", "acme-sso", "248289761001").unwrap();
        assert_eq!(oidc.as_str(), "oidc|acme-sso|248289761001");
        assert_eq!(oidc.provider(), "oidc");
        assert_eq!(oidc.local(), "acme-sso|248289761001");
        assert!(oidc.is_federated());
        let saml = UserId::federated("samlp", "corp", "jdoe@corp.example").unwrap();
        assert_eq!(saml.as_str(), "samlp|corp|jdoe@corp.example");
        let google = UserId::federated("google-oauth2", "google-oauth2", "1077").unwrap();
        assert_eq!(google.as_str(), "google-oauth2|1077");
        assert_eq!(UserId::parse(google.as_str()), Some(google.clone()));
        for bad in ["", "a b", "x\n", &"s".repeat(300)] {
            assert!(UserId::federated("oidc", "c", bad).is_none(), "{bad:?}");
        }
        let mut c = db();
        c.strategy = "google-oauth2".into();
        c.name = "google-oauth2".into();
        let claims =
            json!({"email": "Ann@Example.com", "email_verified": true, "given_name": "Ann"});
        let profile = federated_profile(claims.as_object().unwrap(), "1077");
        assert_eq!(profile.email.as_deref(), Some("ann@example.com"));
        assert_eq!(profile.nickname, "ann");
        let u = new_federated_user(&c, "1077", profile, OffsetDateTime::UNIX_EPOCH).unwrap();
        let w = u.to_wire();
        assert_eq!(w.identities[0].provider, "google-oauth2");
        assert!(w.identities[0].is_social);
        assert_eq!(w.identities[0].user_id, "1077");
        assert!(new_federated_user(
            &db(),
            "1077",
            Profile::default(),
            OffsetDateTime::UNIX_EPOCH
        )
        .is_err());
    }

    #[test]
    fn defaults_as_auth0() {
        let body = CreateUser {
            connection: "users".into(),
            email: Some("Chuck@Example.com".into()),
            password: Some("x".into()),
            ..CreateUser::default()
        };
        let (u, password) = new_user(body, &db(), OffsetDateTime::UNIX_EPOCH).unwrap();
        assert_eq!(password, "x");
        let w = u.to_wire();
        assert_eq!(w.email.as_deref(), Some("chuck@example.com"));
        assert_eq!(w.name, "chuck@example.com");
        assert_eq!(w.nickname, "chuck");
        assert!(w.picture.starts_with("https://s.gravatar.com/avatar/"));
        assert_eq!(w.identities[0].user_id, u.id.local());
        assert_eq!(w.blocked, None);
    }

    #[test]
    fn refusals() {
        let base = || CreateUser {
            connection: "users".into(),
            email: Some("a@example.com".into()),
            password: Some("x".into()),
            ..CreateUser::default()
        };
        let now = OffsetDateTime::UNIX_EPOCH;
        for bad in ["nope", "a@b", "a b@c.d", "@c.d"] {
            let body = CreateUser {
                email: Some(bad.into()),
                ..base()
            };
            assert!(new_user(body, &db(), now).is_err(), "{bad}");
        }
        assert!(new_user(
            CreateUser {
                password: None,
                ..base()
            },
            &db(),
            now
        )
        .is_err());
        let mut saml = db();
        saml.strategy = "samlp".into();
        assert!(new_user(base(), &saml, now).is_err());
        let big: Map<String, Value> = (0..101).map(|i| (format!("k{i}"), json!(1))).collect();
        assert!(new_user(
            CreateUser {
                app_metadata: Some(big),
                ..base()
            },
            &db(),
            now
        )
        .is_err());
    }

    #[test]
    fn metadata_merges_and_null_removes() {
        let body = CreateUser {
            connection: "users".into(),
            email: Some("a@example.com".into()),
            password: Some("x".into()),
            app_metadata: Some(
                json!({"facts": [1], "plan": "free"})
                    .as_object()
                    .cloned()
                    .unwrap(),
            ),
            ..CreateUser::default()
        };
        let (mut u, _) = new_user(body, &db(), OffsetDateTime::UNIX_EPOCH).unwrap();
        let (patch, pw) = UserPatch::from_body(UpdateUser {
            app_metadata: Some(
                json!({"foo": "bar", "plan": null})
                    .as_object()
                    .cloned()
                    .unwrap(),
            ),
            password: Some("new".into()),
            ..UpdateUser::default()
        })
        .unwrap();
        assert_eq!(pw.as_deref(), Some("new"));
        let later = OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(5);
        patch.apply(&mut u, later).unwrap();
        assert_eq!(
            Value::Object(u.profile.app_metadata.clone().unwrap()),
            json!({"facts": [1], "foo": "bar"})
        );
        assert_eq!(u.last_password_reset, Some(later));
        assert_eq!(u.updated_at, later);
    }
}
