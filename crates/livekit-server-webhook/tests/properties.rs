//! Property tests (RELIABILITY §5.2): the token binds the exact body bytes, arbitrary input
//! never panics, access tokens never pass as webhook tokens, and secrets stay out of `Debug`.

// Helpers outside #[test] functions may unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use livekit_server_auth::{AccessToken, VideoGrants};
use livekit_server_proto::{ParticipantInfo, Room, WebhookEvent};
use livekit_server_webhook::{EventKind, WebhookError, WebhookReceiver, WebhookSigner};
use proptest::prelude::*;

const KEY: &str = "APIpropKey";
const SECRET: &str = "property-test-secret-0123456789ab";
const NOW: u64 = 1_700_000_000;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

fn receiver() -> WebhookReceiver {
    WebhookReceiver::with_credentials(KEY, SECRET).unwrap()
}

fn signer() -> WebhookSigner {
    WebhookSigner::new(KEY, SECRET).unwrap()
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600),
        "\\PC{0,200}".prop_map(String::into_bytes),
        ("[a-z_]{0,30}", "\\PC{0,40}").prop_map(|(event, name)| {
            serde_json::json!({"event": event, "room": {"name": name}, "id": "EV_p"})
                .to_string()
                .into_bytes()
        }),
    ]
}

/// A body different from `b`: one byte changed, one byte added or removed, or unrelated bytes.
fn other_body(b: Vec<u8>) -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    let len = b.len();
    let mutation = prop_oneof![
        (any::<prop::sample::Index>(), 1..=255u8).prop_map(|(i, x)| Mutation::Xor(i, x)),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, x)| Mutation::Insert(i, x)),
        any::<prop::sample::Index>().prop_map(Mutation::Remove),
        proptest::collection::vec(any::<u8>(), 0..100).prop_map(Mutation::Replace),
    ];
    mutation.prop_map(move |m| {
        let mut other = b.clone();
        match m {
            Mutation::Xor(i, x) if len > 0 => other[i.index(len)] ^= x,
            Mutation::Insert(i, x) => other.insert(i.index(len + 1), x),
            Mutation::Remove(i) if len > 0 => {
                other.remove(i.index(len));
            }
            Mutation::Replace(bytes) => other = bytes,
            _ => other.push(b' '),
        }
        (b.clone(), other)
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Xor(prop::sample::Index, u8),
    Insert(prop::sample::Index, u8),
    Remove(prop::sample::Index),
    Replace(Vec<u8>),
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// RELIABILITY §5.2 (6): for any body b and b' ≠ b, receive(b', header(b)) is a mismatch.
    #[test]
    fn token_binds_the_exact_bytes((b, other) in body().prop_flat_map(other_body)) {
        prop_assume!(b != other);
        let signed = signer().sign_body_at(b, now()).unwrap();
        let err = receiver().receive_at(&other, &signed.authorization, now()).unwrap_err();
        prop_assert_eq!(err, WebhookError::ChecksumMismatch);
    }

    /// The signed bytes themselves always pass verification; decoding then either succeeds or
    /// is an `InvalidBody` error.
    #[test]
    fn signed_bytes_verify(b in body()) {
        let signed = signer().sign_body_at(b, now()).unwrap();
        let r = receiver();
        prop_assert_eq!(r.verify_at(&signed.body, &signed.authorization, now()), Ok(()));
        match r.receive_at(&signed.body, &signed.authorization, now()) {
            Ok(webhook) => prop_assert_eq!(webhook.kind(), &EventKind::from(webhook.event.as_str())),
            Err(err) => prop_assert!(matches!(err, WebhookError::InvalidBody(_)), "{:?}", err),
        }
    }

    /// Arbitrary bytes and header values never panic and never pass.
    #[test]
    fn arbitrary_input_is_refused_without_panic(
        b in proptest::collection::vec(any::<u8>(), 0..300),
        header in prop_oneof![
            "\\PC{0,300}",
            "[A-Za-z0-9_.=+/ -]{0,300}",
            "(Bearer )?eyJ[A-Za-z0-9_-]{0,60}\\.eyJ[A-Za-z0-9_-]{0,120}\\.[A-Za-z0-9_-]{0,43}",
        ],
        secs in any::<u64>(),
    ) {
        let clock = UNIX_EPOCH.checked_add(Duration::from_secs(secs)).unwrap_or(now());
        let result = receiver().receive_at(&b, &header, clock);
        prop_assert!(result.is_err());
    }

    /// A verified token is not enough: an access token (no `sha256`) never passes, whatever
    /// it grants and whatever the body.
    #[test]
    fn access_tokens_never_pass(
        identity in "\\PC{1,20}",
        name in "\\PC{0,20}",
        metadata in "\\PC{0,40}",
        room in "[a-z]{1,10}",
        admin in any::<bool>(),
        b in body(),
    ) {
        let mut grants = VideoGrants::join(room);
        grants.room_admin = admin;
        let jwt = AccessToken::new(KEY, SECRET)
            .unwrap()
            .with_identity(identity)
            .with_grants(grants)
            .with_name(name)
            .with_metadata(metadata)
            .to_jwt_at(now())
            .unwrap();
        let err = receiver().receive_at(&b, &jwt, now()).unwrap_err();
        prop_assert_eq!(err, WebhookError::MissingChecksum);
    }

    /// Events survive sign → receive unchanged.
    #[test]
    fn events_round_trip(
        event in "[a-z_]{0,30}",
        room in "\\PC{0,30}",
        identity in "\\PC{0,30}",
        id in "[A-Za-z0-9_]{0,20}",
        created_at in any::<i64>(),
        empty_timeout in any::<u32>(),
        joined_at in any::<i64>(),
    ) {
        let event = WebhookEvent {
            event,
            room: Some(Box::new(Room { name: room, empty_timeout, ..Default::default() })),
            participant: Some(Box::new(ParticipantInfo { identity, joined_at, ..Default::default() })),
            id,
            created_at,
            ..Default::default()
        };
        let signed = signer().sign_at(&event, now()).unwrap();
        let webhook = receiver().receive_at(&signed.body, &signed.authorization, now()).unwrap();
        prop_assert_eq!(webhook.kind(), &EventKind::from(event.event.as_str()));
        prop_assert_eq!(webhook.into_event(), event);
    }

    /// RELIABILITY §5.2 (9): `Debug` of receivers and signers never contains the secret.
    #[test]
    fn debug_never_shows_the_secret(secret in "[A-Za-z0-9+/_-]{12,64}", key in "API[A-Za-z0-9]{4,12}") {
        let r = WebhookReceiver::with_credentials(key.clone(), secret.clone()).unwrap();
        let s = WebhookSigner::new(key, secret.clone()).unwrap();
        for shown in [format!("{r:?}"), format!("{r:#?}"), format!("{s:?}"), format!("{s:#?}")] {
            prop_assert!(!shown.contains(&secret), "{}", shown);
        }
    }
}
