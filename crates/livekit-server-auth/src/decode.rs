//! Decoding of verified token JSON into [`Claims`], the header check, and the pre-scan that
//! finds `iss` to select a key before the signature is checked.

use std::borrow::Cow;
use std::collections::btree_map::Entry;

use crate::claims::NumericDate;
use crate::grants::FlagGrants;
use crate::json::{JsonError, Reader, check_unique};
use crate::{Claims, KindDetail, ParticipantKind, TokenError, TrackSource, VideoGrants};

/// Maps a reader error in the claims to a token error; `claim` names the value being read.
fn claims_error(claim: &'static str) -> impl Fn(JsonError) -> TokenError {
    move |e| match e {
        JsonError::Type => TokenError::InvalidClaimType { claim },
        JsonError::Duplicate(name) => TokenError::DuplicateMember(name),
        e => TokenError::MalformedClaims(e.describe()),
    }
}

/// Maps a reader error in the header to a token error.
fn header_error(e: JsonError) -> TokenError {
    match e {
        JsonError::Duplicate(name) => TokenError::DuplicateMember(name),
        _ => TokenError::MalformedHeader,
    }
}

/// Checks a decoded JOSE header: a JSON object whose `alg` is exactly `HS256`, without `crit`.
/// Other members (`typ`, `kid`, `jku`, …) are ignored and never acted upon.
pub(crate) fn check_header(text: &str) -> Result<(), TokenError> {
    let mut r = Reader::new(text);
    r.begin_object().map_err(header_error)?;
    let mut alg: Option<Cow<'_, str>> = None;
    let mut crit = false;
    let mut others = Vec::new();
    let mut first = true;
    while let Some(key) = r.next_key(&mut first).map_err(header_error)? {
        match &*key {
            "alg" => {
                if alg.is_some() {
                    return Err(TokenError::DuplicateMember(key.into_owned()));
                }
                alg = Some(r.string().map_err(header_error)?);
            }
            "crit" => {
                if crit {
                    return Err(TokenError::DuplicateMember(key.into_owned()));
                }
                crit = true;
                r.skip_value().map_err(header_error)?;
            }
            _ => {
                r.skip_value().map_err(header_error)?;
                others.push(key);
            }
        }
    }
    r.finish().map_err(header_error)?;
    check_unique(&mut others).map_err(header_error)?;
    match alg {
        None => Err(TokenError::MalformedHeader),
        Some(alg) if alg != "HS256" => Err(TokenError::UnsupportedAlgorithm(alg.into_owned())),
        Some(_) if crit => Err(TokenError::UnsupportedCritical),
        Some(_) => Ok(()),
    }
}

/// Reads `iss` from unverified claims, to look up the key. The whole text is checked as
/// strictly as [`parse_claims`] checks it, except for the types of other claims.
///
/// `Ok(None)` when there is no `iss` (or it is `null`); [`TokenError::IssuerMismatch`] when
/// it is not a string.
pub(crate) fn find_issuer(text: &str) -> Result<Option<Cow<'_, str>>, TokenError> {
    let error = claims_error("");
    let mut r = Reader::new(text);
    r.begin_object().map_err(|e| not_object(&e))?;
    let mut iss: Option<Option<Cow<'_, str>>> = None;
    let mut others = Vec::new();
    let mut first = true;
    while let Some(key) = r.next_key(&mut first).map_err(&error)? {
        if key == "iss" {
            if iss.is_some() {
                return Err(TokenError::DuplicateMember(key.into_owned()));
            }
            iss = Some(if r.null().map_err(&error)? {
                None
            } else {
                Some(r.string().map_err(|e| match e {
                    JsonError::Type => TokenError::IssuerMismatch,
                    e => error(e),
                })?)
            });
        } else {
            r.skip_value().map_err(&error)?;
            others.push(key);
        }
    }
    r.finish().map_err(&error)?;
    check_unique(&mut others).map_err(&error)?;
    Ok(iss.flatten())
}

