//! Every organization's enabled connections at once, packed: what lets the guide's call on a
//! tenant of millions of organizations be answered from memory, where the cache's kept lists
//! (about 1 KB each) would take gigabytes.
//!
//! Per organization, its id without `org_` in 16 bytes and where its connections start (4
//! bytes); per enabled connection, 2 bytes (the connection's place in a table of the tenant's
//! connections, and its three settings). Two million organizations with eleven million enabled
//! connections take about 62 MB. A lookup narrows by the id's first two characters, then
//! searches a few dozen ids in order.
//!
//! A tenant it cannot pack this way is not kept whole ([`Unpackable`]): an organization id of
//! more than 16 characters after `org_` (Auth0's, and ours, have 16), more than
//! [`MAX_CONNECTIONS`] connections, or more than [`MAX_ORGANIZATIONS`] organizations.
//!
//! When the store loads it, and how it stays true, is [`super::EnabledCache`]'s part:
//! it is dropped with everything else at every invalidation, and [`Reloads`] says when to load
//! it again.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use crate::connection::ConnectionSummary;
use crate::enabled_connection::{EnabledConnection, Settings};
use crate::ids::{ConnectionId, OrgId};

const KEY: usize = 16;
type Key = [u8; KEY];

/// Connections a packed entry can point at (13 bits; the other 3 are the settings).
pub const MAX_CONNECTIONS: usize = 1 << 13;

/// Organizations kept whole at most: about 31 bytes each at five connections, so some 150 MB.
pub const MAX_ORGANIZATIONS: usize = 5_000_000;

/// Why a tenant is not kept whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpackable(pub String);

impl fmt::Display for Unpackable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Every organization of a tenant and the connections each has enabled, in order.
#[derive(Debug)]
pub struct Complete {
    connections: Vec<(ConnectionId, ConnectionSummary)>,
    /// Sorted, strictly increasing.
    keys: Vec<Key>,
    /// `by_prefix[p]`: how many keys have first two bytes below `p` (65,537 entries).
    by_prefix: Vec<u32>,
    /// Organization `i`'s entries are `entries[starts[i]..starts[i + 1]]`.
    starts: Vec<u32>,
    entries: Vec<u16>,
}

fn key(org: &str) -> Option<Key> {
    let rest = org.strip_prefix("org_")?.as_bytes();
    if rest.len() > KEY || rest.contains(&0) {
        return None;
    }
    let mut key = [0; KEY];
    key[..rest.len()].copy_from_slice(rest);
    Some(key)
}

fn prefix(key: &Key) -> usize {
    usize::from(key[0]) << 8 | usize::from(key[1])
}

fn pack(connection: usize, settings: Settings) -> u16 {
    let flags = u16::from(settings.assign_membership_on_login)
        | u16::from(settings.show_as_button) << 1
        | u16::from(settings.is_signup_enabled) << 2;
    // `connection` < MAX_CONNECTIONS, checked when it was added.
    (connection as u16) << 3 | flags
}

fn settings_of(entry: u16) -> Settings {
    Settings {
        assign_membership_on_login: entry & 1 != 0,
        show_as_button: entry & 2 != 0,
        is_signup_enabled: entry & 4 != 0,
    }
}

impl Complete {
    /// The organization's enabled connections, in order; `None` if there is no such
    /// organization.
    pub fn get(&self, org: &OrgId) -> Option<Vec<EnabledConnection>> {
        // An id that cannot be packed is not in the tenant: the builder refused any.
        let key = key(org.as_str())?;
        let p = prefix(&key);
        let (lo, hi) = (self.by_prefix[p] as usize, self.by_prefix[p + 1] as usize);
        let at = lo + self.keys[lo..hi].binary_search(&key).ok()?;
        let (from, to) = (self.starts[at] as usize, self.starts[at + 1] as usize);
        Some(
            self.entries[from..to]
                .iter()
                .map(|&entry| {
                    let (id, summary) = &self.connections[usize::from(entry >> 3)];
                    EnabledConnection {
                        connection_id: id.clone(),
                        settings: settings_of(entry),
                        connection: summary.clone(),
                    }
                })
                .collect(),
        )
    }

    pub fn organizations(&self) -> usize {
        self.keys.len()
    }

    pub fn enabled(&self) -> usize {
        self.entries.len()
    }

    /// Memory held, roughly (the connections' strings left out).
    pub fn bytes(&self) -> usize {
        self.keys.capacity() * KEY
            + (self.by_prefix.capacity() + self.starts.capacity()) * 4
            + self.entries.capacity() * 2
    }
}

