use orgwarden_client::{Client, Error};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::app::claims_of;
use crate::served::Served;

fn body<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("a valid request body")
}

#[tokio::test]
async fn clients_and_grants_lifecycle() {
    let s = Served::new().await;
    let (clients, grants) = (s.client.clients(), s.client.client_grants());
    let created = clients
        .create(&body(
            json!({"name": "billing-worker", "app_type": "non_interactive"}),
        ))
        .await
        .unwrap();
    let id = created.client_id.clone();
    let secret = created.client_secret.clone().expect("the secret, once");
    assert_eq!(
        created.attributes["grant_types"],
        json!(["client_credentials"])
    );

    // The secret is shown once.
    assert!(clients.get(&id).await.unwrap().client_secret.is_none());

    let aud = s.app.state.identity().audience.clone();
    let grant = grants
        .create(&body(
            json!({"client_id": id, "audience": aud, "scope": ["read:organizations"]}),
        ))
        .await
        .unwrap()
        .id;
    let again = grants
        .create(&body(
            json!({"client_id": id, "audience": aud, "scope": []}),
        ))
        .await
        .unwrap_err();
    assert_eq!(again.status(), Some(409));
    let listed: Vec<_> = futures_util::TryStreamExt::try_collect(grants.all(Some(&id), None, 50))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);

    // The new client can get a token with its grant's scopes.
    let as_client = |secret: &str| {
        Client::builder()
            .domain(&s.app.state.identity().domain)
            .base_url(&s.base_url)
            .client_credentials(&id, secret)
            .build()
            .unwrap()
    };
    let token = as_client(&secret).access_token().await.unwrap();
    assert_eq!(claims_of(&token)["scope"], "read:organizations");

    // Rotation: the old secret stops working.
    let new_secret = clients
        .rotate_secret(&id)
        .await
        .unwrap()
        .client_secret
        .unwrap();
    assert_ne!(new_secret, secret);
    match as_client(&secret).access_token().await.unwrap_err() {
        Error::OAuth { status, .. } => assert_eq!(status, 401),
        other => panic!("{other:?}"),
    }

    let updated = grants
        .update(
            &grant,
            &body(json!({"scope": ["read:organizations", "read:connections"]})),
        )
        .await
        .unwrap();
    assert_eq!(updated.scope, ["read:organizations", "read:connections"]);
    clients.delete(&id).await.unwrap();
    let gone = grants.get(&grant).await.unwrap_err();
    assert_eq!(
        (gone.status(), gone.error_code()),
        (Some(404), Some("inexistent_client_grant"))
    );
}
