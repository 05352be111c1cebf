//! `--prune`: what the target has and the source lacks is deleted — organizations,
//! connections, roles, applications and APIs, by the same keys the copy uses. Never the
//! applications the command signs in as, global ones, the system API, or users.

use std::io::Write;

use futures_util::TryStreamExt;
use orgwarden_client::ConnectionFilter;

use super::{Copy, PAGE};
use crate::Failure;

/// Names (or identifiers) on the source.
async fn names<T, F>(
    items: orgwarden_client::Items<T>,
    key: F,
) -> Result<Vec<String>, orgwarden_client::Error>
where
    F: Fn(&T) -> String,
{
    let all: Vec<T> = items.try_collect().await?;
    Ok(all.iter().map(key).collect())
}

impl<W: Write> Copy<'_, W> {
    pub(super) async fn prune(&mut self) -> Result<(), Failure> {
        let (src, dst) = (self.source, self.target);
        let (from_domain, to_domain) = (self.from.clone(), self.to.clone());
        let from = |e| Failure::from(e).at(&from_domain);
        let to = |e| Failure::from(e).at(&to_domain);
        let keep = names(src.organizations().checkpoints(PAGE), |o| o.name.clone())
            .await
            .map_err(from)?;
        let theirs: Vec<_> = dst
            .organizations()
            .checkpoints(PAGE)
            .try_collect()
            .await
            .map_err(to)?;
        let mut doomed = Vec::new();
        for o in theirs.into_iter().filter(|o| !keep.contains(&o.name)) {
            doomed.push((
                format!("organization {}", o.name),
                Doomed::Organization(o.id),
            ));
        }
        let every = ConnectionFilter::default();
        let keep = names(src.connections().all(&every, PAGE), |c| c.name.clone())
            .await
            .map_err(from)?;
        let theirs: Vec<_> = dst
            .connections()
            .all(&every, PAGE)
            .try_collect()
            .await
            .map_err(to)?;
        for c in theirs.into_iter().filter(|c| !keep.contains(&c.name)) {
            doomed.push((format!("connection {}", c.name), Doomed::Connection(c.id)));
        }
        let keep = names(src.roles().all(PAGE), |r| r.name.clone())
            .await
            .map_err(from)?;
        let theirs: Vec<_> = dst.roles().all(PAGE).try_collect().await.map_err(to)?;
        for r in theirs.into_iter().filter(|r| !keep.contains(&r.name)) {
            doomed.push((format!("role {}", r.name), Doomed::Role(r.id)));
        }
        let keep = names(src.clients().all(PAGE), |c| c.name.clone())
            .await
            .map_err(from)?;
        let theirs: Vec<orgwarden_proto::clients::Client> =
            dst.clients().all(PAGE).try_collect().await.map_err(to)?;
        for c in theirs.into_iter().filter(|c| !keep.contains(&c.name)) {
            let global = c.attributes.get("global") == Some(&serde_json::Value::Bool(true));
            if !global && !self.is_own(1, &c.client_id) {
                doomed.push((
                    format!("application {}", c.name),
                    Doomed::Application(c.client_id),
                ));
            }
        }
        let keep = names(src.resource_servers().all(PAGE), |r| r.identifier.clone())
            .await
            .map_err(from)?;
        let theirs: Vec<_> = dst
            .resource_servers()
            .all(PAGE)
            .try_collect()
            .await
            .map_err(to)?;
        for r in theirs
            .into_iter()
            .filter(|r| r.is_system != Some(true) && !keep.contains(&r.identifier))
        {
            doomed.push((format!("API {}", r.identifier), Doomed::Api(r.id)));
        }
        for (what, item) in doomed {
            self.say(format!("delete {what} (not on the source)"))?;
            if !self.dry_run {
                match item {
                    Doomed::Organization(id) => {
                        dst.organizations().delete(&id).await.map_err(to)?
                    }
                    Doomed::Connection(id) => dst
                        .connections()
                        .delete(&id)
                        .await
                        .map(|_| ())
                        .map_err(to)?,
                    Doomed::Role(id) => dst.roles().delete(&id).await.map_err(to)?,
                    Doomed::Application(id) => dst.clients().delete(&id).await.map_err(to)?,
                    Doomed::Api(id) => dst.resource_servers().delete(&id).await.map_err(to)?,
                }
            }
            self.tally.deleted += 1;
        }
        Ok(())
    }
}

enum Doomed {
    Organization(String),
    Connection(String),
    Role(String),
    Application(String),
    Api(String),
}
