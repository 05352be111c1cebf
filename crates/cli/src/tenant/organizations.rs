//! Organizations (display name, branding, metadata) and their enabled connections with their
//! settings, by name.

use std::io::Write;

use orgwarden_client::ConnectionFilter;
use orgwarden_proto::connections::Connection;
use orgwarden_proto::enabled_connections::{
    CreateEnabledConnection, EnabledConnection, SettingsBody,
};
use orgwarden_proto::organizations::{CreateOrganization, Organization, UpdateOrganization};

use super::{Copy, PAGE};
use crate::Failure;

impl<W: Write> Copy<'_, W> {
    pub(super) async fn organizations(&mut self) -> Result<(), Failure> {
        let theirs: Vec<Organization> = self
            .theirs(self.source.organizations().checkpoints(PAGE))
            .await?;
        let ours: Vec<Organization> = self
            .ours(self.target.organizations().checkpoints(PAGE))
            .await?;
        // Connection ids differ between tenants: names join them.
        let every = ConnectionFilter::default();
        let target_connections: Vec<Connection> = if self.dry_run {
            Vec::new()
        } else {
            self.ours(self.target.connections().all(&every, PAGE))
                .await?
        };
        for o in theirs {
            let id = match ours.iter().find(|x| x.name == o.name) {
                None => {
                    self.say(format!("create organization {}", o.name))?;
                    self.tally.created += 1;
                    if self.dry_run {
                        None
                    } else {
                        let body = CreateOrganization {
                            name: o.name.clone(),
                            display_name: o.display_name.clone(),
                            branding: o.branding.clone(),
                            metadata: o.metadata.clone(),
                            ..CreateOrganization::default()
                        };
                        Some(
                            self.target
                                .organizations()
                                .create(&body)
                                .await
                                .map_err(self.at_target())?
                                .id,
                        )
                    }
                }
                Some(x)
                    if x.display_name == o.display_name
                        && x.branding == o.branding
                        && x.metadata == o.metadata =>
                {
                    self.tally.unchanged += 1;
                    Some(x.id.clone())
                }
                Some(x) => {
                    self.say(format!("update organization {}", o.name))?;
                    self.tally.updated += 1;
                    if !self.dry_run {
                        let body = UpdateOrganization {
                            display_name: o.display_name.clone(),
                            branding: Some(o.branding.clone()),
                            metadata: Some(o.metadata.clone()),
                            ..UpdateOrganization::default()
                        };
                        self.target
                            .organizations()
                            .update(&x.id, &body)
                            .await
                            .map_err(self.at_target())?;
                    }
                    Some(x.id.clone())
                }
            };
            self.enabled_connections(&o, id.as_deref(), &target_connections)
                .await?;
            if let Some(id) = id.as_deref() {
                self.members(&o.id, id, &o.name).await?;
            }
        }
        Ok(())
    }

    /// The organization's enabled connections (and their settings), by connection name.
    async fn enabled_connections(
        &mut self,
        org: &Organization,
        target_org: Option<&str>,
        target_connections: &[Connection],
    ) -> Result<(), Failure> {
        let theirs: Vec<EnabledConnection> = self
            .theirs(self.source.enabled_connections(&org.id).all(PAGE))
            .await?;
        let ours: Vec<EnabledConnection> = match target_org {
            Some(id) if !self.dry_run => {
                self.ours(self.target.enabled_connections(id).all(PAGE))
                    .await?
            }
            _ => Vec::new(),
        };
        for e in theirs {
            let name = &e.connection.name;
            let settings = SettingsBody {
                assign_membership_on_login: Some(e.assign_membership_on_login),
                is_signup_enabled: e.is_signup_enabled,
                show_as_button: Some(e.show_as_button),
            };
            match ours.iter().find(|x| &x.connection.name == name) {
                Some(x)
                    if x.assign_membership_on_login == e.assign_membership_on_login
                        && x.is_signup_enabled == e.is_signup_enabled
                        && x.show_as_button == e.show_as_button =>
                {
                    self.tally.unchanged += 1;
                }
                Some(x) => {
                    self.say(format!(
                        "update connection {name} of organization {}",
                        org.name
                    ))?;
                    if let (false, Some(id)) = (self.dry_run, target_org) {
                        self.target
                            .enabled_connections(id)
                            .update(&x.connection_id, &settings)
                            .await
                            .map_err(self.at_target())?;
                    }
                    self.tally.updated += 1;
                }
                None => {
                    self.say(format!(
                        "enable connection {name} for organization {}",
                        org.name
                    ))?;
                    if let (false, Some(id)) = (self.dry_run, target_org) {
                        let Some(c) = target_connections.iter().find(|c| &c.name == name) else {
                            return Err(Failure::NotFound(format!(
                                "connection {name} is not on the target"
                            )));
                        };
                        let body = CreateEnabledConnection {
                            connection_id: c.id.clone(),
                            settings,
                        };
                        self.target
                            .enabled_connections(id)
                            .enable(&body)
                            .await
                            .map_err(self.at_target())?;
                    }
                    self.tally.created += 1;
                }
            }
        }
        Ok(())
    }
}
