//! Access tokens: the key ring that signs and verifies them, the cache of recent verifications,
//! and minting. One [`Tokens`] per process, shared by the token endpoint, the bearer-token
//! extractor, key rotation and the JWKS.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use orgwarden_domain::clock::Clock;
use orgwarden_domain::login::claims::profile_claims;
use orgwarden_domain::login::PersonGrant;
use orgwarden_domain::user::User;
use serde_json::{json, Map, Value};

use super::cache::TokenCache;
use super::keys::{Claims, KeyRing};
use super::sealing::MasterKey;
use crate::error::TokenError;
use crate::observability::{Metrics, Verification};
use crate::tenant::Identity;

pub struct Tokens {
    keys: RwLock<Arc<KeyRing>>,
    /// Held while the key ring is reloaded from storage (see `auth::rotation::refresh`).
    reload: tokio::sync::Mutex<()>,
    /// When a token naming a key the ring did not know last made it look in storage
    /// (`auth::rotation::recheck_unknown_key`).
    looked_for_unknown_key: Mutex<Option<Instant>>,
    /// Seals new signing keys and opens stored ones; `None`: keys are stored unencrypted.
    master_key: Option<Arc<MasterKey>>,
    identity: Arc<Identity>,
    clock: Arc<dyn Clock>,
    verified: TokenCache,
    metrics: Arc<Metrics>,
}

impl Tokens {
    pub fn new(
        keys: KeyRing,
        master_key: Option<Arc<MasterKey>>,
        identity: Arc<Identity>,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Tokens {
            keys: RwLock::new(Arc::new(keys)),
            reload: tokio::sync::Mutex::new(()),
            looked_for_unknown_key: Mutex::new(None),
            master_key,
            identity,
            clock,
            verified: TokenCache::default(),
            metrics,
        }
    }

