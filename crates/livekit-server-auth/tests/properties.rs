//! Property tests (RELIABILITY.md §5.2): round trip, leeway boundaries, tampering, key
//! separation, minimal JSON, and `Debug` redaction of every type that holds a secret.

// Test helpers outside #[test] functions may unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{HEADER, at, payload_json, raw_token};
use livekit_server_auth::{
    AccessToken, AgentGrants, ApiSecret, Claims, HmacKey, InferenceGrants, KindDetail,
    ObservabilityGrants, ParticipantKind, SipGrants, StaticKeyProvider, TokenError, TokenSigner,
    TokenVerifier, TrackSource, VideoGrants,
};
use proptest::prelude::*;
use serde_json::Value;

/// The latest NumericDate accepted: `i64::MAX` less the seconds from year 1 to 1970, where the
/// server's time arithmetic overflows.
const LATEST: i128 = i64::MAX as i128 - 62_135_596_800;

const LEEWAY: u64 = 60;

fn track_source() -> impl Strategy<Value = TrackSource> {
    prop_oneof![
        Just(TrackSource::Camera),
        Just(TrackSource::Microphone),
        Just(TrackSource::ScreenShare),
        Just(TrackSource::ScreenShareAudio),
        "[a-z_]{1,12}".prop_map(|s| TrackSource::from_name(&s)),
    ]
}

fn video_grants() -> impl Strategy<Value = VideoGrants> {
    (
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        (any::<String>(), any::<String>()),
        (
            any::<Option<bool>>(),
            any::<Option<bool>>(),
            any::<Option<bool>>(),
            any::<Option<bool>>(),
            any::<Option<bool>>(),
            any::<Option<bool>>(),
        ),
        proptest::collection::vec(track_source(), 0..4),
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |(rooms, (room, destination_room), tri, sources, flags)| VideoGrants {
                room_create: rooms.0,
                room_list: rooms.1,
                room_record: rooms.2,
                room_admin: rooms.3,
                room_join: rooms.4,
                room,
                destination_room,
                can_publish: tri.0,
                can_subscribe: tri.1,
                can_publish_data: tri.2,
                can_update_own_metadata: tri.3,
                can_subscribe_metrics: tri.4,
                can_manage_agent_session: tri.5,
                can_publish_sources: sources,
                ingress_admin: flags.0,
                hidden: flags.1,
                recorder: flags.2,
                agent: flags.3,
            },
        )
}

fn kind() -> impl Strategy<Value = ParticipantKind> {
    prop_oneof![
        proptest::sample::select(ParticipantKind::KNOWN.to_vec()),
        "[a-z]{1,8}".prop_map(|s| ParticipantKind::from_name(&s)),
    ]
}

/// A builder with arbitrary identity, grants and personal data.
#[derive(Clone, Debug)]
struct Spec {
    identity: String,
    name: String,
    metadata: String,
    attributes: BTreeMap<String, String>,
    kind: Option<ParticipantKind>,
    details: Vec<KindDetail>,
    video: Option<VideoGrants>,
    sip: Option<SipGrants>,
    agent: Option<AgentGrants>,
    inference: Option<InferenceGrants>,
    observability: Option<ObservabilityGrants>,
    sha256: String,
    preset: String,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (any::<String>(), any::<String>(), any::<String>()),
        proptest::collection::btree_map(any::<String>(), any::<String>(), 0..64),
        proptest::option::of(kind()),
        proptest::collection::vec(proptest::sample::select(KindDetail::KNOWN.to_vec()), 0..3),
        proptest::option::of(video_grants()),
        (
            proptest::option::of((any::<bool>(), any::<bool>())),
            proptest::option::of((any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>())),
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
        ),
        (any::<String>(), any::<String>()),
    )
        .prop_map(
            |(strings, attributes, kind, details, video, grants, (sha256, preset))| Spec {
                identity: strings.0,
                name: strings.1,
                metadata: strings.2,
                attributes,
                kind,
                details,
                video,
                sip: grants.0.map(|(admin, call)| SipGrants { admin, call }),
                agent: grants.1.map(
                    |(admin, simulation_admin, database_admin, dispatch_admin)| AgentGrants {
                        admin,
                        simulation_admin,
                        database_admin,
                        dispatch_admin,
                    },
                ),
                inference: grants.2.map(|perform| InferenceGrants { perform }),
                observability: grants.3.map(|write| ObservabilityGrants { write }),
                sha256,
                preset,
            },
        )
}

