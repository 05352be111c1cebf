//! Signing-key rotation and revocation, and keeping every instance's key ring in step with the
//! database. A rotated-out key keeps verifying for one token lifetime, so tokens it signed stay
//! valid until they expire; after that it leaves the JWKS. A revoked key verifies nothing from
//! the moment this instance, or another within [`REFRESH_EVERY`], reloads the keys.

use std::time::Duration;

use orgwarden_domain::keys::{Revocation, SigningKey};

use super::keys::{generate_key, KeyRing};
use crate::state::AppState;

/// How often an instance looks for keys rotated or revoked by another one.
pub const REFRESH_EVERY: Duration = Duration::from_secs(5);

/// Reloads the keys from storage and swaps the ring if what it would hold changed (which also
/// forgets every cached verification). Reloads run one at a time, so a slow one never puts back
/// a ring older than the one a quicker one set.
pub async fn refresh(state: &AppState) -> anyhow::Result<bool> {
    let _one_at_a_time = state.key_reload.lock().await;
    let keys = state.store.signing_keys().await?;
    let (now, lifetime) = (state.clock.now(), state.identity.token_lifetime);
    if KeyRing::version_of(&keys, now, lifetime) == state.key_ring().version() {
        return Ok(false);
    }
    let ring = KeyRing::new(&keys, state.master_key.as_deref(), now, lifetime)?;
    let kid = ring.signer_kid().to_owned();
    state.set_key_ring(ring);
    tracing::info!(kid = %kid, "signing keys reloaded");
    Ok(true)
}

/// Makes a new current key; the previous one is rotated out but keeps verifying for a while.
pub async fn rotate(state: &AppState) -> anyhow::Result<SigningKey> {
    let key = generate_key(state.clock.now(), state.master_key.as_deref())?;
    state
        .store
        .add_signing_key(key.clone(), state.clock.now())
        .await?;
    refresh(state).await?;
    Ok(key)
}

/// Revokes a key that is not current; this instance stops accepting its tokens before this
/// returns.
pub async fn revoke(state: &AppState, kid: &str) -> orgwarden_domain::Result<Revocation> {
    let revocation = state
        .store
        .revoke_signing_key(kid, state.clock.now())
        .await?;
    // Also when it was revoked already: another instance may have done it a moment ago.
    if !matches!(revocation, Revocation::Current) {
        refresh(state).await?;
    }
    Ok(revocation)
}

/// Runs [`refresh`] every [`REFRESH_EVERY`] until the process ends.
pub fn spawn_refresh(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REFRESH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = refresh(&state).await {
                tracing::warn!(error = %e, "could not reload signing keys");
            }
        }
    });
}
