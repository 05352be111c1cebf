//! orgwarden served in-process on a real socket, over TLS with the CA it generates, so the
//! client is tested as a CLI would use it: by domain, trusting `ca.pem`, with client
//! credentials. In-process (not the built binary) so the test needs no build order and can
//! read the server's request counters; the socket, TLS and HTTP stack are the real ones.

use std::path::PathBuf;

use orgwarden_client::Client;
use orgwarden_server::bootstrap::{self, AdminClient};
use orgwarden_server::config::Settings;
use orgwarden_server::state::AppState;
use orgwarden_server::{server, tls};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub struct Served {
    /// `localhost:PORT`.
    pub domain: String,
    pub ca: PathBuf,
    pub admin: AdminClient,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    _dir: TempDir,
}

impl Served {
    /// A fresh server (empty database, new keys, new CA) with rate-limit `plan`.
    pub async fn start(plan: &str) -> Served {
        server::install_crypto_provider();
        let dir = tempfile::tempdir().expect("temp dir");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        // Explicit settings: nothing a user exported reaches the test.
        let mut settings = Settings::new(dir.path());
        settings.listen = ([127, 0, 0, 1], port).into();
        settings.rate_limit = plan.parse().expect("a rate-limit plan");
        let prepared = bootstrap::prepare(&settings, port)
            .await
            .expect("bootstrap");
        let domain = prepared.state.identity().domain.clone();
        let files =
            tls::ensure_local_certificate(&settings.tls_dir(), &domain).expect("certificate");
        let config = tls::server_config(&files.cert, &files.key).expect("TLS config");
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(server::serve(
            listener,
            Some(config),
            server::router(prepared.state.clone()),
            settings.limits,
            async {
                let _ = stopped.await;
            },
        ));
        Served {
            domain,
            ca: files.ca.expect("a generated CA"),
            admin: prepared.admin,
            state: prepared.state,
            stop: Some(stop),
            _dir: dir,
        }
    }

    /// A client for the admin client, by client credentials, trusting the server's CA.
    pub fn admin_client(&self) -> Client {
        Client::builder()
            .domain(&self.domain)
            .ca_file(&self.ca)
            .client_credentials(&self.admin.client_id, &self.admin.client_secret)
            .build()
            .expect("client")
    }

    /// How many requests the server answered for `route` with `method` and `status`, from
    /// its own counters (`/metrics`).
    pub fn answered(&self, route: &str, method: &str, status: u16) -> u64 {
        let text = self.state.operations().metrics.render(None);
        let wanted = format!(
            "orgwarden_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} "
        );
        text.lines()
            .find_map(|l| l.strip_prefix(&wanted))
            .map(|n| n.trim().parse().expect("a count"))
            .unwrap_or(0)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