fn not_object(e: &JsonError) -> TokenError {
    match e {
        JsonError::Syntax(_, 0) => TokenError::MalformedClaims(
            "the claims do not start with a JSON value (a byte order mark is not allowed)".into(),
        ),
        JsonError::Type => TokenError::MalformedClaims("the claims are not a JSON object".into()),
        e => TokenError::MalformedClaims(e.describe()),
    }
}

/// The claims this crate knows, as bits for duplicate detection.
#[derive(Clone, Copy)]
#[repr(u32)]
pub(crate) enum Known {
    Iss,
    Sub,
    Nbf,
    Exp,
    Name,
    Kind,
    KindDetails,
    Video,
    Sip,
    Agent,
    Inference,
    Observability,
    RoomConfig,
    RoomPreset,
    Metadata,
    Attributes,
    Sha256,
}

impl Known {
    pub(crate) fn from_key(key: &str) -> Option<Known> {
        Some(match key {
            "iss" => Known::Iss,
            "sub" => Known::Sub,
            "nbf" => Known::Nbf,
            "exp" => Known::Exp,
            "name" => Known::Name,
            "kind" => Known::Kind,
            "kindDetails" => Known::KindDetails,
            "video" => Known::Video,
            "sip" => Known::Sip,
            "agent" => Known::Agent,
            "inference" => Known::Inference,
            "observability" => Known::Observability,
            "roomConfig" => Known::RoomConfig,
            "roomPreset" => Known::RoomPreset,
            "metadata" => Known::Metadata,
            "attributes" => Known::Attributes,
            "sha256" => Known::Sha256,
            _ => return None,
        })
    }
}

/// What [`parse_claims`] found besides the claims: the NumericDates kept for the time checks.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Found {
    pub(crate) exp: Option<NumericDate>,
    pub(crate) nbf: Option<NumericDate>,
    pub(crate) iss_present: bool,
}

/// Decodes the claims JSON into `c` (which must be empty). Unknown claims are skipped (after
/// the same strict checks); `null` counts as absent; wrong types are
/// [`TokenError::InvalidClaimType`].
///
/// Claims as minting code writes them take the [fast path](crate::fast), which gives up on
/// anything else; the strict reader then starts over, and decides and reports.
pub(crate) fn parse_claims(text: &str, c: &mut Claims) -> Result<Found, TokenError> {
    if let Some(found) = crate::fast::parse_claims(text, c) {
        return Ok(found);
    }
    *c = Claims::default();
    parse_claims_strict(text, c)
}

/// [`parse_claims`] with the strict reader only.
pub(crate) fn parse_claims_strict(text: &str, c: &mut Claims) -> Result<Found, TokenError> {
    let mut r = Reader::new(text);
    r.begin_object().map_err(|e| not_object(&e))?;
    let mut out = Found::default();
    let mut seen = 0u32;
    let mut unknown = Vec::new();
    let mut first = true;
    while let Some(key) = r.next_key(&mut first).map_err(claims_error(""))? {
        let Some(known) = Known::from_key(&key) else {
            r.skip_value().map_err(claims_error(""))?;
            unknown.push(key);
            continue;
        };
        let bit = 1u32 << (known as u32);
        if seen & bit != 0 {
            return Err(TokenError::DuplicateMember(key.into_owned()));
        }
        seen |= bit;
        claim(&mut r, known, c, &mut out)?;
    }
    r.finish().map_err(claims_error(""))?;
    check_unique(&mut unknown).map_err(claims_error(""))?;
    c.exp = out.exp.map_or(0, NumericDate::secs);
    c.nbf = out.nbf.map(NumericDate::secs);
    Ok(out)
}

