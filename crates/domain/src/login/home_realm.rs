//! Home-realm discovery: which enterprise connection a typed email address belongs to, so an
//! identifier-first login can send the person straight to their identity provider.
//!
//! A connection claims a domain through its `options.domain_aliases` (Auth0's "IdP domains").
//! An organization's *verified* discovery domain claims it for the organization; it picks a
//! connection only when the organization offers exactly one enterprise connection in this
//! login (otherwise which one is not said, and the person is asked for a password as usual).

use crate::connection::Connection;
use crate::discovery_domain::DiscoveryDomain;

/// The domain part of an email address, lowercased; `None` if it has none.
pub fn email_domain(email: &str) -> Option<String> {
    let (local, domain) = email.trim().rsplit_once('@')?;
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    (!local.is_empty() && !domain.is_empty() && !domain.contains(['@', ' ', '/'])).then_some(domain)
}

/// Whether `connection`'s `domain_aliases` name `domain` (case-insensitively).
fn claims(connection: &Connection, domain: &str) -> bool {
    connection
        .options
        .get("domain_aliases")
        .and_then(|v| v.as_array())
        .is_some_and(|aliases| {
            aliases
                .iter()
                .filter_map(|a| a.as_str())
                .any(|a| a.trim_end_matches('.').eq_ignore_ascii_case(domain))
        })
}

/// Of `candidates` (the enterprise connections this login could start), the one `email`
/// belongs to: the first whose `domain_aliases` name its domain, else the only candidate when
/// a verified discovery domain of the organization names it.
pub fn home_realm<'a>(
    email: &str,
    candidates: &[&'a Connection],
    org_domains: &[DiscoveryDomain],
) -> Option<&'a Connection> {
    let domain = email_domain(email)?;
    if let Some(c) = candidates.iter().find(|c| claims(c, &domain)) {
        return Some(c);
    }
    let the_organizations = org_domains.iter().any(|d| d.verified && d.domain == domain);
    match candidates {
        [only] if the_organizations => Some(only),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ConnectionId, OrgId};
    use serde_json::json;

    fn connection(name: &str, aliases: serde_json::Value) -> Connection {
        let mut options = serde_json::Map::new();
        options.insert("domain_aliases".into(), aliases);
        Connection {
            id: ConnectionId::generate(),
            name: name.to_owned(),
            display_name: None,
            strategy: "oidc".to_owned(),
            options,
            realms: Vec::new(),
            is_domain_connection: false,
            show_as_button: Some(false),
            enabled_clients: Vec::new(),
            metadata: None,
            authentication: None,
            connected_accounts: None,
        }
    }

    fn domain(name: &str, verified: bool) -> DiscoveryDomain {
        DiscoveryDomain {
            id: crate::ids::DiscoveryDomainId::generate(),
            organization_id: OrgId::generate(),
            domain: name.to_owned(),
            verified,
            verification_txt: String::new(),
            use_for_organization_discovery: None,
        }
    }

    #[test]
    fn the_domain_is_the_part_after_the_last_at_lowercased() {
        assert_eq!(
            email_domain(" Jane@Acme.Example "),
            Some("acme.example".into())
        );
        assert_eq!(email_domain("jane"), None);
        assert_eq!(email_domain("@acme.example"), None);
        assert_eq!(email_domain("jane@"), None);
    }

    #[test]
    fn domain_aliases_pick_the_connection() {
        let acme = connection("acme-sso", json!(["acme.example", "Acme.Test"]));
        let globex = connection("globex-sso", json!(["globex.example"]));
        let both = [&acme, &globex];
        assert_eq!(
            home_realm("j@ACME.test", &both, &[]).map(|c| c.name.as_str()),
            Some("acme-sso")
        );
        assert_eq!(
            home_realm("j@globex.example", &both, &[]).map(|c| c.name.as_str()),
            Some("globex-sso")
        );
        assert!(home_realm("j@initech.example", &both, &[]).is_none());
        // A sub-domain is not the domain.
        assert!(home_realm("j@mail.acme.example", &both, &[]).is_none());
    }

    #[test]
    fn a_verified_discovery_domain_picks_the_only_enterprise_connection() {
        let acme = connection("acme-sso", json!([]));
        let globex = connection("globex-sso", json!("not a list"));
        let verified = [domain("acme.example", true)];
        let unverified = [domain("acme.example", false)];
        assert_eq!(
            home_realm("j@acme.example", &[&acme], &verified).map(|c| c.name.as_str()),
            Some("acme-sso")
        );
        assert!(home_realm("j@acme.example", &[&acme], &unverified).is_none());
        assert!(home_realm("j@acme.example", &[&acme, &globex], &verified).is_none());
    }
}
