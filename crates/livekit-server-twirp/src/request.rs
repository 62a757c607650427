//! Request building: a Twirp POST with a protobuf body and LiveKit's headers.

use std::time::Duration;

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue, USER_AGENT};
use http::{Method, Request};
use prost::Message;

use crate::{BaseUrl, TwirpError};

/// The content type of protobuf Twirp requests and responses.
pub(crate) const CONTENT_TYPE_PROTOBUF: &str = "application/protobuf";

/// The `User-Agent` this SDK sends: `livekit-server-sdk-rust/<version>`.
pub const SDK_USER_AGENT: &str = concat!("livekit-server-sdk-rust/", env!("CARGO_PKG_VERSION"));

/// Header carrying a request id that stays the same across retries of one call, so a server
/// that supports it can de-duplicate (the Go SDK sends it too).
pub(crate) const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-livekit-request-id");

/// Header telling the server how long the client will wait, in milliseconds.
pub(crate) const TIMEOUT_HEADER: HeaderName = HeaderName::from_static("x-twirp-timeout-ms");

/// Builds a Twirp call: `POST {base}{method_path}` with the message encoded as protobuf and
/// the headers `Content-Type: application/protobuf`, `User-Agent:
/// livekit-server-sdk-rust/<version>` and `Authorization: Bearer <token>`. `Accept` is left
/// unset, as in Go's Twirp.
///
/// `method_path` is a generated route such as `/twirp/livekit.RoomService/ListRooms`. The `Authorization` value is marked sensitive, so the
/// `Debug` output of the request shows `Sensitive` instead of the token.
///
/// ```
/// use livekit_server_twirp::{build_request, BaseUrl};
///
/// let base = BaseUrl::parse("https://lk.example.com")?;
/// let request = build_request(&base, "/twirp/livekit.RoomService/ListRooms", &(), "eyJ.x.y")?;
/// assert_eq!(request.method(), "POST");
/// assert_eq!(request.uri(), "https://lk.example.com/twirp/livekit.RoomService/ListRooms");
/// assert_eq!(request.headers()["content-type"], "application/protobuf");
/// assert!(!format!("{request:?}").contains("eyJ.x.y"));
/// # Ok::<(), livekit_server_twirp::TwirpError>(())
/// ```
///
/// # Errors
///
/// An invalid-request error if `method_path` is not a valid path, or the token is empty or has
/// characters other than visible ASCII (the error never contains the token).
pub fn build_request<M: Message>(
    base: &BaseUrl,
    method_path: &str,
    message: &M,
    bearer_token: &str,
) -> Result<Request<Bytes>, TwirpError> {
    let uri = base.uri_for(method_path)?;
    let authorization = bearer_header(bearer_token)?;
    let mut request = Request::new(Bytes::from(message.encode_to_vec()));
    *request.method_mut() = Method::POST;
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(CONTENT_TYPE_PROTOBUF),
    );
    headers.insert(USER_AGENT, HeaderValue::from_static(SDK_USER_AGENT));
    headers.insert(AUTHORIZATION, authorization);
    Ok(request)
}

