//! [`TokenPaged`]: how a list request of the `page_token` / `next_page_token` shape moves from
//! one page to the next. Pure and synchronous; the service crates drive it over the network.

use crate::TokenPagination;

/// A list request paginated by opaque tokens: the request carries `page_token`, its response
/// `next_page_token` and a repeated field of items.
///
/// `cargo xtask codegen` implements it for every request of the protocol that has this shape
/// (`ListEgressRequest`, `ListIngressRequest`, `ListPhoneNumbersRequest`, …), so a protocol
/// update that adds such an RPC gets it without hand-written code.
///
/// ```
/// use livekit_server_proto::{
///     EgressInfo, ListEgressRequest, ListEgressResponse, TokenPaged, TokenPagination,
/// };
///
/// let request = ListEgressRequest { room_name: "demo".into(), ..Default::default() };
/// let response = ListEgressResponse {
///     items: vec![EgressInfo { egress_id: "EG_1".into(), ..Default::default() }],
///     next_page_token: Some(TokenPagination { token: "page-2".into() }),
/// };
/// let (items, next) = request.advance(response);
/// assert_eq!(items.len(), 1);
/// let next = next.expect("a second page");
/// assert_eq!(next.page_token.map(|t| t.token).as_deref(), Some("page-2"));
/// assert_eq!(next.room_name, "demo");
/// ```
pub trait TokenPaged: Sized {
    /// The response message of the list RPC.
    type Response;
    /// The listed item.
    type Item;

    /// The request's `page_token` field.
    fn page_token_mut(&mut self) -> &mut Option<TokenPagination>;

    /// A response taken apart: its items and its `next_page_token` field.
    fn into_page(response: Self::Response) -> (Vec<Self::Item>, Option<TokenPagination>);

    /// The items of `response` (the answer to `self`), and the request of the next page:
    /// `self` with `page_token` set to the response's `next_page_token`, or `None` when that
    /// token is absent or empty (the last page), or the very token of `self`: a server or
    /// proxy that hands back the token it was given would otherwise be asked for the same
    /// page for ever.
    fn advance(mut self, response: Self::Response) -> (Vec<Self::Item>, Option<Self>) {
        let (items, next) = Self::into_page(response);
        let current = self.page_token_mut().as_ref().map(|t| t.token.clone());
        match next.filter(|next| !next.token.is_empty() && current.as_ref() != Some(&next.token)) {
            Some(next) => {
                *self.page_token_mut() = Some(next);
                (items, Some(self))
            }
            None => (items, None),
        }
    }
}

/// `impl TokenPaged` for a request: `token_paged!(Request, Response, items_field, Item)`.
/// Codegen writes one call per token-paged request (`src/generated/token_paged.rs`).
macro_rules! token_paged {
    ($request:ty, $response:ty, $items:ident, $item:ty) => {
        impl $crate::TokenPaged for $request {
            type Response = $response;
            type Item = $item;

            fn page_token_mut(&mut self) -> &mut Option<$crate::TokenPagination> {
                &mut self.page_token
            }

            fn into_page(
                response: Self::Response,
            ) -> (Vec<Self::Item>, Option<$crate::TokenPagination>) {
                (response.$items, response.next_page_token)
            }
        }
    };
}
pub(crate) use token_paged;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EgressInfo, ListEgressRequest, ListEgressResponse, ListReplaysRequest};

    fn egress(id: &str) -> EgressInfo {
        EgressInfo {
            egress_id: id.into(),
            ..Default::default()
        }
    }

    fn token(token: &str) -> Option<TokenPagination> {
        Some(TokenPagination {
            token: token.into(),
        })
    }

    fn page(ids: &[&str], next: Option<TokenPagination>) -> ListEgressResponse {
        ListEgressResponse {
            items: ids.iter().map(|id| egress(id)).collect(),
            next_page_token: next,
        }
    }

    fn request() -> ListEgressRequest {
        ListEgressRequest {
            room_name: "demo".into(),
            active: true,
            page_token: token("page-1"),
            ..Default::default()
        }
    }

    #[test]
    fn an_absent_token_ends_the_listing() {
        let (items, next) = request().advance(page(&["EG_1"], None));
        assert_eq!(items, vec![egress("EG_1")]);
        assert_eq!(next, None);
    }

    #[test]
    fn an_empty_token_ends_the_listing() {
        let (items, next) = request().advance(page(&["EG_1", "EG_2"], token("")));
        assert_eq!(items, vec![egress("EG_1"), egress("EG_2")]);
        assert_eq!(next, None);
    }

    #[test]
    fn the_token_of_the_request_handed_back_ends_the_listing() {
        let (items, next) = request().advance(page(&["EG_1"], token("page-1")));
        assert_eq!(items, vec![egress("EG_1")]);
        assert_eq!(next, None);
    }

    #[test]
    fn a_token_moves_into_the_next_request_and_keeps_the_filters() {
        let (items, next) = request().advance(page(&["EG_3"], token("page-2")));
        assert_eq!(items, vec![egress("EG_3")]);
        assert_eq!(
            next,
            Some(ListEgressRequest {
                page_token: token("page-2"),
                ..request()
            })
        );
    }

    #[test]
    fn items_pass_through_in_order_even_on_an_empty_page() {
        let ids = ["EG_9", "EG_1", "EG_5"];
        let (items, _) = request().advance(page(&ids, token("more")));
        let got: Vec<&str> = items.iter().map(|e| e.egress_id.as_str()).collect();
        assert_eq!(got, ids);
        // An empty page with a token still asks for the next one (the server decides the end).
        let (items, next) = request().advance(page(&[], token("page-3")));
        assert!(items.is_empty());
        assert_eq!(next.and_then(|r| r.page_token), token("page-3"));
    }

    #[test]
    fn generated_impls_read_other_item_fields() {
        // The generated impls cover item fields other than `items`.
        let response = crate::ListReplaysResponse {
            replays: vec![crate::ReplayInfo {
                replay_id: "RP_1".into(),
                ..Default::default()
            }],
            next_page_token: token("r2"),
        };
        let (items, next) = ListReplaysRequest::default().advance(response);
        assert_eq!(items.len(), 1);
        assert_eq!(next.and_then(|r| r.page_token), token("r2"));
        let response = crate::simulation_run::list::Response {
            runs: vec![crate::SimulationRun::default()],
            next_page_token: None,
        };
        let (runs, next) = crate::simulation_run::list::Request::default().advance(response);
        assert_eq!((runs.len(), next), (1, None));
    }
}