/// Decodes the value of the known claim `known` (the reader is at the value) into `c`, or
/// into `out` for the dates.
pub(crate) fn claim(
    r: &mut Reader<'_>,
    known: Known,
    c: &mut Claims,
    out: &mut Found,
) -> Result<(), TokenError> {
    match known {
        Known::Iss => {
            if let Some(iss) = opt_string(r, "iss").map_err(|e| match e {
                TokenError::InvalidClaimType { .. } => TokenError::IssuerMismatch,
                e => e,
            })? {
                out.iss_present = true;
                c.iss = iss;
            }
        }
        Known::Sub => c.sub = opt_string(r, "sub")?.unwrap_or_default(),
        Known::Nbf => out.nbf = opt_number(r, "nbf")?,
        Known::Exp => out.exp = opt_number(r, "exp")?,
        Known::Name => c.name = opt_string(r, "name")?.unwrap_or_default(),
        Known::Kind => {
            c.kind = opt_string(r, "kind")?.map(|k| ParticipantKind::from_name(&k));
        }
        Known::KindDetails => {
            c.kind_details = string_list(r, "kindDetails", KindDetail::from_name)?;
        }
        Known::Video => video(r, &mut c.video)?,
        Known::Sip => c.sip = flags(r)?,
        Known::Agent => c.agent = flags(r)?,
        Known::Inference => c.inference = flags(r)?,
        Known::Observability => c.observability = flags(r)?,
        Known::RoomConfig => room_config(r, c)?,
        Known::RoomPreset => {
            c.room_preset = opt_string(r, "roomPreset")?.unwrap_or_default();
        }
        Known::Metadata => c.metadata = opt_string(r, "metadata")?.unwrap_or_default(),
        Known::Attributes => attributes(r, c)?,
        Known::Sha256 => c.sha256 = opt_string(r, "sha256")?.unwrap_or_default(),
    }
    Ok(())
}

#[inline(always)]
fn opt_string(r: &mut Reader<'_>, claim: &'static str) -> Result<Option<String>, TokenError> {
    Ok(r.opt_string()
        .map_err(claims_error(claim))?
        .map(Cow::into_owned))
}

#[inline(always)]
fn opt_number(r: &mut Reader<'_>, claim: &'static str) -> Result<Option<NumericDate>, TokenError> {
    r.opt_number().map_err(claims_error(claim))
}

#[inline(always)]
fn opt_bool(r: &mut Reader<'_>, claim: &'static str) -> Result<Option<bool>, TokenError> {
    r.opt_boolean().map_err(claims_error(claim))
}

/// An array of strings (`null` is empty); elements must be strings.
fn string_list<T>(
    r: &mut Reader<'_>,
    claim: &'static str,
    map: impl Fn(&str) -> T,
) -> Result<Vec<T>, TokenError> {
    let error = claims_error(claim);
    let mut out = Vec::new();
    if r.null().map_err(&error)? {
        return Ok(out);
    }
    r.begin_array().map_err(&error)?;
    let mut first = true;
    while r.next_element(&mut first).map_err(&error)? {
        out.push(map(&r.string().map_err(&error)?));
    }
    Ok(out)
}

/// Reads a grant object of boolean flags (`null` flags are false); `None` for a `null` object.
fn flags<G: FlagGrants>(r: &mut Reader<'_>) -> Result<Option<G>, TokenError> {
    let error = claims_error(G::CLAIM);
    if r.null().map_err(&error)? {
        return Ok(None);
    }
    r.begin_object().map_err(&error)?;
    let mut grants = G::default();
    let mut seen = 0u32;
    let mut unknown = Vec::new();
    let mut first = true;
    while let Some(key) = r.next_key(&mut first).map_err(&error)? {
        match G::FLAGS.iter().position(|flag| flag.json == key) {
            Some(i) => {
                let bit = 1u32 << i;
                if seen & bit != 0 {
                    return Err(TokenError::DuplicateMember(key.into_owned()));
                }
                seen |= bit;
                let flag = &G::FLAGS[i];
                (flag.set)(&mut grants, opt_bool(r, flag.claim)?.unwrap_or(false));
            }
            None => {
                r.skip_value().map_err(&error)?;
                unknown.push(key);
            }
        }
    }
    check_unique(&mut unknown).map_err(&error)?;
    Ok(Some(grants))
}

