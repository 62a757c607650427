//! `Debug` of the messages that hold a credential: each field listed in the workspace's
//! `xtask/src/redact.rs` is set to a marker that must not be printed, next to a field of the
//! same message that must be; nested messages hide their secrets too; protojson still carries
//! them (it is what goes to the server).
#![allow(clippy::unwrap_used)] // Test helpers may unwrap, as tests do (clippy.toml).
#![allow(deprecated)] // The deprecated SIP trunk messages hold passwords too.

use std::collections::BTreeSet;

use livekit_server_proto::agent_db::{ExportResponse, wire::Hello};
use livekit_server_proto::{
    AcceptWhatsAppCallRequest, AgentSecret, AliOssUpload, AzureBlobUpload,
    ConnectTwilioCallResponse, CreateAgentRequest, CreateAgentResponse, CreateIngressRequest,
    CreateSipInboundTrunkRequest, CreateSipTrunkRequest, DeployAgentResponse,
    DialWhatsAppCallRequest, DisconnectWhatsAppCallRequest, EncodedFileOutput, GcpUpload,
    IceServer, IngressInfo, JobAssignment, JoinResponse, ListSipOutboundTrunkResponse,
    PresignedPostRequest, ProxyConfig, Room, RoomCompositeEgressRequest, RoomMovedResponse,
    S3Upload, SignalResponse, SipInboundTrunkInfo, SipInboundTrunkUpdate, SipOutboundConfig,
    SipOutboundTrunkInfo, SipOutboundTrunkUpdate, SipTransport, SipTrunkInfo, StartEgressRequest,
    StorageConfig, StreamInfo, StreamOutput, StreamProtocol, TokenSourceResponse,
    UpdateStreamRequest, WebhookConfig, WebhookEvent, encoded_file_output, signal_response,
    storage_config,
};

/// What a secret is set to; it must never be printed.
const SECRET: &str = "SECRET-MARKER-0x5ec";
/// What a field printed as it is is set to.
const SHOWN: &str = "shown-marker";
/// A URL carrying the secret in its path; its host is printed.
const URL: &str = "rtmp://shown-host.example/live2/SECRET-MARKER-0x5ec";

fn secret() -> String {
    SECRET.to_owned()
}

fn shown() -> String {
    SHOWN.to_owned()
}

fn url() -> String {
    URL.to_owned()
}

/// The secret must not appear (nor its bytes, for a `bytes` field), `<redacted>` must, and so
/// must each of `visible`, in both the compact and the pretty form.
#[track_caller]
fn assert_hidden(debug: &dyn std::fmt::Debug, visible: &[&str]) {
    let secret_bytes = format!("{:?}", SECRET.as_bytes());
    let secret_bytes = secret_bytes.trim_start_matches('[').trim_end_matches(']');
    for text in [format!("{debug:?}"), format!("{debug:#?}")] {
        assert!(!text.contains(SECRET), "the secret is printed: {text}");
        assert!(
            !text.contains(secret_bytes),
            "the secret's bytes are printed: {text}"
        );
        assert!(text.contains("<redacted>"), "nothing is redacted: {text}");
        for shown in visible {
            assert!(text.contains(shown), "{shown:?} is not printed: {text}");
        }
    }
}