    pub fn key_ring(&self) -> Arc<KeyRing> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn master_key(&self) -> Option<&MasterKey> {
        self.master_key.as_deref()
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// Taken for the length of a key-ring reload, so reloads run one at a time.
    pub async fn reloading(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.reload.lock().await
    }

    /// Whether a token naming a key the ring does not know may make this instance look for it
    /// in storage now: yes once per `every` at most, so made-up `kid`s cost one read of the keys
    /// per `every`, however many requests carry them.
    pub fn may_look_for_unknown_key(&self, every: Duration) -> bool {
        let mut last = self
            .looked_for_unknown_key
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if last.is_some_and(|at| now.duration_since(at) < every) {
            return false;
        }
        *last = Some(now);
        true
    }

    /// Verifies a bearer token, from the cache of recently verified tokens when possible.
    pub fn verify(&self, token: &str) -> Result<Arc<Claims>, TokenError> {
        let now = self.clock.now().unix_timestamp();
        if let Some(claims) = self.verified.get(token, now) {
            self.metrics.verification(Verification::Cached);
            return Ok(claims);
        }
        let verified =
            self.key_ring()
                .verify(token, &self.identity.issuer, &self.identity.audience);
        let claims = match verified {
            Ok(c) => {
                self.metrics.verification(Verification::Verified);
                c
            }
            Err(e) => {
                self.metrics.verification(Verification::Refused);
                return Err(e);
            }
        };
        let claims = Arc::new(claims);
        self.verified.insert(token, claims.clone(), now);
        Ok(claims)
    }

    /// Replaces the key ring (after a rotation) and forgets every cached verification.
    pub fn set_key_ring(&self, ring: KeyRing) {
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(ring);
        self.verified.clear();
    }

    /// Signs an access token for `client_id` on `audience` with `scopes`, for the configured
    /// token lifetime.
    pub fn mint(
        &self,
        client_id: &str,
        audience: &str,
        scopes: &[String],
    ) -> anyhow::Result<String> {
        self.mint_for(client_id, audience, scopes, self.identity.token_lifetime)
    }

    /// Signs an access token that lives `lifetime` seconds.
    pub fn mint_for(
        &self,
        client_id: &str,
        audience: &str,
        scopes: &[String],
        lifetime: i64,
    ) -> anyhow::Result<String> {
        self.mint_machine(client_id, audience, scopes, lifetime, None)
    }

    /// [`Tokens::mint_for`], for an organization (`org_id`) when one is given.
    pub fn mint_machine(
        &self,
        client_id: &str,
        audience: &str,
        scopes: &[String],
        lifetime: i64,
        org_id: Option<&str>,
    ) -> anyhow::Result<String> {
        let now = self.clock.now().unix_timestamp();
        let claims = Claims {
            iss: self.identity.issuer.clone(),
            sub: format!("{client_id}@clients"),
            aud: audience.to_owned(),
            iat: now,
            exp: now + lifetime,
            scope: scopes.join(" "),
            gty: "client-credentials".into(),
            azp: client_id.to_owned(),
            org_id: org_id.map(str::to_owned),
        };
        self.key_ring().sign(&claims)
    }
}

/// How long a person's ID token lives (Auth0's default `id_token_expiration`).
pub const ID_TOKEN_LIFETIME: i64 = 36_000;

/// What a person's tokens are made from.
pub struct PersonTokens<'a> {
    pub user: &'a User,
    pub grant: &'a PersonGrant,
    /// The API asked for and its token lifetime, if any.
    pub api: Option<(&'a str, i64)>,
    /// The scopes granted (OpenID Connect's and the API's).
    pub scopes: &'a [String],
    /// The `permissions` claim, when the API asks for it.
    pub permissions: Option<&'a [String]>,
}

/// A person's access token (and ID token, for `openid`).
pub struct Issued {
    pub access_token: String,
    pub id_token: Option<String>,
    pub expires_in: i64,
}

impl Tokens {
    /// Signs a person's tokens. The access token's audience is the API asked for and
    /// `/userinfo`; its `sub` is the user id; `org_id`/`org_name` when they signed in to an
    /// organization.
    pub fn mint_person(&self, p: &PersonTokens<'_>) -> anyhow::Result<Issued> {
        let now = self.clock.now().unix_timestamp();
        let id = &self.identity;
        let g = p.grant;
        let openid = p.scopes.iter().any(|s| s == "openid");
        let lifetime = p.api.map(|(_, l)| l).unwrap_or(id.token_lifetime);
        let mut aud: Vec<Value> = Vec::new();
        if let Some((api, _)) = p.api {
            aud.push(json!(api));
        }
        if openid || p.api.is_none() {
            aud.push(json!(id.userinfo_audience()));
        }
        let mut access = Map::new();
        access.insert("iss".into(), json!(id.issuer));
        access.insert("sub".into(), json!(p.user.id.as_str()));
        access.insert(
            "aud".into(),
            if aud.len() == 1 {
                aud.remove(0)
            } else {
                Value::Array(aud)
            },
        );
        access.insert("iat".into(), json!(now));
        access.insert("exp".into(), json!(now + lifetime));
        access.insert("scope".into(), json!(p.scopes.join(" ")));
        access.insert("azp".into(), json!(g.client_id));
        if let Some(org) = &g.org_id {
            access.insert("org_id".into(), json!(org));
        }
        if let Some(name) = &g.org_name {
            access.insert("org_name".into(), json!(name));
        }
        if let Some(perms) = p.permissions {
            access.insert("permissions".into(), json!(perms));
        }
        let ring = self.key_ring();
        let access_token = ring.sign(&access)?;
        let id_token = if openid {
            let scope = p.scopes.join(" ");
            let mut claims = profile_claims(p.user, &scope);
            let sub = claims.remove("sub");
            let mut t = Map::new();
            t.append(&mut claims);
            t.insert("iss".into(), json!(id.issuer));
            t.insert("aud".into(), json!(g.client_id));
            t.insert(
                "sub".into(),
                sub.unwrap_or_else(|| json!(p.user.id.as_str())),
            );
            t.insert("iat".into(), json!(now));
            t.insert("exp".into(), json!(now + ID_TOKEN_LIFETIME));
            t.insert("auth_time".into(), json!(g.auth_time));
            if let Some(sid) = &g.sid {
                t.insert("sid".into(), json!(sid));
            }
            if let Some(nonce) = &g.nonce {
                t.insert("nonce".into(), json!(nonce));
            }
            if let Some(org) = &g.org_id {
                t.insert("org_id".into(), json!(org));
            }
            if let Some(name) = &g.org_name {
                t.insert("org_name".into(), json!(name));
            }
            Some(ring.sign(&t)?)
        } else {
            None
        };
        Ok(Issued {
            access_token,
            id_token,
            expires_in: lifetime,
        })
    }
}

#[cfg(test)]
mod tests {
    use orgwarden_domain::clock::SystemClock;
    use time::OffsetDateTime;

    use super::*;
    use crate::auth::keys::generate_key;

    #[test]
    fn tokens_naming_unknown_keys_look_in_storage_once_per_interval() {
        let now = OffsetDateTime::now_utc();
        let ring = KeyRing::new(&[generate_key(now, None).unwrap()], None, now, 60).unwrap();
        let tokens = Tokens::new(
            ring,
            None,
            Arc::new(Identity::new("localhost:8443", true, 60)),
            Arc::new(SystemClock),
            Arc::default(),
        );
        let every = Duration::from_millis(300);
        assert!(tokens.may_look_for_unknown_key(every));
        assert!(!tokens.may_look_for_unknown_key(every));
        assert!(!tokens.may_look_for_unknown_key(every));
        std::thread::sleep(every);
        assert!(tokens.may_look_for_unknown_key(every));
        assert!(!tokens.may_look_for_unknown_key(every));
    }
}
