//! How calls are authenticated: a token given by the caller, or one obtained from
//! `/oauth/token` by client credentials, kept, and fetched again shortly before it expires.

use std::time::{Duration, Instant};

use orgwarden_proto::tokens::TokenRequest;
use tokio::sync::Mutex;

/// A token fetched this long before expiry at most (a tenth of its lifetime for short ones),
/// so a call never leaves with a token that expires on the way.
const REFRESH_AHEAD: Duration = Duration::from_secs(300);

pub(crate) enum Auth {
    /// A token the caller got elsewhere; used as is.
    Token(String),
    /// Client credentials: the token request, and the last token while it is fresh. The lock
    /// is held while fetching, so concurrent calls share one token request.
    Credentials {
        request: TokenRequest,
        cache: Mutex<Option<Cached>>,
    },
}

pub(crate) struct Cached {
    pub(crate) token: String,
    /// When the token should be replaced (before it actually expires).
    pub(crate) refresh_at: Instant,
}

impl Cached {
    pub(crate) fn new(token: String, expires_in: i64, now: Instant) -> Cached {
        let lifetime = Duration::from_secs(expires_in.max(0) as u64);
        let ahead = REFRESH_AHEAD.min(lifetime / 10);
        Cached {
            token,
            refresh_at: now + lifetime - ahead,
        }
    }

    pub(crate) fn is_fresh(&self, now: Instant) -> bool {
        now < self.refresh_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_replaced_before_it_expires() {
        let now = Instant::now();
        let day = Cached::new("t".into(), 86_400, now);
        assert!(day.is_fresh(now + Duration::from_secs(86_400 - 301)));
        assert!(!day.is_fresh(now + Duration::from_secs(86_400 - 300)));
        let short = Cached::new("t".into(), 10, now);
        assert!(short.is_fresh(now + Duration::from_secs(8)));
        assert!(!short.is_fresh(now + Duration::from_secs(9)));
        assert!(!Cached::new("t".into(), 0, now).is_fresh(now));
    }
}
