//! Signing-key rotation, and keeping every instance's key ring in step with the database.
//! A rotated-out key keeps verifying for one token lifetime, so tokens it signed stay valid
//! until they expire; after that it is dropped from the ring and from the JWKS.

use std::time::Duration;

use orgwarden_domain::keys::SigningKey;

use super::keys::{generate_key, KeyRing};
use crate::state::AppState;

/// How often an instance looks for keys rotated by another one.
pub const REFRESH_EVERY: Duration = Duration::from_secs(5);

/// The keys that still verify at `now`: the current one and those revoked less than a token
/// lifetime ago.
pub fn live_keys(
    keys: Vec<SigningKey>,
    now: time::OffsetDateTime,
    lifetime_secs: i64,
) -> Vec<SigningKey> {
    let horizon = now - time::Duration::seconds(lifetime_secs);
    keys.into_iter()
        .filter(|k| k.current || k.revoked_at.is_none_or(|at| at > horizon))
        .collect()
}

fn kids(keys: &[SigningKey]) -> Vec<String> {
    let mut kids: Vec<String> = keys
        .iter()
        .map(|k| format!("{}{}", k.kid, k.current))
        .collect();
    kids.sort();
    kids
}

/// Reloads the keys from storage and swaps the ring if the set changed.
pub async fn refresh(state: &AppState) -> anyhow::Result<bool> {
    let now = state.clock.now();
    let keys = live_keys(
        state.store.signing_keys().await?,
        now,
        state.identity.token_lifetime,
    );
    if kids(&keys) == state.key_ring().kids() {
        return Ok(false);
    }
    state.set_key_ring(KeyRing::new(&keys)?);
    tracing::info!(kid = %keys.iter().find(|k| k.current).map(|k| k.kid.as_str()).unwrap_or(""), "signing keys reloaded");
    Ok(true)
}

/// Makes a new current key; the previous one is revoked but keeps verifying for a while.
pub async fn rotate(state: &AppState) -> anyhow::Result<SigningKey> {
    let key = generate_key(state.clock.now())?;
    state
        .store
        .add_signing_key(key.clone(), state.clock.now())
        .await?;
    refresh(state).await?;
    Ok(key)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revoked_keys_verify_for_one_token_lifetime() {
        let now = time::OffsetDateTime::now_utc();
        let mut old = generate_key(now).unwrap();
        old.current = false;
        old.revoked_at = Some(now - time::Duration::seconds(100));
        let current = generate_key(now).unwrap();
        assert_eq!(
            live_keys(vec![current.clone(), old.clone()], now, 3600).len(),
            2
        );
        assert_eq!(live_keys(vec![current, old], now, 60).len(), 1);
    }
}
