use clap::Parser;
use orgwarden_server::{commands, config::Cli};

/// mimalloc instead of the system allocator: a request allocates and frees many small buffers
/// (headers, JSON), and glibc's malloc took a sixth of the guide's call in a profile
/// (bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
