//! Long lists, fetched page by page, with a running count on the terminal (stderr) so a
//! listing of thousands does not look stuck; nothing is shown when stderr is not a terminal
//! (scripts, pipes, CI), and the line is cleared when the list is complete.

use std::io::{IsTerminal, Write};

use futures_util::TryStreamExt;
use orgwarden_client::Items;

/// Counted every this many items.
const EVERY: usize = 100;

/// Every item of `items`.
pub async fn collect<T>(items: Items<T>) -> Result<Vec<T>, orgwarden_client::Error> {
    collect_showing(items, std::io::stderr().is_terminal()).await
}

async fn collect_showing<T>(
    mut items: Items<T>,
    show: bool,
) -> Result<Vec<T>, orgwarden_client::Error> {
    let mut all = Vec::new();
    while let Some(item) = items.try_next().await? {
        all.push(item);
        if show && all.len() % EVERY == 0 {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\rfetched {}…", all.len());
            let _ = err.flush();
        }
    }
    if show && all.len() >= EVERY {
        let _ = write!(std::io::stderr().lock(), "\r\x1b[K");
    }
    Ok(all)
}
