//! `/api/v2/keys/signing`: the keys that sign access tokens; rotation and revocation.

use orgwarden_proto::signing_keys::{KeyRef, SigningKey};
use reqwest::Method;

use crate::error::Result;
use crate::Client;

pub struct SigningKeys<'a> {
    pub(crate) client: &'a Client,
}

impl SigningKeys<'_> {
    pub async fn list(&self) -> Result<Vec<SigningKey>> {
        let url = self.client.api(&["keys", "signing"]);
        self.client.get(url, &[]).await
    }

    pub async fn get(&self, kid: &str) -> Result<SigningKey> {
        let url = self.client.api(&["keys", "signing", kid]);
        self.client.get(url, &[]).await
    }

    /// Makes a new key current; the previous one still verifies the tokens it signed.
    pub async fn rotate(&self) -> Result<KeyRef> {
        let url = self.client.api(&["keys", "signing", "rotate"]);
        self.client
            .call::<_, ()>(Method::POST, url, &[], None)
            .await
    }

    /// Revokes a previous key: tokens it signed are refused from now on.
    pub async fn revoke(&self, kid: &str) -> Result<KeyRef> {
        let url = self.client.api(&["keys", "signing", kid, "revoke"]);
        self.client.call::<_, ()>(Method::PUT, url, &[], None).await
    }
}
