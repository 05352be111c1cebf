//! Auth0's two ways through a long list, as streams of items that fetch the next page when
//! the previous one is used up:
//! - offset: `page`, `per_page`, `include_totals=true`, until `start + items >= total`;
//! - checkpoint: `take`, then `from=<next>`, until a page comes without `next`.

use std::pin::Pin;

use futures_core::Stream;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use orgwarden_proto::paging::Page;
use reqwest::Url;
use serde::de::DeserializeOwned;

use crate::error::Result;
use crate::transport::Query;
use crate::Client;

/// The items of a list, across pages.
pub type Items<T> = Pin<Box<dyn Stream<Item = Result<T>> + Send + 'static>>;

/// Where the next page is.
enum Next {
    Offset(u32),
    Checkpoint(Option<String>),
    Done,
}

impl Client {
    /// Every item of the list at `url` (with `query`'s filters), `per_page` at a time.
    pub(crate) fn offset_items<T>(&self, url: Url, query: Query, per_page: u32) -> Items<T>
    where
        T: DeserializeOwned + Send + 'static,
    {
        self.items(url, query, Next::Offset(0), per_page)
    }

    /// Every item of the list at `url`, by checkpoints, `take` at a time.
    pub(crate) fn checkpoint_items<T>(&self, url: Url, query: Query, take: u32) -> Items<T>
    where
        T: DeserializeOwned + Send + 'static,
    {
        self.items(url, query, Next::Checkpoint(None), take)
    }

    fn items<T>(&self, url: Url, query: Query, first: Next, size: u32) -> Items<T>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let client = self.clone();
        let pages = stream::try_unfold(first, move |next| {
            let (client, url, mut query) = (client.clone(), url.clone(), query.clone());
            async move {
                match next {
                    Next::Done => Ok(None),
                    Next::Offset(page) => {
                        query.push(("page".into(), page.to_string()));
                        query.push(("per_page".into(), size.to_string()));
                        query.push(("include_totals".into(), "true".into()));
                        let got: Page<T> = client.get(url, &query).await?;
                        let next = match &got {
                            Page::Totals(t)
                                if !t.items.is_empty()
                                    && t.start + (t.items.len() as u64) < t.total =>
                            {
                                Next::Offset(page + 1)
                            }
                            // A server that ignores include_totals: a full page may have more.
                            Page::All(items) if items.len() as u32 >= size => {
                                Next::Offset(page + 1)
                            }
                            _ => Next::Done,
                        };
                        Ok(Some((got.into_items(), next)))
                    }
                    Next::Checkpoint(from) => {
                        if let Some(from) = from {
                            query.push(("from".into(), from));
                        }
                        query.push(("take".into(), size.to_string()));
                        let got: Page<T> = client.get(url, &query).await?;
                        let next = match &got {
                            Page::Checkpoint(c) if !c.items.is_empty() => {
                                Next::Checkpoint(c.next.clone())
                            }
                            _ => Next::Done,
                        };
                        let next = match next {
                            Next::Checkpoint(None) => Next::Done,
                            other => other,
                        };
                        Ok(Some((got.into_items(), next)))
                    }
                }
            }
        });
        pages
            .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }
}
