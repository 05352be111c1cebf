//! Signing-key rotation and revocation, and keeping every instance's key ring in step with the
//! database. A rotated-out key keeps verifying for one token lifetime, so tokens it signed stay
//! valid until they expire; after that it leaves the JWKS. A revoked key verifies nothing from
//! the moment this instance, or another within [`REFRESH_EVERY`], reloads the keys. A key made
//! by another instance (a rotation there, or the first key of a data directory that
//! `orgwarden token` bootstrapped at the same moment as `serve`) verifies here at the first
//! token that names it ([`recheck_unknown_key`]).

use std::sync::Arc;
use std::time::Duration;

use orgwarden_domain::keys::{Revocation, SigningKey};
use orgwarden_domain::store::DynStore;

use super::keys::{generate_key, Claims, KeyRing};
use super::tokens::Tokens;
use crate::error::TokenError;

/// How often an instance looks for keys rotated or revoked by another one.
pub const REFRESH_EVERY: Duration = Duration::from_secs(5);

/// How often, at most, a token naming a key this instance does not know makes it read the keys.
pub const UNKNOWN_KEY_LOOK_EVERY: Duration = Duration::from_secs(1);

/// Reloads the keys from storage and swaps the ring if what it would hold changed (which also
/// forgets every cached verification). Reloads run one at a time, so a slow one never puts back
/// a ring older than the one a quicker one set.
pub async fn refresh(tokens: &Tokens, store: &DynStore) -> anyhow::Result<bool> {
    let _one_at_a_time = tokens.reloading().await;
    reload(tokens, store).await
}

/// [`refresh`], for a caller that holds [`Tokens::reloading`].
async fn reload(tokens: &Tokens, store: &DynStore) -> anyhow::Result<bool> {
    let keys = store.signing_keys().await?;
    let (now, lifetime) = (tokens.clock().now(), tokens.identity().token_lifetime);
    if KeyRing::version_of(&keys, now, lifetime) == tokens.key_ring().version() {
        return Ok(false);
    }
    let ring = KeyRing::new(&keys, tokens.master_key(), now, lifetime)?;
    let kid = ring.signer_kid().to_owned();
    tokens.set_key_ring(ring);
    tracing::info!(kid = %kid, "signing keys reloaded");
    Ok(true)
}

/// A bearer token was `refused`: if it names a key this instance does not hold, looks for the
/// key in storage (once per [`UNKNOWN_KEY_LOOK_EVERY`] at most) and verifies it again, so a key
/// another instance made a moment ago is not refused until the next [`REFRESH_EVERY`]. Tokens
/// naming unknown keys that arrive while a look is under way wait for it (one read of the keys
/// at most), then are verified against what it found.
pub async fn recheck_unknown_key(
    tokens: &Tokens,
    store: &DynStore,
    token: &str,
    refused: TokenError,
) -> Result<Arc<Claims>, TokenError> {
    if !tokens.key_ring().names_unknown_key(token) {
        return Err(refused);
    }
    {
        let _one_at_a_time = tokens.reloading().await;
        if tokens.key_ring().names_unknown_key(token)
            && tokens.may_look_for_unknown_key(UNKNOWN_KEY_LOOK_EVERY)
        {
            if let Err(e) = reload(tokens, store).await {
                tracing::warn!(error = %e, "could not look for a token's unknown signing key");
            }
        }
    }
    tokens.verify(token)
}

/// Makes a new current key; the previous one is rotated out but keeps verifying for a while.
pub async fn rotate(tokens: &Tokens, store: &DynStore) -> anyhow::Result<SigningKey> {
    let now = tokens.clock().now();
    let key = generate_key(now, tokens.master_key())?;
    store.add_signing_key(key.clone(), now).await?;
    refresh(tokens, store).await?;
    Ok(key)
}

/// Revokes a key that is not current; this instance stops accepting its tokens before this
/// returns.
pub async fn revoke(
    tokens: &Tokens,
    store: &DynStore,
    kid: &str,
) -> orgwarden_domain::Result<Revocation> {
    let revocation = store.revoke_signing_key(kid, tokens.clock().now()).await?;
    // Also when it was revoked already: another instance may have done it a moment ago.
    if !matches!(revocation, Revocation::Current) {
        refresh(tokens, store).await?;
    }
    Ok(revocation)
}

/// Runs [`refresh`] every [`REFRESH_EVERY`] until the process ends.
pub fn spawn_refresh(tokens: Arc<Tokens>, store: DynStore) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REFRESH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = refresh(&tokens, &store).await {
                tracing::warn!(error = %e, "could not reload signing keys");
            }
        }
    });
}
