//! [`Items`]: the blocking form of the async clients' paged listings.

// The machinery is unused when no service with a paged listing is enabled.
#![cfg_attr(
    not(any(
        feature = "egress",
        feature = "ingress",
        feature = "sip",
        feature = "phone-number",
        feature = "agent-simulation",
        feature = "replay"
    )),
    allow(dead_code)
)]

use std::fmt;
use std::future::Future;

use super::{Error, Runtime};

/// The items of a paged listing, in order: the blocking form of the async clients' streams
/// (`egress`, `ingresses`, `inbound_trunks`, ...). Each [`next`](Iterator::next) waits for the
/// next item. The first page is asked for when the iterator is made, each next one when the
/// items of the previous one are handed over (at most one page ahead). After an error the
/// listing ends; a panic while listing (a user's `Transport`, say) is raised again on the
/// caller. Dropping it stops the listing, a page in flight included.
pub struct Items<T> {
    /// `None` once the listing has ended.
    receiver: Option<tokio::sync::mpsc::Receiver<Result<T, Error>>>,
    /// The listing's task, asked how it ended when the items do.
    task: Option<tokio::task::JoinHandle<()>>,
    runtime: Runtime,
}

impl<T: Send + 'static> Items<T> {
    /// Runs `listing` on the runtime; it hands the items over one at a time through
    /// [`forward`].
    fn spawn<F>(runtime: &Runtime, listing: impl FnOnce(Sender<T>) -> F) -> Items<T>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let (sender, receiver) = tokio::sync::mpsc::channel(1);
        let listing = listing(sender);
        let task = runtime.0.runtime.as_ref().map(|tokio| tokio.spawn(listing));
        Items {
            receiver: Some(receiver),
            task,
            runtime: runtime.clone(),
        }
    }
}

/// Where a listing's items go, one at a time.
type Sender<T> = tokio::sync::mpsc::Sender<Result<T, Error>>;

/// Hands `stream`'s items to an [`Items`] until it ends (after an error), or until the `Items`
/// is dropped: then at once, a page in flight dropped unread.
async fn forward<T>(stream: impl futures_util::Stream<Item = Result<T, Error>>, sender: Sender<T>) {
    use futures_util::StreamExt as _;
    use futures_util::future::{Either, select};
    let mut stream = std::pin::pin!(stream);
    loop {
        let closed = std::pin::pin!(sender.closed());
        let Either::Right((Some(item), _)) = select(closed, stream.next()).await else {
            return; // dropped, or the end
        };
        if sender.send(item).await.is_err() {
            return;
        }
    }
}

impl<T: Send + 'static> Iterator for Items<T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Result<T, Error>> {
        let mut receiver = self.receiver.take()?;
        let received = self.runtime.run(async move {
            let item = receiver.recv().await;
            Ok((receiver, item))
        });
        match received {
            Ok((receiver, Some(item))) => {
                if item.is_ok() {
                    self.receiver = Some(receiver);
                }
                Some(item)
            }
            // The listing's task ended: by the end of the stream, or by a panic.
            Ok((_, None)) => {
                let task = self.task.take()?;
                match self.runtime.run(async move { Ok(task.await) }) {
                    Ok(Err(ended)) if ended.is_panic() => {
                        std::panic::resume_unwind(ended.into_panic())
                    }
                    _ => None,
                }
            }
            Err(error) => Some(Err(error)),
        }
    }
}

impl<T: Send + 'static> std::iter::FusedIterator for Items<T> {}

impl<T> fmt::Debug for Items<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("ended", &self.receiver.is_none())
            .finish_non_exhaustive()
    }
}

/// The blocking forms of the async clients' paged listings.
macro_rules! listings {
    ($($feature:literal $client:ident $module:ident {
        $($name:ident($request:ty) -> $item:ty;)+
    })+) => {$(
        #[cfg(feature = $feature)]
        impl super::$client {$(
            #[doc = concat!(
                "[`", stringify!($client), "::", stringify!($name), "`](crate::", stringify!($module),
                "::", stringify!($client), "::", stringify!($name), "), blocking: the items one at a time."
            )]
            pub fn $name(&self, request: impl Into<$request>) -> Items<$item> {
                let (inner, request) = (self.inner.clone(), request.into());
                Items::spawn(&self.runtime, |sender| async move {
                    forward(inner.$name(request), sender).await;
                })
            }
        )+}
    )+};
}

listings! {
    "egress" EgressClient egress {
        egress(crate::proto::ListEgressRequest) -> crate::proto::EgressInfo;
    }
    "ingress" IngressClient ingress {
        ingresses(crate::proto::ListIngressRequest) -> crate::proto::IngressInfo;
    }
    "sip" SipClient sip {
        inbound_trunks(crate::proto::ListSipInboundTrunkRequest) -> crate::proto::SipInboundTrunkInfo;
        outbound_trunks(crate::proto::ListSipOutboundTrunkRequest) -> crate::proto::SipOutboundTrunkInfo;
        dispatch_rules(crate::proto::ListSipDispatchRuleRequest) -> crate::proto::SipDispatchRuleInfo;
    }
    "phone-number" PhoneNumberClient phone_number {
        phone_numbers(crate::proto::ListPhoneNumbersRequest) -> crate::proto::PhoneNumber;
        available_phone_numbers(crate::proto::SearchPhoneNumbersRequest) -> crate::proto::PhoneNumber;
    }
    "agent-simulation" AgentSimulationClient agent_simulation {
        simulation_runs(crate::proto::simulation_run::list::Request) -> crate::proto::SimulationRun;
    }
    "replay" ReplayClient replay {
        replays(crate::proto::ListReplaysRequest) -> crate::proto::ReplayInfo;
    }
}
