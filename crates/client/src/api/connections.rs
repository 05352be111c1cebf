//! `/api/v2/connections`, with the list's filters.

use orgwarden_proto::connections::{
    Connection, CreateConnection, DeletedConnection, UpdateConnection,
};
use reqwest::Method;

use crate::error::Result;
use crate::{Client, Items, Query};

pub struct Connections<'a> {
    pub(crate) client: &'a Client,
}

/// What the list is narrowed to: any of these strategies, this exact name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionFilter {
    pub strategy: Vec<String>,
    pub name: Option<String>,
}

impl ConnectionFilter {
    fn query(&self) -> Query {
        let mut q: Query = self
            .strategy
            .iter()
            .map(|s| ("strategy".to_owned(), s.clone()))
            .collect();
        if let Some(name) = &self.name {
            q.push(("name".into(), name.clone()));
        }
        q
    }
}

impl Connections<'_> {
    /// Every matching connection by offset paging, `per_page` at a time.
    pub fn all(&self, filter: &ConnectionFilter, per_page: u32) -> Items<Connection> {
        let url = self.client.api(&["connections"]);
        self.client.offset_items(url, filter.query(), per_page)
    }

    /// Every matching connection by checkpoint paging, `take` at a time.
    pub fn checkpoints(&self, filter: &ConnectionFilter, take: u32) -> Items<Connection> {
        let url = self.client.api(&["connections"]);
        self.client.checkpoint_items(url, filter.query(), take)
    }

    pub async fn get(&self, id: &str) -> Result<Connection> {
        self.client
            .get(self.client.api(&["connections", id]), &[])
            .await
    }

    pub async fn create(&self, body: &CreateConnection) -> Result<Connection> {
        let url = self.client.api(&["connections"]);
        self.client.call(Method::POST, url, &[], Some(body)).await
    }

    pub async fn update(&self, id: &str, body: &UpdateConnection) -> Result<Connection> {
        let url = self.client.api(&["connections", id]);
        self.client.call(Method::PATCH, url, &[], Some(body)).await
    }

    /// Deletes the connection. Auth0 answers `202` with the time of deletion, or `204` for a
    /// connection already gone (`None`).
    pub async fn delete(&self, id: &str) -> Result<Option<DeletedConnection>> {
        let url = self.client.api(&["connections", id]);
        self.client.call_optional(Method::DELETE, url).await
    }
}
