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
/// next item; pages are fetched as the items are taken, at most one page ahead. After an
/// error the listing ends. Dropping it stops the listing.
pub struct Items<T> {
    /// `None` once the listing has ended.
    receiver: Option<tokio::sync::mpsc::Receiver<Result<T, Error>>>,
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
        if let Some(tokio) = &runtime.0.runtime {
            drop(tokio.spawn(listing));
        }
        Items {
            receiver: Some(receiver),
            runtime: runtime.clone(),
        }
    }
}

/// Where a listing's items go, one at a time.
type Sender<T> = tokio::sync::mpsc::Sender<Result<T, Error>>;

/// Hands `stream`'s items to an [`Items`] until it ends (after an error, or when the `Items`
/// is dropped).
async fn forward<T>(stream: impl futures_util::Stream<Item = Result<T, Error>>, sender: Sender<T>) {
    use futures_util::StreamExt as _;
    let mut stream = std::pin::pin!(stream);
    while let Some(item) = stream.next().await {
        if sender.send(item).await.is_err() {
            break;
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
            Ok((receiver, item)) => {
                if matches!(item, Some(Ok(_))) {
                    self.receiver = Some(receiver);
                }
                item
            }
            Err(error) => Some(Err(error)),
        }
    }
}

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