fn build(spec: &Spec, signer: &TokenSigner) -> AccessToken {
    let mut t = signer
        .access_token()
        .with_identity(spec.identity.clone())
        .with_name(spec.name.clone())
        .with_metadata(spec.metadata.clone())
        .with_attributes(spec.attributes.clone())
        .with_kind_details(spec.details.clone())
        .with_sha256(spec.sha256.clone())
        .with_room_preset(spec.preset.clone());
    if let Some(kind) = &spec.kind {
        t = t.with_kind(kind.clone());
    }
    if let Some(v) = &spec.video {
        t = t.with_grants(v.clone());
    }
    if let Some(g) = spec.sip {
        t = t.with_sip_grants(g);
    }
    if let Some(g) = spec.agent {
        t = t.with_agent_grants(g);
    }
    if let Some(g) = spec.inference {
        t = t.with_inference_grants(g);
    }
    if let Some(g) = spec.observability {
        t = t.with_observability_grants(g);
    }
    t
}

fn signer(key: &str, secret: &str) -> TokenSigner {
    TokenSigner::new(key, &ApiSecret::new(secret).unwrap()).unwrap()
}

/// Every member of a JSON document, recursively: none may be `null`, `""`, `{}` or `[]`,
/// except inside `attributes` (whose values the caller chose).
fn assert_minimal(value: &Value, path: &str) {
    match value {
        Value::Null => panic!("{path} is null"),
        Value::String(s) => assert!(
            !s.is_empty() || path.starts_with("attributes."),
            "{path} empty"
        ),
        Value::Array(items) => {
            assert!(!items.is_empty(), "{path} is []");
            for (i, item) in items.iter().enumerate() {
                assert_minimal(item, &format!("{path}[{i}]"));
            }
        }
        Value::Object(members) => {
            assert!(
                !members.is_empty() || path != "attributes",
                "{path} is {{}}"
            );
            for (k, v) in members {
                if path.is_empty() && k == "attributes" {
                    assert!(!v.as_object().unwrap().is_empty(), "attributes is {{}}");
                }
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                assert_minimal(v, &child);
            }
        }
        Value::Bool(b) => {
            // Plain flags are written only when true; tri-state ones whenever set.
            let tri = [
                "canPublish",
                "canSubscribe",
                "canPublishData",
                "canUpdateOwnMetadata",
                "canSubscribeMetrics",
                "canManageAgentSession",
            ];
            let field = path.rsplit('.').next().unwrap_or(path);
            assert!(*b || tri.contains(&field), "{path} is false");
        }
        Value::Number(_) => {}
    }
}

