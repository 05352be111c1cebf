//! The subcommands: `serve`, `token`, `trust`, `migrate`, `db-copy`, `master-key generate`,
//! `completions`
//! (the client subcommands, `orgs …` and `login`, are orgwarden-cli's: see main.rs).

use std::net::TcpListener;
use std::path::Path;

use anyhow::Context;

use crate::bootstrap::{self, Prepared};
use crate::config::{Cli, Command, LogFormat, MasterKeyCommand, Settings};
use crate::{server, tls};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(settings) => serve(settings).await,
        Command::Token { settings, scopes } => token(settings, scopes).await,
        Command::Trust(settings) => trust(&settings),
        Command::MasterKey {
            command: MasterKeyCommand::Generate { out },
        } => {
            let key = crate::auth::sealing::generate_master_key()?;
            match out {
                Some(path) => {
                    crate::files::create_private(&path, format!("{key}\n").as_bytes())?;
                    eprintln!(
                        "wrote a new master key to {} (0600); start orgwarden with ORGWARDEN_MASTER_KEY_FILE={} and keep a copy somewhere safe: without it the signing keys cannot be read",
                        path.display(),
                        path.display()
                    );
                }
                None => println!("{key}"),
            }
            Ok(())
        }
        Command::DbCopy { from, to } => {
            let (source, target) = (
                bootstrap::open_store(&from).await?,
                bootstrap::open_store(&to).await?,
            );
            let c = crate::dbcopy::copy(source.as_ref(), target.as_ref()).await?;
            println!(
                "copied {} organizations, {} connections, {} enabled connections, {} clients, {} grants, {} organization client grants, {} resource servers, {} users, {} memberships, {} roles, {} role permissions and holdings, {} invitations, {} discovery domains, {} signing keys; counts verified",
                c.organizations, c.connections, c.enabled_connections, c.clients, c.grants, c.organization_grants, c.resource_servers, c.users, c.members, c.roles, c.role_holdings, c.invitations, c.discovery_domains, c.keys
            );
            Ok(())
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "orgwarden", &mut script);
            // Into a buffer first: a reader that stops early (`| head`) is not an error.
            match std::io::Write::write_all(&mut std::io::stdout(), &script) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(e).context("writing the completion script")
                }
                _ => Ok(()),
            }
        }
        Command::Client(_) => {
            anyhow::bail!("the client subcommands are run by orgwarden_cli::run, from main")
        }
        Command::Migrate(settings) => {
            bootstrap::open_store(&settings.database_url()).await?;
            println!(
                "database is up to date: {}",
                bootstrap::redact_url(&settings.database_url())
            );
            Ok(())
        }
    }
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ORGWARDEN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn"));
    // Colours only for a person at a terminal: a log file gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    init_tracing(settings.log_format);
    settings.limits.check().map_err(anyhow::Error::msg)?;
    server::install_crypto_provider();
    let listener = TcpListener::bind(settings.listen)
        .with_context(|| format!("binding {}", settings.listen))?;
    let addr = listener.local_addr()?;
    let Prepared {
        state,
        admin,
        admin_created,
    } = bootstrap::prepare(&settings, addr.port()).await?;
    let identity = state.identity().clone();

    let (tls_config, ca) = if settings.tls_enabled() {
        let files = match (&settings.tls_cert, &settings.tls_key) {
            (Some(cert), Some(key)) => tls::TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
                ca: None,
            },
            _ => tls::ensure_local_certificate(&settings.tls_dir(), &identity.domain)?,
        };
        let config = tls::server_config(&files.cert, &files.key)
            .with_context(|| format!("loading TLS certificate {}", files.cert.display()))?;
        (Some(config), files.ca)
    } else {
        (None, None)
    };

    let scheme = if settings.tls_enabled() {
        "https"
    } else {
        "http"
    };
    println!(
        "orgwarden {} listening on {scheme}://{addr}",
        env!("CARGO_PKG_VERSION")
    );
    println!(
        "  domain:   {} (token iss {}, aud {})",
        identity.domain, identity.issuer, identity.audience
    );
    println!(
        "  database: {}",
        bootstrap::redact_url(&settings.database_url())
    );
    if state.tokens().master_key().is_some() {
        println!("  keys:     signing keys encrypted with the master key");
    } else {
        println!("  WARNING:  signing keys are stored UNENCRYPTED; set ORGWARDEN_MASTER_KEY or ORGWARDEN_MASTER_KEY_FILE (see `orgwarden master-key generate`)");
    }
    if let Some(ca) = &ca {
        println!("  CA:       {} (trust it: `orgwarden trust`, curl --cacert, NODE_EXTRA_CA_CERTS, SSL_CERT_FILE)", ca.display());
    }
    let admin_file = settings.admin_client_file();
    if admin_created {
        println!(
            "  admin client created; its secret is shown once here and kept in {} (0600):",
            admin_file.display()
        );
        println!("    client_id     {}", admin.client_id);
        println!("    client_secret {}", admin.client_secret);
    } else {
        println!(
            "  admin client: {} (credentials in {})",
            admin.client_id,
            admin_file.display()
        );
    }
    let cacert = ca
        .as_ref()
        .map(|c| format!("--cacert {} ", c.display()))
        .unwrap_or_default();
    println!("Get a token:");
    println!("  orgwarden token          (from a checkout: cargo run --release -- token)");
    println!(
        "  curl {cacert}{}/oauth/token -d grant_type=client_credentials -d client_id={} -d client_secret=… --data-urlencode audience={}",
        identity.base_url, admin.client_id, identity.audience
    );

    crate::auth::rotation::spawn_refresh(state.tokens_handle(), state.store().clone());
    server::serve(
        listener,
        tls_config,
        server::router(state),
        settings.limits,
        shutdown_signal(),
    )
    .await?;
    tracing::info!("stopped");
    Ok(())
}