/// `Bearer <token>` as a sensitive header value.
fn bearer_header(token: &str) -> Result<HeaderValue, TwirpError> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(TwirpError::invalid_request(
            "the bearer token must be non-empty visible ASCII (no spaces)",
        ));
    }
    let mut value = HeaderValue::try_from(format!("Bearer {token}"))
        .map_err(|_| TwirpError::invalid_request("the bearer token is not a valid header value"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Sets `X-Livekit-Request-Id` (use one id, such as a UUIDv4, for every attempt of a call).
///
/// # Errors
///
/// An invalid-request error if `id` is empty, longer than 128 bytes, or not visible ASCII.
pub fn set_request_id<B>(request: &mut Request<B>, id: &str) -> Result<(), TwirpError> {
    if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(TwirpError::invalid_request(
            "the request id must be 1 to 128 visible ASCII characters",
        ));
    }
    let value = HeaderValue::from_str(id)
        .map_err(|_| TwirpError::invalid_request("the request id is not a valid header value"))?;
    request.headers_mut().insert(REQUEST_ID_HEADER, value);
    Ok(())
}

/// Sets `X-Twirp-Timeout-Ms` to the time left for the call, in whole milliseconds (at least
/// 1, so a nearly spent budget is not read as "no deadline").
pub fn set_timeout<B>(request: &mut Request<B>, remaining: Duration) {
    let millis = remaining.as_millis().clamp(1, u128::from(u64::MAX));
    request.headers_mut().insert(
        TIMEOUT_HEADER,
        HeaderValue::from(u64::try_from(millis).unwrap_or(u64::MAX)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, PartialEq, prost::Message)]
    struct CreateRoomRequest {
        #[prost(string, tag = "1")]
        name: String,
        #[prost(uint32, tag = "2")]
        empty_timeout: u32,
    }

    const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJrZXkifQ.c2lnbmF0dXJl";

    fn base() -> BaseUrl {
        BaseUrl::parse("wss://lk.example.com/sub/").unwrap()
    }

    #[test]
    fn request_has_method_uri_headers_and_body() {
        let message = CreateRoomRequest {
            name: "demo".into(),
            empty_timeout: 300,
        };
        let request = build_request(
            &base(),
            "/twirp/livekit.RoomService/CreateRoom",
            &message,
            TOKEN,
        )
        .unwrap();
        assert_eq!(request.method(), Method::POST);
        assert_eq!(
            request.uri(),
            "https://lk.example.com/sub/twirp/livekit.RoomService/CreateRoom"
        );
        let headers = request.headers();
        assert_eq!(headers[CONTENT_TYPE], "application/protobuf");
        assert_eq!(
            headers[USER_AGENT],
            format!("livekit-server-sdk-rust/{}", env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(headers[AUTHORIZATION], format!("Bearer {TOKEN}").as_str());
        assert!(headers[AUTHORIZATION].is_sensitive());
        assert!(headers.get(http::header::ACCEPT).is_none());
        assert_eq!(headers.len(), 3);
        assert_eq!(
            CreateRoomRequest::decode(request.body().clone()).unwrap(),
            message
        );
    }

    #[test]
    fn token_never_shows_in_debug() {
        let mut request =
            build_request(&base(), "/twirp/livekit.RoomService/ListRooms", &(), TOKEN).unwrap();
        set_request_id(&mut request, "2f1c").unwrap();
        let debug = format!("{request:?}");
        assert!(!debug.contains(TOKEN), "{debug}");
        assert!(!debug.contains("c2lnbmF0dXJl"), "{debug}");
        assert!(debug.contains("Sensitive"));
    }

    #[test]
    fn bad_tokens_are_rejected_without_echo() {
        for token in ["", "a b", "tok\r\nX-Evil: 1", "tok\0en", "tok\u{e9}n", "\t"] {
            let error = build_request(&base(), "/twirp/x.Y/Z", &(), token).unwrap_err();
            assert!(error.is_invalid_request());
            if !token.trim().is_empty() {
                assert!(!error.to_string().contains(token));
                assert!(!format!("{error:?}").contains(token));
            }
        }
        let error = build_request(&base(), "twirp/x.Y/Z", &(), TOKEN).unwrap_err();
        assert!(error.is_invalid_request());
    }

    #[test]
    fn optional_headers() {
        let mut request = build_request(&base(), "/twirp/x.Y/Z", &(), TOKEN).unwrap();
        set_request_id(&mut request, "6b1a4f0e-8c1d-4f7a-9d2e-1c3b5a7d9e0f").unwrap();
        assert_eq!(
            request.headers()[REQUEST_ID_HEADER],
            "6b1a4f0e-8c1d-4f7a-9d2e-1c3b5a7d9e0f"
        );
        for bad in ["", "a b", "x\ny", &"x".repeat(129), "é"] {
            assert!(
                set_request_id(&mut request, bad)
                    .unwrap_err()
                    .is_invalid_request()
            );
        }
        set_timeout(&mut request, Duration::from_millis(9_500));
        assert_eq!(request.headers()[TIMEOUT_HEADER], "9500");
        set_timeout(&mut request, Duration::from_micros(10));
        assert_eq!(request.headers()[TIMEOUT_HEADER], "1");
        set_timeout(&mut request, Duration::MAX);
        assert_eq!(
            request.headers()[TIMEOUT_HEADER],
            u64::MAX.to_string().as_str()
        );
        assert_eq!(request.headers().get_all(TIMEOUT_HEADER).iter().count(), 1);
    }
}