/// The round trip of one minted token (properties 1 and 8).
fn check_round_trip(
    token: &AccessToken,
    jwt: String,
    verifier: &TokenVerifier,
    t: u64,
    ttl: u64,
    d_frac: f64,
) -> Result<(), TestCaseError> {
    let mut expected = token.claims().clone();
    expected.nbf = Some(t);
    // The builder's TTL is the default (6 h) here; an explicit one is checked below.
    expected.exp = t + livekit_server_auth::DEFAULT_TTL.as_secs();
    let claims = verifier.verify_at(&jwt, at(t)).unwrap();
    prop_assert_eq!(&claims, &expected);

    let jwt = token
        .clone()
        .with_ttl(Duration::from_secs(ttl))
        .to_jwt_at(at(t))
        .unwrap();
    expected.exp = t + ttl;
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let d = ((ttl + LEEWAY) as f64 * d_frac) as u64;
    prop_assert!(d < ttl + LEEWAY);
    prop_assert_eq!(&verifier.verify_at(&jwt, at(t + d)).unwrap(), &expected);
    prop_assert_eq!(
        verifier.verify_at(&jwt, at(t + ttl + LEEWAY)),
        Err(TokenError::Expired {
            exp: t + ttl,
            now: t + ttl + LEEWAY
        })
    );

    // The payload is the serde form of the claims, and it is minimal.
    let payload = payload_json(&jwt);
    prop_assert_eq!(&payload, &serde_json::to_value(&expected).unwrap());
    prop_assert_eq!(
        serde_json::from_value::<Claims>(payload.clone()).unwrap(),
        expected.clone()
    );
    assert_minimal(&payload, "");
    if let Some(v) = &expected.video {
        prop_assert_eq!(
            payload["video"].get("canPublish").is_some(),
            v.can_publish.is_some()
        );
        prop_assert_eq!(
            payload["video"].get("canPublishData").is_some(),
            v.can_publish_data.is_some()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// 1. Round trip, 8. serialization stability.
    #[test]
    fn round_trip(
        spec in spec(),
        t in 0u64..4_000_000_000,
        ttl in 1u64..=30 * 86_400,
        d_frac in 0.0f64..1.0,
    ) {
        let signer = signer("APIkey", "a-secret-of-some-length");
        let token = build(&spec, &signer);
        let verifier = TokenVerifier::from_signer(signer);
        let result = token.to_jwt_at(at(t));
        let joins = spec.video.as_ref().is_some_and(|v| v.room_join);
        let no_room = spec.video.as_ref().is_some_and(|v| v.room.is_empty());
        if joins && spec.identity.is_empty() {
            prop_assert_eq!(result, Err(TokenError::MissingIdentity));
        } else if joins && no_room {
            prop_assert_eq!(result, Err(TokenError::MissingRoom));
        } else {
            check_round_trip(&token, result.unwrap(), &verifier, t, ttl, d_frac)?;
        }
    }

    /// 2. Leeway boundaries, with Go/golang-jwt semantics, and no overflow anywhere.
    #[test]
    fn leeway_boundaries(now in 0u64..=u64::MAX / 2, leeway in 0u64..100_000) {
        let verifier = TokenVerifier::new("k", "s").unwrap().with_leeway(Duration::from_secs(leeway));
        let token = |exp: u64, nbf: Option<u64>| {
            let nbf = nbf.map(|n| format!(r#","nbf":{n}"#)).unwrap_or_default();
            raw_token(HEADER, format!(r#"{{"iss":"k","exp":{exp}{nbf}}}"#).as_bytes(), "s")
        };
        let far = now.saturating_add(leeway).saturating_add(10);
        if now >= leeway {
            let rejected = verifier.verify_at(&token(now - leeway, None), at(now));
            prop_assert!(matches!(rejected, Err(TokenError::Expired { .. })), "{:?}", rejected);
            prop_assert!(verifier.verify_at(&token(now - leeway + 1, None), at(now)).is_ok());
        }
        prop_assert!(verifier.verify_at(&token(far, Some(now + leeway)), at(now)).is_ok());
        let early = verifier.verify_at(&token(far, Some(now + leeway + 1)), at(now));
        prop_assert!(matches!(early, Err(TokenError::NotYetValid { .. })), "{:?}", early);
    }

    /// 2a. Any integer NumericDate gets the verdict of exact arithmetic: refused as out of
    /// range past the latest date the server can add to (`i64::MAX` less the seconds from
    /// year 1 to 1970), otherwise valid exactly when `nbf - leeway <= now < exp + leeway`
    /// (dates before 1970 read as 1970), with no overflow at any `now` or leeway.
    #[test]
    fn integer_dates_get_the_exact_verdict(
        date in prop_oneof![
            any::<i64>().prop_map(i128::from),
            any::<u64>().prop_map(i128::from),
            (-3i128..=3).prop_map(|d| LATEST + d),
            (-100_000i128..100_000).prop_map(|d| 1_700_000_000 + d),
        ],
        leeway in prop_oneof![Just(Duration::MAX), Just(Duration::ZERO), any::<u64>().prop_map(Duration::from_secs), (0u64..200_000).prop_map(Duration::from_secs)],
        random_now in prop_oneof![0..=i64::MAX.unsigned_abs(), 1_699_900_000..1_700_100_000u64],
        // Half the cases put `now` on a boundary: one second either side of `exp + leeway`
        // or of `nbf - leeway`, where an off-by-one would show.
        boundary in 0usize..8,
    ) {
        const NANOS: i128 = 1_000_000_000;
        let seconds = i128::from(leeway.as_secs());
        let edge = date.max(0);
        let now_secs = match boundary {
            0 => edge + seconds - 1,
            1 => edge + seconds,
            2 => edge - seconds - 1,
            3 => edge - seconds,
            _ => i128::from(random_now),
        };
        let now_secs = u64::try_from(now_secs.clamp(0, i128::from(i64::MAX))).unwrap();
        let verifier = TokenVerifier::new("k", "s").unwrap().with_leeway(leeway);
        let body = format!(r#"{{"iss":"k","exp":{date},"nbf":{date}}}"#);
        let verdict = verifier.verify_at(&raw_token(HEADER, body.as_bytes(), "s"), at(now_secs));
        let now = i128::from(now_secs) * NANOS;
        let leeway = i128::try_from(leeway.as_nanos()).unwrap_or(i128::MAX);
        let date = date.max(0) * NANOS;
        if date > LATEST * NANOS {
            prop_assert!(matches!(verdict, Err(TokenError::DateOutOfRange { .. })), "{:?}", verdict);
        } else if now >= date.saturating_add(leeway) {
            prop_assert!(matches!(verdict, Err(TokenError::Expired { .. })), "{:?}", verdict);
        } else if now < date.saturating_sub(leeway) {
            prop_assert!(matches!(verdict, Err(TokenError::NotYetValid { .. })), "{:?}", verdict);
        } else {
            prop_assert!(verdict.is_ok(), "{:?}", verdict);
        }
    }

    /// 2b. Extreme NumericDates in any JSON number form never panic or overflow, and end in a
    /// verdict about the dates (the signature is good, the rest of the claims valid); a number
    /// no `f64` holds (`1e400`) makes the JSON itself malformed, as for Go's decoder.
    #[test]
    fn extreme_dates(
        exp in prop_oneof![
            any::<u64>().prop_map(|n| n.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:e}")),
            Just("18446744073709551616".to_owned()),
            Just("-9223372036854775809".to_owned()),
            Just("1e400".to_owned()),
            Just("-1e400".to_owned()),
        ],
        leeway in prop_oneof![Just(Duration::MAX), Just(Duration::ZERO), any::<u64>().prop_map(Duration::from_secs)],
        now_secs in 0..=i64::MAX.unsigned_abs(),
    ) {
        let verifier = TokenVerifier::new("k", "s").unwrap().with_leeway(leeway);
        let body = format!(r#"{{"iss":"k","exp":{exp},"nbf":{exp}}}"#);
        let verdict = verifier.verify_at(&raw_token(HEADER, body.as_bytes(), "s"), at(now_secs));
        prop_assert!(
            matches!(
                verdict,
                Ok(_)
                    | Err(TokenError::DateOutOfRange { .. } | TokenError::Expired { .. } | TokenError::NotYetValid { .. })
            ) || (exp.ends_with("e400") && matches!(verdict, Err(TokenError::MalformedClaims(_)))),
            "{}: {:?}",
            exp,
            verdict
        );
    }

    /// 3. Tampering with any single character, or any bit of a decoded segment, is caught.
    #[test]
    fn tampering(
        spec in spec(),
        position in any::<prop::sample::Index>(),
        replacement in any::<char>(),
        bit in 0usize..8,
        segment in 0usize..3,
    ) {
        let spec = Spec { video: None, ..spec };
        let jwt = build(&spec, &signer("k", "s")).to_jwt_at(at(1_000)).unwrap();
        let verifier = TokenVerifier::new("k", "s").unwrap();
        prop_assert!(verifier.verify_at(&jwt, at(1_000)).is_ok());

        let mut chars: Vec<char> = jwt.chars().collect();
        let i = position.index(chars.len());
        chars[i] = if chars[i] == replacement {
            if replacement == 'A' { 'B' } else { 'A' }
        } else {
            replacement
        };
        let tampered: String = chars.into_iter().collect();
        prop_assert!(verifier.verify_at(&tampered, at(1_000)).is_err(), "{}", tampered);

        let mut parts: Vec<Vec<u8>> = jwt.split('.').map(common::unb64).collect();
        let target = &mut parts[segment];
        prop_assert!(!target.is_empty());
        let byte = position.index(target.len());
        target[byte] ^= 1 << bit;
        let reencoded: Vec<String> = parts.iter().map(common::b64).collect();
        prop_assert!(verifier.verify_at(&reencoded.join("."), at(1_000)).is_err());
    }

    /// 4. Key separation.
    #[test]
    fn key_separation(
        k1 in "[A-Za-z0-9]{1,20}",
        k2_suffix in "[A-Za-z0-9]{1,5}",
        s1 in ".{1,40}",
        // HMAC pads keys with zero bytes, so "s" and "s\0" are the same key: the suffix
        // must not consist of NULs only.
        s2_suffix in ".{0,4}[^\x00]",
    ) {
        let k2 = format!("{k1}{k2_suffix}");
        let s2 = format!("{s1}{s2_suffix}");
        let jwt = signer(&k1, &s1).access_token().to_jwt_at(at(10)).unwrap();
        prop_assert!(TokenVerifier::new(k1.clone(), s1.clone()).unwrap().verify_at(&jwt, at(10)).is_ok());
        prop_assert_eq!(
            TokenVerifier::new(k1.clone(), s2.clone()).unwrap().verify_at(&jwt, at(10)),
            Err(TokenError::BadSignature)
        );
        prop_assert_eq!(
            TokenVerifier::new(k2.clone(), s1.clone()).unwrap().verify_at(&jwt, at(10)),
            Err(TokenError::IssuerMismatch)
        );
        let provider = StaticKeyProvider::new().with_key(k2.clone(), s1.clone()).unwrap();
        prop_assert_eq!(
            TokenVerifier::with_key_provider(provider).verify_at(&jwt, at(10)),
            Err(TokenError::UnknownKey(k1.clone()))
        );
        let provider = StaticKeyProvider::new().with_key(k1.clone(), s2.clone()).unwrap();
        prop_assert_eq!(
            TokenVerifier::with_key_provider(provider).verify_at(&jwt, at(10)),
            Err(TokenError::BadSignature)
        );
        prop_assert_eq!(TokenVerifier::new(k1.clone(), "").err(), Some(TokenError::MissingCredentials));
        prop_assert_eq!(AccessToken::new(k1, "").err(), Some(TokenError::MissingCredentials));
    }

    /// 9. No secret-bearing type shows its secret in `Debug`; claims hide personal data.
    #[test]
    fn debug_redaction(
        secret in "[A-Za-z0-9]{12,64}",
        metadata in "[A-Za-z0-9]{12,64}",
        name in "[A-Za-z0-9]{12,64}",
        attribute in "[A-Za-z0-9]{12,64}",
    ) {
        let api_secret = ApiSecret::new(secret.clone()).unwrap();
        let key = HmacKey::new(&api_secret);
        let signer = TokenSigner::new("APIkey", &api_secret).unwrap();
        let token = signer
            .access_token()
            .with_identity("someone")
            .with_name(name.clone())
            .with_metadata(metadata.clone())
            .with_attributes([(attribute.clone(), attribute.clone())]);
        let jwt = token.to_jwt_at(at(5)).unwrap();
        let verifier = TokenVerifier::new("APIkey", secret.clone()).unwrap();
        let claims = verifier.verify_at(&jwt, at(5)).unwrap();
        let provider = StaticKeyProvider::new().with_key("APIkey", secret.clone()).unwrap();
        let provider_verifier = TokenVerifier::with_key_provider(provider.clone());
        let errors = [
            verifier.verify_at(&jwt, at(1_000_000)).unwrap_err(),
            verifier.verify_at(&format!("{jwt}x"), at(5)).unwrap_err(),
            TokenVerifier::new("other", secret.clone()).unwrap().verify_at(&jwt, at(5)).unwrap_err(),
        ];
        let debugs = [
            format!("{api_secret:?}"),
            format!("{key:?}"),
            format!("{signer:?}"),
            format!("{token:?}"),
            format!("{verifier:?}"),
            format!("{provider:?}"),
            format!("{provider_verifier:?}"),
            format!("{claims:?}"),
            format!("{claims:#?}"),
            format!("{errors:?}"),
            errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"),
        ];
        for text in &debugs {
            prop_assert!(!text.contains(&secret), "secret in {}", text);
            prop_assert!(!text.contains(&jwt), "token in {}", text);
            prop_assert!(!text.contains(jwt.split('.').nth(2).unwrap()), "signature in {}", text);
        }
        for text in &debugs[3..] {
            for personal in [&metadata, &name, &attribute] {
                prop_assert!(!text.contains(personal.as_str()), "{} in {}", personal, text);
            }
        }
    }
}