/// The `video` claim, decoded in place into `out` (`None` on entry).
fn video(r: &mut Reader<'_>, out: &mut Option<VideoGrants>) -> Result<(), TokenError> {
    let error = claims_error("video");
    if r.null().map_err(&error)? {
        return Ok(());
    }
    r.begin_object().map_err(&error)?;
    let g = out.insert(VideoGrants::default());
    let mut seen = 0u32;
    let mut unknown = Vec::new();
    let mut first = true;
    while let Some(key) = r.next_key(&mut first).map_err(&error)? {
        let Some(field) = VideoField::from_key(&key) else {
            r.skip_value().map_err(&error)?;
            unknown.push(key);
            continue;
        };
        let bit = 1u32 << (field as u32);
        if seen & bit != 0 {
            return Err(TokenError::DuplicateMember(key.into_owned()));
        }
        seen |= bit;
        video_member(r, field, g)?;
    }
    check_unique(&mut unknown).map_err(&error)?;
    Ok(())
}

/// Decodes the value of the `video` member `field` (the reader is at the value) into `g`.
pub(crate) fn video_member(
    r: &mut Reader<'_>,
    field: VideoField,
    g: &mut VideoGrants,
) -> Result<(), TokenError> {
    let flag = |r: &mut Reader<'_>, claim| opt_bool(r, claim).map(Option::unwrap_or_default);
    match field {
        VideoField::RoomCreate => g.room_create = flag(r, "video.roomCreate")?,
        VideoField::RoomList => g.room_list = flag(r, "video.roomList")?,
        VideoField::RoomRecord => g.room_record = flag(r, "video.roomRecord")?,
        VideoField::RoomAdmin => g.room_admin = flag(r, "video.roomAdmin")?,
        VideoField::RoomJoin => g.room_join = flag(r, "video.roomJoin")?,
        VideoField::Room => g.room = opt_string(r, "video.room")?.unwrap_or_default(),
        VideoField::DestinationRoom => {
            g.destination_room = opt_string(r, "video.destinationRoom")?.unwrap_or_default();
        }
        VideoField::CanPublish => g.can_publish = opt_bool(r, "video.canPublish")?,
        VideoField::CanSubscribe => g.can_subscribe = opt_bool(r, "video.canSubscribe")?,
        VideoField::CanPublishData => {
            g.can_publish_data = opt_bool(r, "video.canPublishData")?;
        }
        VideoField::CanPublishSources => {
            g.can_publish_sources =
                string_list(r, "video.canPublishSources", TrackSource::from_name)?;
        }
        VideoField::CanUpdateOwnMetadata => {
            g.can_update_own_metadata = opt_bool(r, "video.canUpdateOwnMetadata")?;
        }
        VideoField::IngressAdmin => g.ingress_admin = flag(r, "video.ingressAdmin")?,
        VideoField::Hidden => g.hidden = flag(r, "video.hidden")?,
        VideoField::Recorder => g.recorder = flag(r, "video.recorder")?,
        VideoField::Agent => g.agent = flag(r, "video.agent")?,
        VideoField::CanSubscribeMetrics => {
            g.can_subscribe_metrics = opt_bool(r, "video.canSubscribeMetrics")?;
        }
        VideoField::CanManageAgentSession => {
            g.can_manage_agent_session = opt_bool(r, "video.canManageAgentSession")?;
        }
    }
    Ok(())
}

/// The members of the `video` claim, as bits for duplicate detection.
#[derive(Clone, Copy)]
#[repr(u32)]
pub(crate) enum VideoField {
    RoomCreate,
    RoomList,
    RoomRecord,
    RoomAdmin,
    RoomJoin,
    Room,
    DestinationRoom,
    CanPublish,
    CanSubscribe,
    CanPublishData,
    CanPublishSources,
    CanUpdateOwnMetadata,
    IngressAdmin,
    Hidden,
    Recorder,
    Agent,
    CanSubscribeMetrics,
    CanManageAgentSession,
}

