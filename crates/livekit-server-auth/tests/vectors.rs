//! Known-answer tests over the cross-implementation vectors (`tests/vectors/`, byte-identical
//! copies of the project's `shared/vectors/`): tokens minted by the Python and Node SDKs, and
//! valid and hostile tokens with the verdict (and, from RELIABILITY.md §2.1, the error kind)
//! this crate must reach.

// Test helpers outside #[test] functions may unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use common::{HEADER, at, header_bytes, payload_json, raw_token, str_field, vectors};
use livekit_server_auth::{
    AccessToken, Claims, KindDetail, ParticipantKind, Segment, TokenError, TokenVerifier,
    VideoGrants,
};
use serde_json::{Value, json};

/// Builds our token for the inputs of a `tokens_minted.json` vector.
fn mint(inputs: &Value) -> Result<String, TokenError> {
    common::builder(inputs)?.to_jwt_at(at(inputs["now"].as_u64().unwrap()))
}

#[test]
fn minted_vectors_tokens_of_other_sdks_verify() {
    let file = vectors("tokens_minted.json");
    let mut verified = 0;
    for v in file["vectors"].as_array().unwrap() {
        let id = v["id"].as_str().unwrap();
        let inputs = &v["inputs"];
        let verifier = TokenVerifier::new(
            str_field(inputs, "api_key").unwrap(),
            str_field(inputs, "api_secret").unwrap(),
        )
        .unwrap();
        let now = inputs["now"].as_u64().unwrap() + 60;
        for (sdk, output) in v["outputs"].as_object().unwrap() {
            let Some(token) = str_field(output, "token") else {
                assert_eq!(
                    output["refused"],
                    json!(true),
                    "{id}/{sdk}: no token and not refused"
                );
                continue;
            };
            let claims = verifier
                .verify_at(token, at(now))
                .unwrap_or_else(|e| panic!("{id}/{sdk}: {e}"));
            // The strict verifier and the serde impl decode the payload to the same claims.
            let expected: Claims = serde_json::from_value(output["payload"].clone()).unwrap();
            assert_eq!(claims, expected, "{id}/{sdk}");
            // And the claims are what the inputs asked for.
            assert_eq!(
                claims.iss,
                str_field(inputs, "api_key").unwrap(),
                "{id}/{sdk}"
            );
            for (claim, input) in [
                (&claims.sub, "identity"),
                (&claims.name, "name"),
                (&claims.metadata, "metadata"),
                (&claims.sha256, "sha256"),
            ] {
                let want = str_field(inputs, input).unwrap_or("");
                assert_eq!(claim, want, "{id}/{sdk}/{input}");
            }
            let ttl = inputs["ttl_seconds"].as_u64().unwrap();
            assert_eq!(claims.exp, now - 60 + ttl, "{id}/{sdk}");
            if let Some(video) = inputs.get("video") {
                let grants = claims.video.clone().unwrap();
                assert_eq!(
                    grants.room,
                    str_field(video, "room").unwrap_or(""),
                    "{id}/{sdk}"
                );
                assert_eq!(
                    grants.room_join,
                    video.get("roomJoin") == Some(&json!(true))
                );
                let want_publish = video
                    .get("canPublish")
                    .and_then(Value::as_bool)
                    .unwrap_or(true);
                assert_eq!(grants.can_publish(), want_publish, "{id}/{sdk}");
                let want_data = video
                    .get("canPublishData")
                    .and_then(Value::as_bool)
                    .unwrap_or(want_publish);
                assert_eq!(grants.can_publish_data(), want_data, "{id}/{sdk}");
            }
            if let Some(attrs) = inputs.get("attributes").and_then(Value::as_object) {
                assert_eq!(claims.attributes.len(), attrs.len());
                for (k, val) in attrs {
                    assert_eq!(claims.attributes.get(k).map(String::as_str), val.as_str());
                }
            }
            verified += 1;
        }
    }
    assert_eq!(verified, 16, "8 successful mint vectors x 2 SDKs");
}

