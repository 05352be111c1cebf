use clap::Parser;
use orgwarden_server::commands;
use orgwarden_server::config::{Cli, Command};

/// mimalloc instead of the system allocator: a request allocates and frees many small buffers
/// (headers, JSON), and glibc's malloc took a sixth of the guide's call in a profile
/// (bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // The client subcommands have exit codes of their own (API, network, credential).
    let cli = match cli.command {
        Command::Client(cmd) => {
            return orgwarden_cli::run(cmd, &mut std::io::stdout().lock(), std::io::stderr()).await
        }
        command => Cli { command },
    };
    match commands::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("orgwarden: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