impl VideoField {
    pub(crate) fn from_key(key: &str) -> Option<VideoField> {
        Some(match key {
            "roomCreate" => VideoField::RoomCreate,
            "roomList" => VideoField::RoomList,
            "roomRecord" => VideoField::RoomRecord,
            "roomAdmin" => VideoField::RoomAdmin,
            "roomJoin" => VideoField::RoomJoin,
            "room" => VideoField::Room,
            "destinationRoom" => VideoField::DestinationRoom,
            "canPublish" => VideoField::CanPublish,
            "canSubscribe" => VideoField::CanSubscribe,
            "canPublishData" => VideoField::CanPublishData,
            "canPublishSources" => VideoField::CanPublishSources,
            "canUpdateOwnMetadata" => VideoField::CanUpdateOwnMetadata,
            "ingressAdmin" => VideoField::IngressAdmin,
            "hidden" => VideoField::Hidden,
            "recorder" => VideoField::Recorder,
            "agent" => VideoField::Agent,
            "canSubscribeMetrics" => VideoField::CanSubscribeMetrics,
            "canManageAgentSession" => VideoField::CanManageAgentSession,
            _ => return None,
        })
    }
}

/// The `attributes` claim: an object of strings.
fn attributes(r: &mut Reader<'_>, c: &mut Claims) -> Result<(), TokenError> {
    let error = claims_error("attributes");
    if r.null().map_err(&error)? {
        return Ok(());
    }
    r.begin_object().map_err(&error)?;
    let mut first = true;
    while let Some(key) = r.next_key(&mut first).map_err(&error)? {
        let value = r.string().map_err(&error)?.into_owned();
        match c.attributes.entry(key.into_owned()) {
            Entry::Occupied(e) => return Err(TokenError::DuplicateMember(e.key().clone())),
            Entry::Vacant(e) => {
                e.insert(value);
            }
        }
    }
    Ok(())
}

/// The `roomConfig` claim: checked strictly, then decoded as protojson.
#[cfg(feature = "room-config")]
fn room_config(r: &mut Reader<'_>, c: &mut Claims) -> Result<(), TokenError> {
    let error = claims_error("roomConfig");
    if r.null().map_err(&error)? {
        return Ok(());
    }
    let raw = r.raw_value().map_err(&error)?;
    if !raw.starts_with('{') {
        return Err(TokenError::InvalidClaimType {
            claim: "roomConfig",
        });
    }
    c.room_config = Some(
        serde_json::from_str(raw).map_err(|_| TokenError::InvalidClaimType {
            claim: "roomConfig",
        })?,
    );
    Ok(())
}

