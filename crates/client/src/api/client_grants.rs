//! `/api/v2/client-grants`: which client may call which API with which scopes.

use orgwarden_proto::grants::{ClientGrant, CreateClientGrant, UpdateClientGrant};
use reqwest::Method;

use crate::error::Result;
use crate::{Client, Items, Query};

pub struct ClientGrants<'a> {
    pub(crate) client: &'a Client,
}

fn filter(client_id: Option<&str>, audience: Option<&str>) -> Query {
    let mut q = Query::new();
    if let Some(id) = client_id {
        q.push(("client_id".into(), id.into()));
    }
    if let Some(a) = audience {
        q.push(("audience".into(), a.into()));
    }
    q
}

impl ClientGrants<'_> {
    /// Every grant (of one client, for one audience, when given) by offset paging.
    pub fn all(
        &self,
        client_id: Option<&str>,
        audience: Option<&str>,
        per_page: u32,
    ) -> Items<ClientGrant> {
        let url = self.client.api(&["client-grants"]);
        self.client
            .offset_items(url, filter(client_id, audience), per_page)
    }

    /// The same by checkpoint paging, `take` at a time.
    pub fn checkpoints(
        &self,
        client_id: Option<&str>,
        audience: Option<&str>,
        take: u32,
    ) -> Items<ClientGrant> {
        let url = self.client.api(&["client-grants"]);
        self.client
            .checkpoint_items(url, filter(client_id, audience), take)
    }

    pub async fn get(&self, id: &str) -> Result<ClientGrant> {
        self.client
            .get(self.client.api(&["client-grants", id]), &[])
            .await
    }

    pub async fn create(&self, body: &CreateClientGrant) -> Result<ClientGrant> {
        let url = self.client.api(&["client-grants"]);
        self.client.call(Method::POST, url, &[], Some(body)).await
    }

    pub async fn update(&self, id: &str, body: &UpdateClientGrant) -> Result<ClientGrant> {
        let url = self.client.api(&["client-grants", id]);
        self.client.call(Method::PATCH, url, &[], Some(body)).await
    }

    pub async fn delete(&self, id: &str) -> Result<()> {
        let url = self.client.api(&["client-grants", id]);
        self.client.call_empty(Method::DELETE, url).await
    }
}
