//! `/api/v2/clients`, and rotating a client's secret.

use orgwarden_proto::clients::{Client as Application, CreateClient, UpdateClient};
use reqwest::Method;

use crate::error::Result;
use crate::{Client, Items};

pub struct Clients<'a> {
    pub(crate) client: &'a Client,
}

impl Clients<'_> {
    /// Every client by offset paging, `per_page` at a time.
    pub fn all(&self, per_page: u32) -> Items<Application> {
        let url = self.client.api(&["clients"]);
        self.client.offset_items(url, Vec::new(), per_page)
    }

    /// Every client by checkpoint paging, `take` at a time.
    pub fn checkpoints(&self, take: u32) -> Items<Application> {
        let url = self.client.api(&["clients"]);
        self.client.checkpoint_items(url, Vec::new(), take)
    }

    pub async fn get(&self, id: &str) -> Result<Application> {
        self.client
            .get(self.client.api(&["clients", id]), &[])
            .await
    }

    /// Creates a client; the answer holds its secret, which is not shown again.
    pub async fn create(&self, body: &CreateClient) -> Result<Application> {
        let url = self.client.api(&["clients"]);
        self.client.call(Method::POST, url, &[], Some(body)).await
    }

    pub async fn update(&self, id: &str, body: &UpdateClient) -> Result<Application> {
        let url = self.client.api(&["clients", id]);
        self.client.call(Method::PATCH, url, &[], Some(body)).await
    }

    pub async fn delete(&self, id: &str) -> Result<()> {
        let url = self.client.api(&["clients", id]);
        self.client.call_empty(Method::DELETE, url).await
    }

    /// A new secret for the client; the old one stops working.
    pub async fn rotate_secret(&self, id: &str) -> Result<Application> {
        let url = self.client.api(&["clients", id, "rotate-secret"]);
        self.client
            .call::<_, ()>(Method::POST, url, &[], None)
            .await
    }
}