/// The `roomConfig` claim, without the `room-config` feature: checked strictly and skipped.
#[cfg(not(feature = "room-config"))]
fn room_config(r: &mut Reader<'_>, _: &mut Claims) -> Result<(), TokenError> {
    r.skip_value().map_err(claims_error("roomConfig"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<(Claims, Found), TokenError> {
        let mut claims = Claims::default();
        parse_claims(json, &mut claims).map(|found| (claims, found))
    }

    #[test]
    fn header_rules() {
        assert_eq!(check_header(r#"{"alg":"HS256","typ":"JWT"}"#), Ok(()));
        assert_eq!(
            check_header(r#"{"alg":"HS256","kid":"../x","jku":"http://x"}"#),
            Ok(())
        );
        assert_eq!(
            check_header(r#"{"alg":"none"}"#),
            Err(TokenError::UnsupportedAlgorithm("none".into()))
        );
        assert_eq!(
            check_header(r#"{"alg":"hs256"}"#),
            Err(TokenError::UnsupportedAlgorithm("hs256".into()))
        );
        assert_eq!(
            check_header(r#"{"typ":"JWT"}"#),
            Err(TokenError::MalformedHeader)
        );
        assert_eq!(
            check_header(r#"{"alg":["HS256"]}"#),
            Err(TokenError::MalformedHeader)
        );
        assert_eq!(
            check_header(r#"["HS256"]"#),
            Err(TokenError::MalformedHeader)
        );
        assert_eq!(check_header(r#"{"alg":"HS256"} "#), Ok(()));
        assert_eq!(
            check_header(r#"{"alg":"HS256"}x"#),
            Err(TokenError::MalformedHeader)
        );
        assert_eq!(
            check_header(r#"{"alg":"HS256","crit":["exp"],"exp":1}"#),
            Err(TokenError::UnsupportedCritical)
        );
        assert_eq!(
            check_header(r#"{"alg":"none","alg":"HS256"}"#),
            Err(TokenError::DuplicateMember("alg".into()))
        );
        assert_eq!(
            check_header(r#"{"alg":"HS256","typ":"a","typ":"b"}"#),
            Err(TokenError::DuplicateMember("typ".into()))
        );
    }

    #[test]
    fn issuer_prescan() {
        assert_eq!(
            find_issuer(r#"{"exp":1,"iss":"k"}"#).unwrap().as_deref(),
            Some("k")
        );
        assert_eq!(find_issuer(r#"{"iss":null}"#).unwrap(), None);
        assert_eq!(find_issuer(r#"{}"#).unwrap(), None);
        assert_eq!(
            find_issuer(r#"{"iss":["k"]}"#),
            Err(TokenError::IssuerMismatch)
        );
        assert_eq!(
            find_issuer(r#"{"iss":"a","iss":"k"}"#),
            Err(TokenError::DuplicateMember("iss".into()))
        );
        assert_eq!(
            find_issuer(r#"{"iss":"a","x":1,"x":2}"#),
            Err(TokenError::DuplicateMember("x".into()))
        );
        assert!(matches!(
            find_issuer("\"k\""),
            Err(TokenError::MalformedClaims(_))
        ));
    }

    #[test]
    fn claims_types_and_nulls() {
        let (claims, found) = parse(
            r#"{"iss":"k","exp":2,"nbf":null,"sub":null,"video":{"room":null,"roomAdmin":null,
               "canPublish":null,"canPublishSources":null,"x":{"y":[1]}},"sip":null,
               "attributes":null,"kindDetails":null,"future":{"a":1}}"#,
        )
        .unwrap();
        assert_eq!(claims.video, Some(VideoGrants::default()));
        assert_eq!(claims.sip, None);
        assert_eq!(found.nbf, None);
        for (json, claim) in [
            (r#"{"video":"admin"}"#, "video"),
            (r#"{"video":{"roomAdmin":"true"}}"#, "video.roomAdmin"),
            (
                r#"{"video":{"canPublishSources":[1]}}"#,
                "video.canPublishSources",
            ),
            (r#"{"exp":"1"}"#, "exp"),
            (r#"{"exp":true}"#, "exp"),
            (r#"{"sub":1}"#, "sub"),
            (r#"{"attributes":{"a":1}}"#, "attributes"),
            (r#"{"sip":{"call":1}}"#, "sip.call"),
            (r#"{"agent":[]}"#, "agent"),
            (r#"{"kindDetails":"x"}"#, "kindDetails"),
        ] {
            assert_eq!(
                parse(json).err(),
                Some(TokenError::InvalidClaimType { claim }),
                "{json}"
            );
        }
        assert_eq!(
            parse(r#"{"iss":1}"#).err(),
            Some(TokenError::IssuerMismatch)
        );
    }

    #[test]
    fn claims_duplicates_everywhere() {
        for (json, name) in [
            (r#"{"exp":1,"exp":2}"#, "exp"),
            (r#"{"video":{},"video":{}}"#, "video"),
            (r#"{"video":{"room":"a","room":"b"}}"#, "room"),
            (r#"{"attributes":{"a":"1","a":"2"}}"#, "a"),
            (r#"{"u":1,"u":2}"#, "u"),
            (r#"{"u":{"v":1,"v":2}}"#, "v"),
            (r#"{"sip":{"admin":true,"admin":false}}"#, "admin"),
            (r#"{"video":{"z":1,"z":1}}"#, "z"),
        ] {
            assert_eq!(
                parse(json).err(),
                Some(TokenError::DuplicateMember(name.into())),
                "{json}"
            );
        }
    }

    #[test]
    fn claims_structure_errors() {
        for json in [
            "[]",
            "\"x\"",
            "{} {}",
            "{",
            "\u{feff}{}",
            r#"{"sub":"\ud800"}"#,
        ] {
            assert!(
                matches!(parse(json), Err(TokenError::MalformedClaims(_))),
                "{json}"
            );
        }
    }
}
