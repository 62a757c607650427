//! [`paginate`]: a list RPC followed page by page, as a `Stream` of items.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::Error;

/// Follows a paginated list RPC: `fetch` is called with the request of a page and returns its
/// items and the request of the next page (`None` after the last page). The items are yielded
/// one by one; the next page is fetched only when they have been consumed. The first error
/// is yielded and ends the stream.
///
/// The service crates use it for the protocol's two pagination shapes (`page_token` /
/// `next_page_token`, and the `after_id` keyset of SIP lists).
///
/// ```
/// use futures_core::Stream;
/// use livekit_server_http::{Error, paginate};
///
/// // Pages of three numbers, up to 7.
/// let numbers = paginate(0u32, |start| async move {
///     let items: Vec<u32> = (start..(start + 3).min(8)).collect();
///     let next = (start + 3 < 8).then_some(start + 3);
///     Ok::<_, Error>((items, next))
/// });
/// # fn assert_stream(_: &impl Stream<Item = Result<u32, Error>>) {}
/// # assert_stream(&numbers);
/// ```
pub fn paginate<S, T, F, Fut>(first: S, fetch: F) -> Pages<S, T, F, Fut>
where
    F: FnMut(S) -> Fut + Unpin,
    Fut: Future<Output = Result<(Vec<T>, Option<S>), Error>>,
{
    Pages {
        next: Some(first),
        fetch,
        pending: None,
        buffer: VecDeque::new(),
    }
}

/// The stream returned by [`paginate`].
#[must_use = "streams do nothing unless polled"]
pub struct Pages<S, T, F, Fut> {
    next: Option<S>,
    fetch: F,
    pending: Option<Pin<Box<Fut>>>,
    buffer: VecDeque<T>,
}

impl<S, T, F, Fut> fmt::Debug for Pages<S, T, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("buffered", &self.buffer.len())
            .field("fetching", &self.pending.is_some())
            .field("done", &(self.next.is_none() && self.pending.is_none()))
            .finish()
    }
}

impl<S, T, F, Fut> Unpin for Pages<S, T, F, Fut> where F: Unpin {}

impl<S, T, F, Fut> Stream for Pages<S, T, F, Fut>
where
    F: FnMut(S) -> Fut + Unpin,
    Fut: Future<Output = Result<(Vec<T>, Option<S>), Error>>,
{
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.buffer.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            if let Some(pending) = this.pending.as_mut() {
                let result = match pending.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(result) => result,
                };
                this.pending = None;
                match result {
                    Ok((items, next)) => {
                        this.buffer.extend(items);
                        this.next = next;
                        continue;
                    }
                    Err(error) => {
                        this.next = None;
                        return Poll::Ready(Some(Err(error)));
                    }
                }
            }
            match this.next.take() {
                Some(request) => this.pending = Some(Box::pin((this.fetch)(request))),
                None => return Poll::Ready(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;
    use std::pin::pin;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    async fn collect<St: Stream>(stream: St) -> Vec<St::Item> {
        let mut stream = pin!(stream);
        let mut out = Vec::new();
        while let Some(item) = poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
            out.push(item);
        }
        out
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn follows_pages_until_the_last_and_skips_empty_ones() {
        let calls = AtomicUsize::new(0);
        let items = block_on(collect(paginate(0u32, |page| {
            calls.fetch_add(1, Ordering::SeqCst);
            async move {
                Ok(match page {
                    0 => (vec!["a", "b"], Some(1)),
                    1 => (vec![], Some(2)),
                    _ => (vec!["c"], None),
                })
            }
        })));
        let items: Vec<&str> = items.into_iter().map(Result::unwrap).collect();
        assert_eq!(items, ["a", "b", "c"]);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn the_first_error_ends_the_stream() {
        let items = block_on(collect(paginate(0u32, |page| async move {
            match page {
                0 => Ok((vec![1], Some(1))),
                _ => Err(Error::local("page two failed")),
            }
        })));
        assert_eq!(items.len(), 2);
        assert_eq!(*items[0].as_ref().unwrap(), 1);
        assert!(items[1].as_ref().unwrap_err().is_local());
    }
}