/// Each listed field, set in a message of its own, with the text that must still show.
fn cases() -> Vec<(
    &'static str,
    Box<dyn std::fmt::Debug>,
    &'static [&'static str],
)> {
    fn case<T: std::fmt::Debug + 'static>(
        field: &'static str,
        message: T,
        visible: &'static [&'static str],
    ) -> (
        &'static str,
        Box<dyn std::fmt::Debug>,
        &'static [&'static str],
    ) {
        (field, Box::new(message), visible)
    }
    vec![
        case(
            "livekit.S3Upload.access_key",
            S3Upload {
                access_key: secret(),
                bucket: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.S3Upload.secret",
            S3Upload {
                secret: secret(),
                region: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.S3Upload.session_token",
            S3Upload {
                session_token: secret(),
                endpoint: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.S3Upload.assume_role_external_id",
            S3Upload {
                assume_role_external_id: secret(),
                assume_role_arn: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.GCPUpload.credentials",
            GcpUpload {
                credentials: secret(),
                bucket: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.AzureBlobUpload.account_key",
            AzureBlobUpload {
                account_key: secret(),
                account_name: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.AliOSSUpload.access_key",
            AliOssUpload {
                access_key: secret(),
                bucket: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.AliOSSUpload.secret",
            AliOssUpload {
                secret: secret(),
                region: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.ProxyConfig.password",
            ProxyConfig {
                password: secret(),
                username: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.StreamOutput.urls",
            StreamOutput {
                protocol: StreamProtocol::Rtmp.into(),
                urls: vec![url()],
            },
            // The enum prints by name, as prost's derived `Debug` prints it.
            &["Rtmp", "rtmp://shown-host.example/<redacted>"],
        ),
        case(
            "livekit.UpdateStreamRequest.add_output_urls",
            UpdateStreamRequest {
                egress_id: shown(),
                add_output_urls: vec![url()],
                ..Default::default()
            },
            &[SHOWN, "shown-host.example"],
        ),
        case(
            "livekit.UpdateStreamRequest.remove_output_urls",
            UpdateStreamRequest {
                egress_id: shown(),
                remove_output_urls: vec![url()],
                ..Default::default()
            },
            &[SHOWN, "shown-host.example"],
        ),
        case(
            "livekit.StreamInfo.url",
            StreamInfo {
                url: url(),
                error: shown(),
                ..Default::default()
            },
            &[SHOWN, "shown-host.example", "Active"],
        ),
        case(
            "livekit.IngressInfo.stream_key",
            IngressInfo {
                stream_key: secret(),
                name: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.IngressInfo.url",
            IngressInfo {
                url: format!("https://shown-host.example/a.mp4?X-Amz-Signature={SECRET}"),
                name: shown(),
                ..Default::default()
            },
            &[SHOWN, "shown-host.example"],
        ),
        case(
            "livekit.CreateIngressRequest.url",
            CreateIngressRequest {
                url: format!("https://shown-host.example/a.mp4?X-Amz-Signature={SECRET}"),
                name: shown(),
                ..Default::default()
            },
            &[SHOWN, "shown-host.example"],
        ),
        case(
            "livekit.SIPInboundTrunkInfo.auth_password",
            SipInboundTrunkInfo {
                auth_password: secret(),
                auth_username: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.SIPInboundTrunkUpdate.auth_password",
            SipInboundTrunkUpdate {
                auth_password: Some(secret()),
                auth_username: Some(shown()),
                ..Default::default()
            },
            // Set, so `Some`: whether an update sets the password stays visible.
            &[SHOWN, "auth_password: Some("],
        ),
        case(
            "livekit.SIPOutboundTrunkInfo.auth_password",
            SipOutboundTrunkInfo {
                auth_password: secret(),
                address: shown(),
                transport: SipTransport::Tls.into(),
                ..Default::default()
            },
            &[SHOWN, "Tls"],
        ),
        case(
            "livekit.SIPOutboundTrunkUpdate.auth_password",
            SipOutboundTrunkUpdate {
                auth_password: Some(secret()),
                address: Some(shown()),
                transport: Some(SipTransport::Tcp.into()),
                ..Default::default()
            },
            &[SHOWN, "transport: Some(", "Tcp"],
        ),
        case(
            "livekit.SIPTrunkInfo.inbound_password",
            SipTrunkInfo {
                inbound_password: secret(),
                inbound_username: shown(),
                ..Default::default()
            },
            &[SHOWN, "TrunkLegacy"],
        ),
        case(
            "livekit.SIPTrunkInfo.outbound_password",
            SipTrunkInfo {
                outbound_password: secret(),
                outbound_username: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.CreateSIPTrunkRequest.inbound_password",
            CreateSipTrunkRequest {
                inbound_password: secret(),
                name: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.CreateSIPTrunkRequest.outbound_password",
            CreateSipTrunkRequest {
                outbound_password: secret(),
                name: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.SIPOutboundConfig.auth_password",
            SipOutboundConfig {
                auth_password: secret(),
                hostname: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.DialWhatsAppCallRequest.whatsapp_api_key",
            DialWhatsAppCallRequest {
                whatsapp_api_key: secret(),
                room_name: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.AcceptWhatsAppCallRequest.whatsapp_api_key",
            AcceptWhatsAppCallRequest {
                whatsapp_api_key: secret(),
                whatsapp_call_id: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.DisconnectWhatsAppCallRequest.whatsapp_api_key",
            DisconnectWhatsAppCallRequest {
                whatsapp_api_key: secret(),
                whatsapp_call_id: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.ConnectTwilioCallResponse.connect_url",
            ConnectTwilioCallResponse {
                connect_url: format!("wss://shown-host.example/twilio?token={SECRET}"),
            },
            &["\"wss://shown-host.example/<redacted>\""],
        ),
        case(
            "livekit.AgentSecret.value",
            AgentSecret {
                value: SECRET.as_bytes().to_vec(),
                name: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.CreateAgentResponse.presigned_url",
            CreateAgentResponse {
                presigned_url: format!("https://shown-host.example/o?X-Amz-Signature={SECRET}"),
                agent_id: shown(),
                ..Default::default()
            },
            &[SHOWN, "shown-host.example"],
        ),
        case(
            "livekit.DeployAgentResponse.presigned_url",
            DeployAgentResponse {
                presigned_url: format!("https://shown-host.example/o?X-Amz-Signature={SECRET}"),
                agent_id: shown(),
                ..Default::default()
            },
            &[SHOWN, "shown-host.example"],
        ),
        case(
            "livekit.PresignedPostRequest.values",
            PresignedPostRequest {
                url: shown(),
                values: [("x-amz-signature".to_owned(), secret())].into(),
            },
            // The form's field names show, their values do not.
            &[SHOWN, "\"x-amz-signature\": <redacted>"],
        ),
        case(
            "livekit.AgentDB.ExportResponse.download_url",
            ExportResponse {
                download_url: format!("https://shown-host.example/db?sig={SECRET}"),
                tip: 424_242,
                ..Default::default()
            },
            &["424242", "shown-host.example"],
        ),
        case(
            "livekit.AgentDB.Wire.Hello.token",
            Hello {
                token: secret(),
                database_id: shown(),
            },
            &[SHOWN],
        ),
        case(
            "livekit.WebhookConfig.signing_key",
            WebhookConfig {
                signing_key: secret(),
                url: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.Room.turn_password",
            Room {
                turn_password: secret(),
                name: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.ICEServer.credential",
            IceServer {
                credential: secret(),
                username: shown(),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.JobAssignment.token",
            JobAssignment {
                token: secret(),
                url: Some(shown()),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.RoomMovedResponse.token",
            RoomMovedResponse {
                token: secret(),
                room: Some(Room {
                    name: shown(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            &[SHOWN],
        ),
        case(
            "livekit.SignalResponse.refresh_token",
            SignalResponse {
                message: Some(signal_response::Message::RefreshToken(secret())),
            },
            &["RefreshToken("],
        ),
        case(
            "livekit.TokenSourceResponse.participant_token",
            TokenSourceResponse {
                participant_token: secret(),
                server_url: shown(),
            },
            &[SHOWN],
        ),
    ]
}

#[test]
fn every_listed_secret_is_redacted_and_its_neighbours_are_not() {
    for (field, message, visible) in cases() {
        let text = format!("{message:?}");
        assert!(!text.contains(SECRET), "{field} is printed: {text}");
        assert_hidden(&message, visible);
    }
}

/// The cases above cover exactly the fields the generated impls hide (the rows of `REDACTED`
/// in `xtask/src/redact.rs`, which codegen names in each impl's doc line, e.g.
/// "`livekit.S3Upload`: `access_key`, `secret`, … and `assume_role_external_id` redacted"),
/// so a row added there needs a case here. The generated file, not the table, is read so
/// that the test builds from the published package too; `cargo xtask codegen --check` keeps
/// the two in step.
#[test]
fn every_redacted_field_has_a_case() {
    let generated = include_str!("../src/generated/redacted_debug.rs");
    let mut listed = BTreeSet::new();
    for line in generated.lines() {
        let Some(doc) = line.strip_prefix("/// `livekit.") else {
            continue;
        };
        let (message, rest) = doc.split_once("`: ").unwrap();
        let fields = &rest[..rest.find(" redacted;").unwrap()];
        for field in fields.split('`').skip(1).step_by(2) {
            listed.insert(format!("livekit.{message}.{field}"));
        }
    }
    let tested: BTreeSet<String> = cases()
        .iter()
        .map(|(field, _, _)| (*field).to_owned())
        .collect();
    assert!(listed.len() > 30, "{listed:?}");
    assert_eq!(listed, tested);
}

#[test]
fn an_unset_secret_prints_as_empty() {
    let text = format!(
        "{:?}",
        S3Upload {
            bucket: shown(),
            ..Default::default()
        }
    );
    assert!(text.contains(r#"secret: """#), "{text}");
    assert!(!text.contains("<redacted>"), "{text}");
    let text = format!("{:?}", SipInboundTrunkUpdate::default());
    assert!(text.contains("auth_password: None"), "{text}");
    let text = format!("{:?}", AgentSecret::default());
    assert!(text.contains("value: []"), "{text}");
    // An enum number with no variant prints as the number, as the derived `Debug` does.
    let text = format!(
        "{:?}",
        StreamOutput {
            protocol: 99,
            urls: vec![]
        }
    );
    assert!(text.contains("protocol: 99"), "{text}");
    // Another member of the oneof that holds a refresh token prints as it is.
    let text = format!(
        "{:?}",
        SignalResponse {
            message: Some(signal_response::Message::Pong(42))
        }
    );
    assert_eq!(text, "SignalResponse { message: Some(Pong(42)) }");
}

#[test]
fn nested_secrets_are_redacted() {
    // The defect as reported: a request holding a trunk.
    let request = CreateSipInboundTrunkRequest {
        trunk: Some(SipInboundTrunkInfo {
            auth_password: secret(),
            name: shown(),
            ..Default::default()
        }),
    };
    assert_hidden(&request, &[SHOWN, "auth_password: <redacted>"]);

    let listing = ListSipOutboundTrunkResponse {
        items: vec![SipOutboundTrunkInfo {
            auth_password: secret(),
            name: shown(),
            ..Default::default()
        }],
    };
    assert_hidden(&listing, &[SHOWN]);

    // Egress: storage in a file output's oneof, a stream output's URLs.
    let egress = RoomCompositeEgressRequest {
        room_name: shown(),
        file_outputs: vec![EncodedFileOutput {
            filepath: "shown/path.mp4".to_owned(),
            output: Some(encoded_file_output::Output::S3(S3Upload {
                access_key: secret(),
                secret: secret(),
                bucket: "shown-bucket".to_owned(),
                ..Default::default()
            })),
            ..Default::default()
        }],
        stream_outputs: vec![StreamOutput {
            protocol: StreamProtocol::Rtmp.into(),
            urls: vec![url()],
        }],
        ..Default::default()
    };
    assert_hidden(
        &egress,
        &[
            SHOWN,
            "shown/path.mp4",
            "shown-bucket",
            "shown-host.example",
        ],
    );

    // The newer egress API: storage given once for the whole request.
    let start = StartEgressRequest {
        room_name: shown(),
        storage: Some(StorageConfig {
            provider: Some(storage_config::Provider::Gcp(GcpUpload {
                credentials: secret(),
                bucket: "shown-bucket".to_owned(),
                ..Default::default()
            })),
        }),
        webhooks: vec![WebhookConfig {
            url: "https://shown-hook.example".to_owned(),
            signing_key: secret(),
            ..Default::default()
        }],
        ..Default::default()
    };
    assert_hidden(&start, &[SHOWN, "shown-bucket", "shown-hook.example"]);

    // A webhook event holds its ingress boxed.
    let event = WebhookEvent {
        event: "ingress_started".to_owned(),
        ingress_info: Some(Box::new(IngressInfo {
            stream_key: secret(),
            name: shown(),
            ..Default::default()
        })),
        ..Default::default()
    };
    assert_hidden(&event, &[SHOWN, "ingress_started"]);

    let agent = CreateAgentRequest {
        secrets: vec![AgentSecret {
            name: shown(),
            value: SECRET.as_bytes().to_vec(),
            ..Default::default()
        }],
        ..Default::default()
    };
    assert_hidden(&agent, &[SHOWN]);

    let join = JoinResponse {
        ice_servers: vec![IceServer {
            urls: vec!["turn:shown-turn.example".to_owned()],
            credential: secret(),
            ..Default::default()
        }],
        room: Some(Room {
            name: shown(),
            turn_password: secret(),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_hidden(&join, &[SHOWN, "shown-turn.example"]);
}

/// protojson is what goes to the server: it keeps every secret, and reads it back.
#[cfg(feature = "serde")]
#[test]
fn protojson_still_carries_the_secrets() {
    let request = CreateSipInboundTrunkRequest {
        trunk: Some(SipInboundTrunkInfo {
            auth_password: secret(),
            name: shown(),
            ..Default::default()
        }),
    };
    let json = serde_json::to_string(&request).unwrap();
    assert!(
        json.contains(&format!(r#""authPassword":"{SECRET}""#)),
        "{json}"
    );
    let back: CreateSipInboundTrunkRequest = serde_json::from_str(&json).unwrap();
    assert_eq!(back, request);

    let upload = S3Upload {
        access_key: secret(),
        secret: secret(),
        session_token: secret(),
        ..Default::default()
    };
    let json = serde_json::to_value(&upload).unwrap();
    assert_eq!(json["accessKey"], SECRET);
    assert_eq!(json["secret"], SECRET);
    assert_eq!(json["sessionToken"], SECRET);
    assert_eq!(serde_json::from_value::<S3Upload>(json).unwrap(), upload);

    let output = StreamOutput {
        protocol: StreamProtocol::Rtmp.into(),
        urls: vec![url()],
    };
    let json = serde_json::to_value(&output).unwrap();
    assert_eq!(json["urls"][0], URL);
    assert_eq!(json["protocol"], "RTMP");

    let refresh = SignalResponse {
        message: Some(signal_response::Message::RefreshToken(secret())),
    };
    let json = serde_json::to_value(&refresh).unwrap();
    assert_eq!(json["refreshToken"], SECRET);
}

/// The binary encoding is untouched too.
#[test]
fn the_wire_form_still_carries_the_secrets() {
    use prost::Message as _;
    let trunk = SipOutboundTrunkInfo {
        auth_password: secret(),
        ..Default::default()
    };
    let bytes = trunk.encode_to_vec();
    assert!(bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()));
    assert_eq!(
        SipOutboundTrunkInfo::decode(bytes.as_slice()).unwrap(),
        trunk
    );
}
