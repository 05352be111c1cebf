//! A [`TestApp`] served on a real socket (plain HTTP, port 0) and driven through
//! `orgwarden-client`, as SDKs and the CLI reach it: tests that are about behaviour use the
//! typed client; those about the wire still see status, headers and raw bytes through
//! [`Client::send`].

use orgwarden_client::Client;
use orgwarden_server::config::Settings;
use tokio::sync::oneshot;

use crate::app::TestApp;

pub struct Served {
    pub app: TestApp,
    /// The admin client, by client credentials over `/oauth/token`.
    pub client: Client,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    stop: Option<oneshot::Sender<()>>,
}

impl Served {
    /// A fresh app (default `dev` plan), served.
    pub async fn new() -> Served {
        Served::start(TestApp::new().await)
    }

    /// Serves `app` until the returned value is dropped.
    pub fn start(app: TestApp) -> Served {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let limits = Settings::new(".").limits;
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(orgwarden_server::server::serve(
            listener,
            None,
            app.router.clone(),
            limits,
            async {
                let _ = stopped.await;
            },
        ));
        let client = Client::builder()
            .domain(&app.state.identity().domain)
            .base_url(&base_url)
            .client_credentials(&app.admin.client_id, &app.admin.client_secret)
            .build()
            .expect("client");
        Served {
            app,
            client,
            base_url,
            stop: Some(stop),
        }
    }

    /// A client holding `token` (a narrower one, or a bad one), to the same server.
    pub fn client_with_token(&self, token: &str) -> Client {
        Client::builder()
            .domain(&self.app.state.identity().domain)
            .base_url(&self.base_url)
            .token(token)
            .build()
            .expect("client")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