#[test]
fn minted_vectors_our_tokens_match_the_claim_sets() {
    let file = vectors("tokens_minted.json");
    let mut minted = 0;
    for v in file["vectors"].as_array().unwrap() {
        let id = v["id"].as_str().unwrap();
        let inputs = &v["inputs"];
        let node = &v["outputs"]["node"];
        if node["refused"] == json!(true) {
            assert_eq!(mint(inputs), Err(TokenError::MissingIdentity), "{id}");
            minted += 1;
            continue;
        }
        let ours = mint(inputs).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(header_bytes(&ours), HEADER, "{id}");
        // Node writes exactly the set fields (like us); its roomConfig carries every proto
        // default, Python's (protojson) omits them as we do.
        let mut expected = node["payload"].clone();
        if let Some(config) = v["outputs"]["python"]["payload"].get("roomConfig") {
            if cfg!(feature = "room-config") {
                expected["roomConfig"] = config.clone();
            } else {
                // Without the feature there is no room configuration to mint; the rest of
                // the claim set must still match.
                expected.as_object_mut().unwrap().remove("roomConfig");
            }
        }
        assert_eq!(payload_json(&ours), expected, "{id}");
        minted += 1;
    }
    assert_eq!(minted, 9);
}

/// The error RELIABILITY.md §2.1 names for a vector id (or a family of ids).
fn expected_kind(id: &str, err: &TokenError) -> bool {
    use TokenError as E;
    let family = id.rsplit_once('.').map_or(id, |(family, _)| family);
    match (id, family, err) {
        ("tok.alg.missing" | "tok.alg.not_string", _, E::MalformedHeader) => true,
        ("tok.alg.missing" | "tok.alg.not_string", _, _) => false,
        (_, "tok.alg", E::UnsupportedAlgorithm(_)) => true,
        ("tok.hdr.crit_unknown", _, E::UnsupportedCritical) => true,
        (
            "tok.hdr.dup_alg" | "tok.json.dup_iss" | "tok.json.dup_video",
            _,
            E::DuplicateMember(_),
        ) => true,
        ("tok.sig.empty" | "tok.sig.wrong_secret", _, E::BadSignature) => true,
        ("tok.sig.truncated", _, E::Malformed | E::MalformedEncoding { .. } | E::BadSignature) => {
            true
        }
        (
            "tok.sig.padded" | "tok.sig.std_alphabet" | "tok.sig.noncanonical_tail",
            _,
            E::MalformedEncoding {
                segment: Segment::Signature,
            },
        ) => true,
        (
            "tok.payload.padded",
            _,
            E::MalformedEncoding {
                segment: Segment::Payload,
            },
        ) => true,
        ("tok.shape.whitespace" | "tok.shape.non_ascii", _, E::MalformedEncoding { .. }) => true,
        (_, "tok.shape", E::Malformed) => {
            !matches!(id, "tok.shape.whitespace" | "tok.shape.non_ascii")
        }
        ("tok.exp.missing" | "tok.exp.null", _, E::MissingClaim("exp")) => true,
        ("tok.exp.past_far" | "tok.exp.past_61s" | "tok.exp.negative", _, E::Expired { .. }) => {
            true
        }
        ("tok.nbf.future_far", _, E::NotYetValid { .. }) => true,
        ("tok.exp.string" | "tok.exp.bool", _, E::InvalidClaimType { claim: "exp" }) => true,
        // Beyond the latest date Go's time arithmetic holds: refused, not saturated.
        ("tok.exp.huge" | "tok.exp.i64_overflow", _, E::DateOutOfRange { claim: "exp" }) => true,
        ("tok.iss.missing", _, E::MissingClaim("iss")) => true,
        (_, "tok.iss", E::IssuerMismatch) => id != "tok.iss.missing",
        (
            "tok.json.payload_string"
            | "tok.json.payload_array"
            | "tok.json.payload_trailing"
            | "tok.json.bom"
            | "tok.json.lone_surrogate"
            | "tok.json.deep_nesting",
            _,
            E::MalformedClaims(_),
        ) => true,
        ("tok.json.invalid_utf8", _, E::InvalidUtf8) => true,
        (_, "tok.grant", E::InvalidClaimType { .. }) => true,
        ("tok.size.300k", _, E::TooLarge { .. }) => true,
        // Ids the catalogue does not cover: any typed rejection.
        (_, family, _) => {
            !matches!(
                family,
                "tok.alg"
                    | "tok.hdr"
                    | "tok.sig"
                    | "tok.payload"
                    | "tok.shape"
                    | "tok.exp"
                    | "tok.nbf"
                    | "tok.iss"
                    | "tok.json"
                    | "tok.grant"
                    | "tok.size"
            ) || !KNOWN_IDS.contains(&id)
        }
    }
}

