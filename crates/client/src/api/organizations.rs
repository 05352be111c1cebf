//! `/api/v2/organizations`: the list in Auth0's three shapes, and one organization by id or
//! by name.

use orgwarden_proto::organizations::{CreateOrganization, Organization, UpdateOrganization};
use orgwarden_proto::paging::{Page, Totals};
use reqwest::Method;

use super::totals_query;
use crate::error::{Error, Result};
use crate::{Client, Items};

pub struct Organizations<'a> {
    pub(crate) client: &'a Client,
}

impl Organizations<'_> {
    /// The first page (Auth0's default of 50), as a bare array.
    pub async fn list(&self) -> Result<Vec<Organization>> {
        self.client
            .get(self.client.api(&["organizations"]), &[])
            .await
    }

    /// Page `page` (from 0) of `per_page`, with `start`, `limit` and `total`.
    pub async fn page(&self, page: u32, per_page: u32) -> Result<Totals<Organization>> {
        let url = self.client.api(&["organizations"]);
        match self.client.get(url, &totals_query(page, per_page)).await? {
            Page::Totals(t) => Ok(t),
            _ => Err(Error::Decode {
                what: "GET /api/v2/organizations?include_totals=true".into(),
                detail: "a list without totals".into(),
            }),
        }
    }

    /// Every organization by offset paging (Auth0 stops offset paging at 1000: use
    /// [`checkpoints`](Self::checkpoints) beyond).
    pub fn all(&self, per_page: u32) -> Items<Organization> {
        let url = self.client.api(&["organizations"]);
        self.client.offset_items(url, Vec::new(), per_page)
    }

    /// Every organization by checkpoint paging (`from`/`take`), `take` at a time.
    pub fn checkpoints(&self, take: u32) -> Items<Organization> {
        let url = self.client.api(&["organizations"]);
        self.client.checkpoint_items(url, Vec::new(), take)
    }

    pub async fn get(&self, id: &str) -> Result<Organization> {
        self.client
            .get(self.client.api(&["organizations", id]), &[])
            .await
    }

    pub async fn get_by_name(&self, name: &str) -> Result<Organization> {
        let url = self.client.api(&["organizations", "name", name]);
        self.client.get(url, &[]).await
    }

    pub async fn create(&self, body: &CreateOrganization) -> Result<Organization> {
        let url = self.client.api(&["organizations"]);
        self.client.call(Method::POST, url, &[], Some(body)).await
    }

    pub async fn update(&self, id: &str, body: &UpdateOrganization) -> Result<Organization> {
        let url = self.client.api(&["organizations", id]);
        self.client.call(Method::PATCH, url, &[], Some(body)).await
    }

    pub async fn delete(&self, id: &str) -> Result<()> {
        let url = self.client.api(&["organizations", id]);
        self.client.call_empty(Method::DELETE, url).await
    }
}