/// Builds a [`Complete`] from the store's rows: the connections first, then each organization in
/// increasing order of id (bytewise, as SQL's `ORDER BY id` on text), each followed by its
/// enabled connections in any order (`seq` puts them in order).
#[derive(Debug, Default)]
pub struct CompleteBuilder {
    connections: Vec<(ConnectionId, ConnectionSummary)>,
    by_id: HashMap<String, usize>,
    keys: Vec<Key>,
    starts: Vec<u32>,
    entries: Vec<u16>,
    /// The last organization's, with their `seq`.
    open: Vec<(i64, u16)>,
}

impl CompleteBuilder {
    /// Room for `organizations` and `enabled` connections, as counted before the rows are read
    /// (more or fewer rows are still taken).
    pub fn with_capacity(organizations: usize, enabled: usize) -> Result<Self, Unpackable> {
        if organizations > MAX_ORGANIZATIONS {
            return Err(Unpackable(format!(
                "{organizations} organizations (at most {MAX_ORGANIZATIONS} are kept whole)"
            )));
        }
        Ok(CompleteBuilder {
            keys: Vec::with_capacity(organizations),
            starts: Vec::with_capacity(organizations + 1),
            entries: Vec::with_capacity(enabled),
            ..CompleteBuilder::default()
        })
    }

    pub fn connection(
        &mut self,
        id: ConnectionId,
        summary: ConnectionSummary,
    ) -> Result<(), Unpackable> {
        if self.connections.len() >= MAX_CONNECTIONS {
            return Err(Unpackable(format!(
                "more than {MAX_CONNECTIONS} connections"
            )));
        }
        self.by_id
            .insert(id.as_str().to_owned(), self.connections.len());
        self.connections.push((id, summary));
        Ok(())
    }

    pub fn organization(&mut self, id: &str) -> Result<(), Unpackable> {
        let key = key(id).ok_or_else(|| {
            Unpackable(format!(
                "the organization id {id:?} is longer than org_ and 16 characters"
            ))
        })?;
        if self.keys.last().is_some_and(|last| *last >= key) {
            return Err(Unpackable(format!(
                "the organizations came out of order at {id:?}"
            )));
        }
        if self.keys.len() >= MAX_ORGANIZATIONS {
            return Err(Unpackable(format!(
                "more than {MAX_ORGANIZATIONS} organizations"
            )));
        }
        self.close();
        self.starts.push(self.entries_so_far()?);
        self.keys.push(key);
        Ok(())
    }

    /// One connection enabled for the organization given last.
    pub fn enabled(
        &mut self,
        connection: &str,
        seq: i64,
        settings: Settings,
    ) -> Result<(), Unpackable> {
        if self.keys.is_empty() {
            return Err(Unpackable(
                "an enabled connection before any organization".into(),
            ));
        }
        let at = *self.by_id.get(connection).ok_or_else(|| {
            Unpackable(format!(
                "an enabled connection {connection:?} that is not a connection"
            ))
        })?;
        self.open.push((seq, pack(at, settings)));
        Ok(())
    }

    fn entries_so_far(&self) -> Result<u32, Unpackable> {
        u32::try_from(self.entries.len())
            .map_err(|_| Unpackable("more than 4 billion enabled connections".into()))
    }

    fn close(&mut self) {
        self.open.sort_unstable_by_key(|(seq, _)| *seq);
        self.entries
            .extend(self.open.drain(..).map(|(_, entry)| entry));
    }

    pub fn build(mut self) -> Result<Complete, Unpackable> {
        self.close();
        self.starts.push(self.entries_so_far()?);
        let mut by_prefix = Vec::with_capacity(1 << 16 | 1);
        let mut at = 0;
        for p in 0..=1 << 16 {
            while at < self.keys.len() && prefix(&self.keys[at]) < p {
                at += 1;
            }
            // At most MAX_ORGANIZATIONS keys: fits.
            by_prefix.push(at as u32);
        }
        self.keys.shrink_to_fit();
        self.starts.shrink_to_fit();
        self.entries.shrink_to_fit();
        Ok(Complete {
            connections: self.connections,
            keys: self.keys,
            by_prefix,
            starts: self.starts,
            entries: self.entries,
        })
    }
}

/// How long nothing must have been written before the store loads the whole tenant again.
pub const QUIET: Duration = Duration::from_secs(1);

/// After a load that took `t`, the next waits at least `RESTING * t`: loading takes at most a
/// tenth of a core however often the tenant is written to.
pub const RESTING: u32 = 9;

/// Longest wait between loads that were thrown away (a write came during each).
pub const MOST_BACKOFF: Duration = Duration::from_secs(600);