/// Ids whose error kind the catalogue pins down (an unlisted id only needs its verdict).
const KNOWN_IDS: &[&str] = &[
    "tok.alg.none",
    "tok.alg.None_case",
    "tok.alg.none_with_sig",
    "tok.alg.HS384",
    "tok.alg.HS512",
    "tok.alg.RS256_hmac",
    "tok.alg.missing",
    "tok.alg.not_string",
    "tok.hdr.crit_unknown",
    "tok.hdr.dup_alg",
    "tok.sig.wrong_secret",
    "tok.sig.empty",
    "tok.sig.truncated",
    "tok.sig.padded",
    "tok.sig.std_alphabet",
    "tok.sig.noncanonical_tail",
    "tok.payload.padded",
    "tok.shape.two_segments",
    "tok.shape.four_segments",
    "tok.shape.jwe_five",
    "tok.shape.empty",
    "tok.shape.dots",
    "tok.shape.bearer_prefix",
    "tok.shape.whitespace",
    "tok.shape.non_ascii",
    "tok.exp.missing",
    "tok.exp.past_far",
    "tok.exp.past_61s",
    "tok.nbf.future_far",
    "tok.exp.string",
    "tok.exp.bool",
    "tok.exp.huge",
    "tok.exp.i64_overflow",
    "tok.exp.null",
    "tok.exp.negative",
    "tok.iss.mismatch",
    "tok.iss.case",
    "tok.iss.array",
    "tok.iss.missing",
    "tok.json.dup_iss",
    "tok.json.dup_video",
    "tok.json.payload_string",
    "tok.json.payload_array",
    "tok.json.payload_trailing",
    "tok.json.bom",
    "tok.json.invalid_utf8",
    "tok.json.lone_surrogate",
    "tok.json.deep_nesting",
    "tok.grant.video_string",
    "tok.grant.room_admin_string",
    "tok.size.300k",
];

