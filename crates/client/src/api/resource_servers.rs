//! `/api/v2/resource-servers`: the APIs clients get tokens for. `id` may be the id or the
//! identifier (sent as one path segment, `/` encoded).

use orgwarden_proto::resource_servers::{
    CreateResourceServer, ResourceServer, UpdateResourceServer,
};
use reqwest::Method;

use crate::error::Result;
use crate::{Client, Items, Query};

pub struct ResourceServers<'a> {
    pub(crate) client: &'a Client,
}

impl ResourceServers<'_> {
    /// Every resource server, the Management API (`is_system`) first, by offset paging.
    pub fn all(&self, per_page: u32) -> Items<ResourceServer> {
        let url = self.client.api(&["resource-servers"]);
        self.client.offset_items(url, Query::new(), per_page)
    }

    pub async fn get(&self, id_or_identifier: &str) -> Result<ResourceServer> {
        self.client
            .get(
                self.client.api(&["resource-servers", id_or_identifier]),
                &[],
            )
            .await
    }

    pub async fn create(&self, body: &CreateResourceServer) -> Result<ResourceServer> {
        let url = self.client.api(&["resource-servers"]);
        self.client.call(Method::POST, url, &[], Some(body)).await
    }

    pub async fn update(
        &self,
        id_or_identifier: &str,
        body: &UpdateResourceServer,
    ) -> Result<ResourceServer> {
        let url = self.client.api(&["resource-servers", id_or_identifier]);
        self.client.call(Method::PATCH, url, &[], Some(body)).await
    }

    /// Deletes it and the client grants on its identifier.
    pub async fn delete(&self, id_or_identifier: &str) -> Result<()> {
        let url = self.client.api(&["resource-servers", id_or_identifier]);
        self.client.call_empty(Method::DELETE, url).await
    }
}
