//! `--prune`: what the target has and the source lacks is deleted — organizations,
//! connections, roles, applications and APIs, by the same keys the copy uses. Never the
//! applications the command signs in as, global ones, the system API, or users.

use std::io::Write;

use orgwarden_client::ConnectionFilter;

use super::{Copy, PAGE};
use crate::Failure;

impl<W: Write> Copy<'_, W> {
    pub(super) async fn prune(&mut self) -> Result<(), Failure> {
        let (src, dst) = (self.source, self.target);
        let keep: Vec<String> = self
            .theirs(src.organizations().checkpoints(PAGE))
            .await?
            .iter()
            .map(|o| o.name.clone())
            .collect();
        let theirs: Vec<_> = self.ours(dst.organizations().checkpoints(PAGE)).await?;
        let mut doomed = Vec::new();
        for o in theirs.into_iter().filter(|o| !keep.contains(&o.name)) {
            doomed.push((
                format!("organization {}", o.name),
                Doomed::Organization(o.id),
            ));
        }
        let every = ConnectionFilter::default();
        let keep: Vec<String> = self
            .theirs(src.connections().all(&every, PAGE))
            .await?
            .iter()
            .map(|c| c.name.clone())
            .collect();
        let theirs: Vec<_> = self.ours(dst.connections().all(&every, PAGE)).await?;
        for c in theirs.into_iter().filter(|c| !keep.contains(&c.name)) {
            doomed.push((format!("connection {}", c.name), Doomed::Connection(c.id)));
        }
        let keep: Vec<String> = self
            .theirs(src.roles().all(PAGE))
            .await?
            .iter()
            .map(|r| r.name.clone())
            .collect();
        let theirs: Vec<_> = self.ours(dst.roles().all(PAGE)).await?;
        for r in theirs.into_iter().filter(|r| !keep.contains(&r.name)) {
            doomed.push((format!("role {}", r.name), Doomed::Role(r.id)));
        }
        let keep: Vec<String> = self
            .theirs(src.clients().all(PAGE))
            .await?
            .iter()
            .map(|c| c.name.clone())
            .collect();
        let theirs: Vec<orgwarden_proto::clients::Client> =
            self.ours(dst.clients().all(PAGE)).await?;
        for c in theirs.into_iter().filter(|c| !keep.contains(&c.name)) {
            let global = c.attributes.get("global") == Some(&serde_json::Value::Bool(true));
            if !global && !self.is_own(1, &c.client_id) {
                doomed.push((
                    format!("application {}", c.name),
                    Doomed::Application(c.client_id),
                ));
            }
        }
        let keep: Vec<String> = self
            .theirs(src.resource_servers().all(PAGE))
            .await?
            .iter()
            .map(|r| r.identifier.clone())
            .collect();
        let theirs: Vec<_> = self.ours(dst.resource_servers().all(PAGE)).await?;
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
                    Doomed::Organization(id) => dst
                        .organizations()
                        .delete(&id)
                        .await
                        .map_err(self.at_target())?,
                    Doomed::Connection(id) => dst
                        .connections()
                        .delete(&id)
                        .await
                        .map(|_| ())
                        .map_err(self.at_target())?,
                    Doomed::Role(id) => dst.roles().delete(&id).await.map_err(self.at_target())?,
                    Doomed::Application(id) => {
                        dst.clients().delete(&id).await.map_err(self.at_target())?
                    }
                    Doomed::Api(id) => dst
                        .resource_servers()
                        .delete(&id)
                        .await
                        .map_err(self.at_target())?,
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