#[test]
fn verification_vectors() {
    let file = vectors("token_verification.json");
    let vectors = file["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 50);
    let (mut accepted, mut rejected) = (0, 0);
    for v in vectors {
        let id = v["id"].as_str().unwrap();
        let token = v["token"].as_str().unwrap();
        let expected = v["expected"].as_str().unwrap();
        let now = at(v["now"].as_u64().unwrap());
        let verifier = match TokenVerifier::new(
            str_field(v, "api_key").unwrap(),
            str_field(v, "api_secret").unwrap(),
        ) {
            Ok(verifier) => verifier,
            Err(e) => {
                // T46: an empty secret is refused when the verifier is built.
                assert_eq!(e, TokenError::MissingCredentials, "{id}");
                assert_eq!(expected, "reject", "{id}");
                rejected += 1;
                continue;
            }
        };
        let result = verifier.verify_at(token, now);
        match (expected, &result) {
            ("accept", Ok(claims)) => {
                assert_eq!(claims.iss, str_field(v, "api_key").unwrap(), "{id}");
                accepted += 1;
            }
            ("reject", Err(e)) => {
                assert!(expected_kind(id, e), "{id}: unexpected error kind {e:?}");
                let text = e.to_string();
                assert!(
                    !text.contains(token) || token.is_empty(),
                    "{id}: token in error"
                );
                rejected += 1;
            }
            ("accept-or-typed-reject", Ok(_)) => accepted += 1,
            ("accept-or-typed-reject", Err(e)) => {
                assert!(expected_kind(id, e), "{id}: unexpected error kind {e:?}");
                rejected += 1;
            }
            _ => panic!("{id}: expected {expected}, got {result:?}"),
        }
    }
    assert_eq!(accepted + rejected, vectors.len());
    assert!(
        accepted >= 13 && rejected >= 35,
        "{accepted} accepted, {rejected} rejected"
    );
}

#[test]
fn verification_vectors_decode_the_expected_claims() {
    let file = vectors("token_verification.json");
    let find = |id: &str| {
        file["vectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["id"] == id)
            .unwrap()
            .clone()
    };
    let verify = |id: &str| {
        let v = find(id);
        TokenVerifier::new(
            str_field(&v, "api_key").unwrap(),
            str_field(&v, "api_secret").unwrap(),
        )
        .unwrap()
        .verify_at(v["token"].as_str().unwrap(), at(v["now"].as_u64().unwrap()))
        .unwrap()
    };
    let baseline = verify("tok.valid.baseline");
    assert_eq!(baseline.sub, "alice");
    assert_eq!(
        (baseline.nbf, baseline.exp),
        (Some(1_700_000_000), 1_700_003_600)
    );
    assert_eq!(baseline.video, Some(VideoGrants::join("my-room")));
    assert_eq!(verify("tok.grant.null_video").video, None);
    assert_eq!(
        verify("tok.grant.unknown_fields").video,
        Some(VideoGrants::join("my-room"))
    );
    assert_eq!(verify("tok.exp.float").exp, 1_700_003_600);
    assert_eq!(verify("tok.sub.missing").identity(), None);
}

/// The catalogue rows that `token_verification.json` leaves out (or keeps as procedures).
#[test]
fn catalogue_rows_built_here() {
    const KEY: &str = "APIvect0rKey7Qz";
    const SECRET: &str = "Lk7pQ2rX9sT4vW6yZ1bC3dF5gH8jK0mN2pR4tV6xZ8A";
    let verifier = TokenVerifier::new(KEY, SECRET).unwrap();
    let now = at(1_700_000_060);
    let claims = |extra: &str| {
        format!(r#"{{"iss":"{KEY}","sub":"alice","nbf":1700000000,"exp":1700003600{extra}}}"#)
    };
    let good = claims("");
    let check = |id: &str, token: &str| {
        let result = verifier.verify_at(token, now);
        match result {
            Err(e) => assert!(expected_kind(id, &e), "{id}: {e:?}"),
            Ok(_) => panic!("{id} accepted"),
        }
    };
    // T4/T5 with HS384 (the HS512 vector is in the file).
    let input = format!(
        "{}.{}",
        common::b64(br#"{"alg":"HS384","typ":"JWT"}"#),
        common::b64(good.as_bytes())
    );
    let mut mac =
        <hmac::Hmac<sha2::Sha384> as hmac::Mac>::new_from_slice(SECRET.as_bytes()).unwrap();
    hmac::Mac::update(&mut mac, input.as_bytes());
    let sig = common::b64(hmac::Mac::finalize(mac).into_bytes());
    check("tok.alg.HS384", &format!("{input}.{sig}"));
    check(
        "tok.alg.not_string",
        &raw_token(br#"{"alg":["HS256"]}"#, good.as_bytes(), SECRET),
    );
    // T12 wrong secret, T16 standard alphabet.
    check(
        "tok.sig.wrong_secret",
        &raw_token(HEADER, good.as_bytes(), "another secret"),
    );
    let valid = raw_token(HEADER, good.as_bytes(), SECRET);
    assert!(verifier.verify_at(&valid, now).is_ok());
    let (input, sig) = valid.rsplit_once('.').unwrap();
    let std_sig = format!("{}/{}", &sig[..10], &sig[11..]);
    check("tok.sig.std_alphabet", &format!("{input}.{std_sig}"));
    // T19/T21 shapes.
    check("tok.shape.four_segments", &format!("{valid}.x"));
    check("tok.shape.bearer_prefix", &format!("Bearer {valid}"));
    // T24/T26 time.
    let exp_at = |exp: u64| {
        let body = format!(r#"{{"iss":"{KEY}","nbf":1700000000,"exp":{exp}}}"#);
        raw_token(HEADER, body.as_bytes(), SECRET)
    };
    check("tok.exp.past_far", &exp_at(1_700_000_060 - 3600));
    check("tok.exp.past_61s", &exp_at(1_700_000_060 - 61));
    assert!(
        verifier
            .verify_at(&exp_at(1_700_000_060 - 60 + 1), now)
            .is_ok()
    );
    check(
        "tok.exp.bool",
        &raw_token(
            HEADER,
            format!(r#"{{"iss":"{KEY}","exp":true}}"#).as_bytes(),
            SECRET,
        ),
    );
    check(
        "tok.exp.huge",
        &raw_token(
            HEADER,
            format!(r#"{{"iss":"{KEY}","exp":1e300}}"#).as_bytes(),
            SECRET,
        ),
    );
    // The latest date Go's time arithmetic holds (i64::MAX - 62135596800 s) is accepted;
    // the next one, i64::MAX, and a huge `nbf` are refused (Go reads them as expired).
    let far = format!(r#"{{"iss":"{KEY}","exp":9223371974719179007}}"#);
    let far = verifier.verify_at(&raw_token(HEADER, far.as_bytes(), SECRET), now);
    assert_eq!(far.map(|c| c.exp), Ok(9_223_371_974_719_179_007));
    for (claims, claim) in [
        (r#""exp":9223371974719179008"#, "exp"),
        (r#""exp":9223372036854775807"#, "exp"),
        (r#""exp":9223372036854775808"#, "exp"),
        (r#""exp":1700003600,"nbf":-1e19"#, "nbf"),
    ] {
        let body = format!(r#"{{"iss":"{KEY}",{claims}}}"#);
        assert_eq!(
            verifier.verify_at(&raw_token(HEADER, body.as_bytes(), SECRET), now),
            Err(TokenError::DateOutOfRange { claim }),
            "{claims}"
        );
    }
    // T35 iss as an array.
    let iss_array = format!(r#"{{"iss":["{KEY}"],"exp":1700003600}}"#);
    check(
        "tok.iss.array",
        &raw_token(HEADER, iss_array.as_bytes(), SECRET),
    );
    // T39 payload array, T41 invalid UTF-8, T43 roomAdmin as a string.
    check("tok.json.payload_array", &raw_token(HEADER, b"[1]", SECRET));
    let mut invalid = good.clone().into_bytes();
    let at_sub = good.find("alice").unwrap();
    invalid[at_sub] = 0xff;
    check(
        "tok.json.invalid_utf8",
        &raw_token(HEADER, &invalid, SECRET),
    );
    check(
        "tok.grant.room_admin_string",
        &raw_token(
            HEADER,
            claims(r#","video":{"roomAdmin":"true"}"#).as_bytes(),
            SECRET,
        ),
    );
    // T47: 300 kB token, and 100 000-deep nesting inside a token allowed to be that large.
    let padding = format!(r#","x":"{}""#, "a".repeat(300_000));
    check(
        "tok.size.300k",
        &raw_token(HEADER, claims(&padding).as_bytes(), SECRET),
    );
    let deep = format!(r#","x":{}{}"#, "[".repeat(100_000), "]".repeat(100_000));
    let big = verifier.clone().with_max_token_len(1 << 20);
    let result = big.verify_at(&raw_token(HEADER, claims(&deep).as_bytes(), SECRET), now);
    assert!(
        matches!(result, Err(TokenError::MalformedClaims(_))),
        "{result:?}"
    );
    // Lone surrogates in an unknown claim are refused too.
    let lone = claims(r#","x":{"y":"\udc00"}"#);
    check(
        "tok.json.lone_surrogate",
        &raw_token(HEADER, lone.as_bytes(), SECRET),
    );
}

#[test]
fn minted_claims_round_trip_every_field() {
    let jwt = AccessToken::new("k", "s")
        .unwrap()
        .with_identity("id")
        .with_kind(ParticipantKind::Bridge)
        .with_kind_details([KindDetail::BridgeRtsp, KindDetail::Unknown("future".into())])
        .to_jwt_at(at(1))
        .unwrap();
    assert_eq!(
        payload_json(&jwt),
        json!({"iss":"k","sub":"id","nbf":1,"exp":21601,"kind":"bridge",
               "kindDetails":["bridge_rtsp","future"]})
    );
}

/// `dangerous::decode_unverified` over every verification vector: where the verifier accepts,
/// it returns the same claims; where the verifier refuses for the token's shape or JSON, it
/// refuses with the same error; only what needs the key or the clock is left unchecked.
#[test]
fn verification_vectors_decode_unverified_like_the_verifier_less_key_and_clock() {
    use livekit_server_auth::dangerous::decode_unverified;
    let file = vectors("token_verification.json");
    let (mut same, mut unchecked) = (0, 0);
    for v in file["vectors"].as_array().unwrap() {
        let id = v["id"].as_str().unwrap();
        let token = v["token"].as_str().unwrap();
        let (Some(key), Some(secret)) = (str_field(v, "api_key"), str_field(v, "api_secret"))
        else {
            continue;
        };
        let Ok(verifier) = TokenVerifier::new(key, secret) else {
            continue;
        };
        let verified = verifier.verify_at(token, at(v["now"].as_u64().unwrap()));
        let decoded = decode_unverified(token);
        match verified {
            Ok(claims) => assert_eq!(decoded.as_ref(), Ok(&claims), "{id}"),
            Err(
                TokenError::BadSignature
                | TokenError::UnknownKey(_)
                | TokenError::IssuerMismatch
                | TokenError::Expired { .. }
                | TokenError::NotYetValid { .. }
                | TokenError::MissingClaim(_),
            ) => {
                unchecked += 1;
                continue;
            }
            Err(error) => assert_eq!(decoded, Err(error), "{id}"),
        }
        same += 1;
    }
    assert!(
        same >= 40 && unchecked >= 5,
        "{same} same, {unchecked} unchecked"
    );
    // A token signed with any secret decodes: nothing here proves who wrote it.
    let forged = livekit_server_auth::AccessToken::new("APIkey", "not-the-server-s-secret")
        .unwrap()
        .with_identity("mallory")
        .to_jwt()
        .unwrap();
    assert_eq!(
        decode_unverified(&forged).unwrap().identity(),
        Some("mallory")
    );
}
