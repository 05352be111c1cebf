//! `/api/v2/organizations/{id}/enabled_connections`: the connections one organization offers.

use orgwarden_proto::enabled_connections::{
    CreateEnabledConnection, EnabledConnection, UpdateEnabledConnection,
};
use reqwest::Method;

use crate::error::Result;
use crate::{Client, Items};

pub struct EnabledConnections<'a> {
    pub(crate) client: &'a Client,
    pub(crate) org_id: &'a str,
}

impl EnabledConnections<'_> {
    fn url(&self, rest: &[&str]) -> reqwest::Url {
        let mut segments = vec!["organizations", self.org_id, "enabled_connections"];
        segments.extend_from_slice(rest);
        self.client.api(&segments)
    }

    /// The first page (50), as a bare array.
    pub async fn list(&self) -> Result<Vec<EnabledConnection>> {
        self.client.get(self.url(&[]), &[]).await
    }

    /// Every enabled connection, `per_page` at a time.
    pub fn all(&self, per_page: u32) -> Items<EnabledConnection> {
        self.client
            .offset_items(self.url(&[]), Vec::new(), per_page)
    }

    pub async fn get(&self, connection_id: &str) -> Result<EnabledConnection> {
        self.client.get(self.url(&[connection_id]), &[]).await
    }

    /// Enables a connection for the organization.
    pub async fn enable(&self, body: &CreateEnabledConnection) -> Result<EnabledConnection> {
        self.client
            .call(Method::POST, self.url(&[]), &[], Some(body))
            .await
    }

    pub async fn update(
        &self,
        connection_id: &str,
        body: &UpdateEnabledConnection,
    ) -> Result<EnabledConnection> {
        self.client
            .call(Method::PATCH, self.url(&[connection_id]), &[], Some(body))
            .await
    }

    /// Disables the connection for the organization (the connection itself stays).
    pub async fn disable(&self, connection_id: &str) -> Result<()> {
        self.client
            .call_empty(Method::DELETE, self.url(&[connection_id]))
            .await
    }
}
