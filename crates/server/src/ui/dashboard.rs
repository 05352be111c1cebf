//! The dashboard's settings and its sessions: one sub-state of `AppState`, used by the
//! sign-in pages and by the extractor of every signed-in page.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::HeaderValue;
use base64::Engine;
use time::{Duration, OffsetDateTime};

/// A session ends after this long without a request.
pub const IDLE: Duration = Duration::hours(8);

#[derive(Debug, Clone, Default)]
pub struct DashboardConfig {
    /// The client whose credentials sign in (the admin client).
    pub admin_client_id: Option<String>,
    pub password: Option<String>,
    /// `Secure` cookies (when serving HTTPS).
    pub secure_cookies: bool,
    /// The CA file for `curl --cacert` in the "try it" panel.
    pub cacert: Option<String>,
}

#[derive(Debug, Clone)]
struct Session {
    csrf: String,
    who: String,
    last_seen: OffsetDateTime,
}

/// The dashboard's settings and its sessions (in this process: signing in again after a
/// restart is expected).
#[derive(Debug, Default)]
pub struct Dashboard {
    pub config: DashboardConfig,
    sessions: Mutex<HashMap<String, Session>>,
}

/// 256 random bits, URL-safe.
pub fn random_token() -> String {
    use aws_lc_rs::rand::{SecureRandom, SystemRandom};
    let mut buf = [0u8; 32];
    SystemRandom::new()
        .fill(&mut buf)
        .expect("the system random source failed");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

impl Dashboard {
    pub fn new(config: DashboardConfig) -> Self {
        Dashboard {
            config,
            sessions: Mutex::default(),
        }
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a session; returns its id.
    pub fn start(&self, who: &str, now: OffsetDateTime) -> String {
        let id = random_token();
        let mut sessions = self.sessions();
        sessions.retain(|_, s| now - s.last_seen <= IDLE);
        sessions.insert(
            id.clone(),
            Session {
                csrf: random_token(),
                who: who.to_owned(),
                last_seen: now,
            },
        );
        id
    }

    pub fn end(&self, id: &str) {
        self.sessions().remove(id);
    }

    /// The live session `id` (its idle time restarts), or why there is none.
    pub(super) fn touch(&self, id: &str, now: OffsetDateTime) -> Result<SignedIn, bool> {
        let mut sessions = self.sessions();
        let Some(s) = sessions.get_mut(id) else {
            return Err(true);
        };
        if now - s.last_seen > IDLE {
            sessions.remove(id);
            return Err(true);
        }
        s.last_seen = now;
        Ok(SignedIn {
            session: id.to_owned(),
            csrf: s.csrf.clone(),
            who: s.who.clone(),
        })
    }

    pub(super) fn cookie(&self, name: &str, value: &str, path: &str) -> HeaderValue {
        let secure = if self.config.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        let v = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict{secure}");
        HeaderValue::from_str(&v).expect("cookie values are URL-safe")
    }

    pub(super) fn clear_cookie(&self, name: &str, path: &str) -> HeaderValue {
        let secure = if self.config.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        let v = format!("{name}=; Path={path}; HttpOnly; SameSite=Strict; Max-Age=0{secure}");
        HeaderValue::from_str(&v).expect("cookie values are URL-safe")
    }
}

/// A signed-in user: the extractor of every dashboard page. Signed out: a redirect to the
/// sign-in page (which says so when the session expired).
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: String,
    pub csrf: String,
    /// `client <id>` or `password`.
    pub who: String,
}