async fn token(settings: Settings, scopes: Vec<String>) -> anyhow::Result<()> {
    server::install_crypto_provider();
    let Prepared { state, admin, .. } =
        bootstrap::prepare(&settings, settings.listen.port()).await?;
    let id = orgwarden_domain::ids::ClientId::parse(&admin.client_id)
        .context("admin-client.json has a bad client_id")?;
    let audience = &state.identity().audience;
    let grant = state
        .store()
        .find_grant(&id, audience)
        .await?
        .context("the admin client has no grant on the Management API")?;
    let scopes = if scopes.is_empty() {
        grant.scope.clone()
    } else {
        let unknown: Vec<&String> = scopes.iter().filter(|s| !grant.scope.contains(s)).collect();
        anyhow::ensure!(
            unknown.is_empty(),
            "the admin client has no such scope: {unknown:?}"
        );
        scopes
    };
    println!(
        "{}",
        state.tokens().mint(&admin.client_id, audience, &scopes)?
    );
    Ok(())
}

fn trust(settings: &Settings) -> anyhow::Result<()> {
    let ca = settings.tls_dir().join("ca.pem");
    anyhow::ensure!(
        ca.exists(),
        "{} does not exist yet: run `orgwarden serve` once first",
        ca.display()
    );
    let anchors = Path::new("/usr/local/share/ca-certificates");
    if !Path::new("/usr/sbin/update-ca-certificates").exists()
        && !Path::new("/usr/bin/update-ca-certificates").exists()
    {
        anyhow::bail!(
            "no update-ca-certificates here; add {} to your system's or your client's trust store by hand \
             (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, REQUESTS_CA_BUNDLE, curl --cacert)",
            ca.display()
        );
    }
    std::fs::create_dir_all(anchors).with_context(|| format!("creating {}", anchors.display()))?;
    let target = anchors.join("orgwarden-local-ca.crt");
    std::fs::copy(&ca, &target)
        .with_context(|| format!("copying the CA to {} (are you root?)", target.display()))?;
    let status = std::process::Command::new("update-ca-certificates")
        .status()
        .context("running update-ca-certificates")?;
    anyhow::ensure!(status.success(), "update-ca-certificates failed");
    println!(
        "trusted {} (installed as {})",
        ca.display(),
        target.display()
    );
    Ok(())
}
