use clap::Parser;
use orgwarden_server::{commands, config::Cli};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match commands::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("orgwarden: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
