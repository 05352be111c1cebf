//! What the dashboard's pages use: the tenant's data and identity, the dashboard's settings and
//! sessions, and the signing keys (for the "try it" panel's short-lived token). Extracted as
//! `State<Pages>` from any application state that has these sub-states.

use std::sync::Arc;

use axum::extract::FromRef;
use orgwarden_domain::clock::Clock;
use orgwarden_domain::store::DynStore;

use super::dashboard::Dashboard;
use crate::auth::tokens::Tokens;
use crate::tenant::{Identity, Tenant};

pub struct Pages {
    pub store: DynStore,
    pub identity: Arc<Identity>,
    pub clock: Arc<dyn Clock>,
    pub dashboard: Arc<Dashboard>,
    pub tokens: Arc<Tokens>,
}

impl<S> FromRef<S> for Pages
where
    Tenant: FromRef<S>,
    Arc<Dashboard>: FromRef<S>,
    Arc<Tokens>: FromRef<S>,
{
    fn from_ref(s: &S) -> Pages {
        let Tenant {
            store,
            identity,
            clock,
        } = Tenant::from_ref(s);
        Pages {
            store,
            identity,
            clock,
            dashboard: Arc::from_ref(s),
            tokens: Arc::from_ref(s),
        }
    }
}