/// When the store should load the whole tenant into memory: after [`QUIET`] without writes,
/// resting [`RESTING`] times as long as the last load took, and backing off (doubling, up to
/// [`MOST_BACKOFF`]) while loads are thrown away or fail.
#[derive(Debug, Clone)]
pub struct Reloads {
    not_before: Instant,
    failed: u32,
}

impl Reloads {
    pub fn new(now: Instant) -> Self {
        Reloads {
            not_before: now,
            failed: 0,
        }
    }

    /// Whether to load now, given how long nothing has been written (`None`: never since the
    /// cache was made).
    pub fn due(&self, now: Instant, quiet_for: Option<Duration>) -> bool {
        now >= self.not_before && quiet_for.is_none_or(|q| q >= QUIET)
    }

    /// A load ended at `now` after `took`, and was kept (or not: thrown away or failed).
    pub fn loaded(&mut self, now: Instant, took: Duration, kept: bool) {
        let rest = (took * RESTING).max(QUIET);
        self.failed = if kept { 0 } else { self.failed + 1 };
        let backoff = rest
            .saturating_mul(1 << self.failed.saturating_sub(1).min(16))
            .min(MOST_BACKOFF.max(rest));
        self.not_before = now + backoff;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(n: u8) -> Settings {
        settings_of(u16::from(n))
    }

    fn summary(name: &str) -> ConnectionSummary {
        ConnectionSummary {
            name: name.into(),
            strategy: "samlp".into(),
        }
    }

    fn con(n: usize) -> String {
        format!("con_{n:016}")
    }

    /// An organization's id and its enabled connections: (connection, seq, settings' bits).
    type Org<'a> = (&'a str, &'a [(usize, i64, u8)]);

    fn built(orgs: &[Org<'_>], connections: usize) -> Complete {
        let mut b = CompleteBuilder::with_capacity(orgs.len(), 0).unwrap();
        for n in 0..connections {
            b.connection(
                ConnectionId::from_trusted(con(n)),
                summary(&format!("c{n}")),
            )
            .unwrap();
        }
        for (org, enabled) in orgs {
            b.organization(org).unwrap();
            for &(c, seq, s) in *enabled {
                b.enabled(&con(c), seq, settings(s)).unwrap();
            }
        }
        b.build().unwrap()
    }

    fn names(complete: &Complete, org: &str) -> Option<Vec<(String, u8)>> {
        complete.get(&OrgId::from_trusted(org.into())).map(|all| {
            all.iter()
                .map(|e| {
                    let s = e.settings;
                    let flags = u8::from(s.assign_membership_on_login)
                        | u8::from(s.show_as_button) << 1
                        | u8::from(s.is_signup_enabled) << 2;
                    assert_eq!(e.connection.strategy, "samlp");
                    (e.connection.name.clone(), flags)
                })
                .collect()
        })
    }

    #[test]
    fn each_organization_gets_its_connections_in_order_with_their_settings() {
        let complete = built(
            &[
                ("org_A", &[(2, 7, 0b101), (0, 3, 0b010)]),
                ("org_Aa", &[]),
                ("org_Ab", &[(1, 1, 0b111)]),
                ("org_zzzzzzzzzzzzzzzz", &[(0, 1, 0), (1, 2, 1), (2, 3, 2)]),
            ],
            3,
        );
        let pairs = |v: &[(&str, u8)]| -> Option<Vec<(String, u8)>> {
            Some(v.iter().map(|(n, f)| ((*n).to_owned(), *f)).collect())
        };
        assert_eq!(
            names(&complete, "org_A"),
            pairs(&[("c0", 0b010), ("c2", 0b101)])
        );
        assert_eq!(names(&complete, "org_Aa"), pairs(&[]));
        assert_eq!(names(&complete, "org_Ab"), pairs(&[("c1", 0b111)]));
        assert_eq!(
            names(&complete, "org_zzzzzzzzzzzzzzzz"),
            pairs(&[("c0", 0), ("c1", 1), ("c2", 2)])
        );
        assert_eq!(complete.organizations(), 4);
        assert_eq!(complete.enabled(), 6);
        let get = complete.get(&OrgId::from_trusted("org_A".into())).unwrap();
        assert_eq!(get[0].connection_id.as_str(), con(0));
    }

    #[test]
    fn an_organization_not_in_the_tenant_is_none() {
        let complete = built(&[("org_Ab", &[]), ("org_B", &[(0, 1, 0)])], 1);
        for missing in [
            "org_A",
            "org_Aa",
            "org_Abc",
            "org_B0",
            "org_a",
            "org_",
            "org_zzzzzzzzzzzzzzzzz",
            "con_Ab",
            "Ab",
        ] {
            assert_eq!(names(&complete, missing), None, "{missing}");
        }
        let empty = built(&[], 0);
        assert_eq!(names(&empty, "org_A"), None);
    }

    #[test]
    fn many_organizations_across_prefixes_are_each_found() {
        let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let ids: Vec<String> = (0..5000usize)
            .map(|n| {
                let mut x = n.wrapping_mul(2_654_435_761) ^ 0x5bd1e995;
                let id: String = (0..16)
                    .map(|_| {
                        let c = alphabet[x % 62] as char;
                        x = x / 62 + n * 7919;
                        c
                    })
                    .collect();
                format!("org_{id}")
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut b = CompleteBuilder::with_capacity(ids.len(), ids.len()).unwrap();
        for n in 0..10 {
            b.connection(
                ConnectionId::from_trusted(con(n)),
                summary(&format!("c{n}")),
            )
            .unwrap();
        }
        for (i, id) in ids.iter().enumerate() {
            b.organization(id).unwrap();
            b.enabled(&con(i % 10), 1, Settings::default()).unwrap();
        }
        let complete = b.build().unwrap();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(
                names(&complete, id),
                Some(vec![(format!("c{}", i % 10), 0b010)]),
                "{id}"
            );
        }
    }

    #[test]
    fn a_tenant_that_cannot_be_packed_is_refused() {
        let mut b = CompleteBuilder::default();
        assert!(b.organization(&format!("org_{}", "a".repeat(17))).is_err());
        assert!(b.organization("con_abc").is_err());
        assert!(
            b.enabled(&con(0), 1, Settings::default()).is_err(),
            "no organization yet"
        );
        b.organization("org_b").unwrap();
        assert!(b.organization("org_a").is_err(), "out of order");
        assert!(b.organization("org_b").is_err(), "twice");
        assert!(
            b.enabled(&con(0), 1, Settings::default()).is_err(),
            "unknown connection"
        );

        let mut b = CompleteBuilder::default();
        for n in 0..MAX_CONNECTIONS {
            b.connection(ConnectionId::from_trusted(con(n)), summary("c"))
                .unwrap();
        }
        assert!(b
            .connection(
                ConnectionId::from_trusted(con(MAX_CONNECTIONS)),
                summary("c")
            )
            .is_err());
        // The last connection that fits keeps its place and its settings.
        b.organization("org_a").unwrap();
        b.enabled(&con(MAX_CONNECTIONS - 1), 1, settings(0b111))
            .unwrap();
        let complete = b.build().unwrap();
        let all = complete.get(&OrgId::from_trusted("org_a".into())).unwrap();
        assert_eq!(all[0].connection_id.as_str(), con(MAX_CONNECTIONS - 1));
        assert_eq!(all[0].settings, settings(0b111));

        assert!(CompleteBuilder::with_capacity(MAX_ORGANIZATIONS + 1, 0).is_err());
    }

    #[test]
    fn loads_wait_for_quiet_rest_after_each_and_back_off_while_thrown_away() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut r = Reloads::new(t0);
        assert!(r.due(t0, None), "at once at start");
        assert!(!r.due(t0, Some(QUIET / 2)), "a write just now");
        assert!(r.due(t0, Some(QUIET)));

        // A 5 s load kept: the next no sooner than 45 s later.
        r.loaded(t0 + s(5), s(5), true);
        assert!(!r.due(t0 + s(49), Some(s(60))));
        assert!(r.due(t0 + s(50), Some(s(60))));

        // Thrown away: 45, then 90 s.
        r.loaded(t0 + s(100), s(5), false);
        assert!(!r.due(t0 + s(144), Some(s(600))));
        assert!(r.due(t0 + s(145), Some(s(600))));
        r.loaded(t0 + s(200), s(5), false);
        assert!(!r.due(t0 + s(289), Some(s(600))));
        assert!(r.due(t0 + s(290), Some(s(600))));
        for _ in 0..20 {
            r.loaded(t0 + s(1000), s(5), false);
        }
        assert!(r.due(t0 + s(1000) + MOST_BACKOFF, Some(s(600))), "capped");

        // A quick load (a small tenant): a second's rest, at least.
        r.loaded(t0 + s(2000), Duration::from_millis(3), true);
        assert!(!r.due(t0 + s(2000) + QUIET / 2, Some(s(600))));
        assert!(r.due(t0 + s(2000) + QUIET, Some(s(600))));
    }
}
