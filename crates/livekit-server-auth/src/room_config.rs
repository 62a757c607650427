//! The check that keeps egress credentials out of tokens (the intent of Go's
//! `RoomConfiguration.CheckCredentials`): a token is readable by whoever holds it, so a room
//! configuration that would hand out storage keys, proxy passwords, webhook signing keys or
//! stream URLs (which carry stream keys) is refused unless the caller opts in.

use livekit_server_proto::{
    AliOssUpload, AutoTrackEgress, AzureBlobUpload, EncodedFileOutput, GcpUpload, ImageOutput,
    ProxyConfig, RoomConfiguration, S3Upload, SegmentedFileOutput, auto_track_egress,
    encoded_file_output, image_output, room_composite_egress_request, segmented_file_output,
};

use crate::TokenError;

/// A storage destination of any output type.
enum Storage<'a> {
    S3(&'a S3Upload),
    Gcp(&'a GcpUpload),
    Azure(&'a AzureBlobUpload),
    AliOss(&'a AliOssUpload),
}

/// Converts the `Output` oneof of an output message (they all have the same four variants).
macro_rules! storage_of {
    ($module:ident, $output:expr) => {
        $output.as_ref().map(|output| match output {
            $module::Output::S3(u) => Storage::S3(u),
            $module::Output::Gcp(u) => Storage::Gcp(u),
            $module::Output::Azure(u) => Storage::Azure(u),
            $module::Output::AliOss(u) => Storage::AliOss(u),
        })
    };
}

fn proxy_secret(proxy: Option<&ProxyConfig>) -> bool {
    proxy.is_some_and(|p| !p.password.is_empty())
}

fn storage(storage: Option<Storage<'_>>) -> Result<(), TokenError> {
    let sensitive = match storage {
        None => false,
        Some(Storage::S3(u)) => {
            !u.secret.is_empty() || !u.session_token.is_empty() || proxy_secret(u.proxy.as_ref())
        }
        Some(Storage::Gcp(u)) => !u.credentials.is_empty() || proxy_secret(u.proxy.as_ref()),
        Some(Storage::Azure(u)) => !u.account_key.is_empty(),
        Some(Storage::AliOss(u)) => !u.secret.is_empty(),
    };
    if sensitive {
        Err(TokenError::SensitiveCredentials)
    } else {
        Ok(())
    }
}

fn file(output: &EncodedFileOutput) -> Result<(), TokenError> {
    storage(storage_of!(encoded_file_output, output.output))
}

fn segments(output: &SegmentedFileOutput) -> Result<(), TokenError> {
    storage(storage_of!(segmented_file_output, output.output))
}

fn image(output: &ImageOutput) -> Result<(), TokenError> {
    storage(storage_of!(image_output, output.output))
}

fn track(output: &AutoTrackEgress) -> Result<(), TokenError> {
    storage(storage_of!(auto_track_egress, output.output))
}

/// Refuses a room configuration whose egress section holds credentials.
///
/// # Errors
///
/// [`TokenError::SensitiveCredentials`].
pub(crate) fn check_credentials(config: &RoomConfiguration) -> Result<(), TokenError> {
    let Some(egress) = &config.egress else {
        return Ok(());
    };
    if let Some(participant) = &egress.participant {
        participant.file_outputs.iter().try_for_each(file)?;
        participant.segment_outputs.iter().try_for_each(segments)?;
    }
    if let Some(room) = &egress.room {
        room.file_outputs.iter().try_for_each(file)?;
        room.segment_outputs.iter().try_for_each(segments)?;
        room.image_outputs.iter().try_for_each(image)?;
        // Stream URLs carry stream keys.
        if !room.stream_outputs.is_empty() {
            return Err(TokenError::SensitiveCredentials);
        }
        if room.webhooks.iter().any(|w| !w.signing_key.is_empty()) {
            return Err(TokenError::SensitiveCredentials);
        }
        #[allow(deprecated)]
        match &room.output {
            None => {}
            Some(room_composite_egress_request::Output::File(f)) => file(f)?,
            Some(room_composite_egress_request::Output::Segments(s)) => segments(s)?,
            Some(room_composite_egress_request::Output::Stream(_)) => {
                return Err(TokenError::SensitiveCredentials);
            }
        }
    }
    if let Some(tracks) = &egress.tracks {
        track(tracks)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use livekit_server_proto::{
        AutoParticipantEgress, RoomCompositeEgressRequest, RoomEgress, StreamOutput, WebhookConfig,
    };

    use super::*;

    fn config(egress: RoomEgress) -> RoomConfiguration {
        RoomConfiguration {
            egress: Some(egress),
            ..Default::default()
        }
    }

    fn s3(secret: &str) -> S3Upload {
        S3Upload {
            access_key: "AKIA".into(),
            secret: secret.into(),
            ..Default::default()
        }
    }

    #[test]
    fn credentials_refused_everywhere() {
        let file_with = |u: encoded_file_output::Output| EncodedFileOutput {
            output: Some(u),
            ..Default::default()
        };
        let cases = [
            config(RoomEgress {
                participant: Some(AutoParticipantEgress {
                    file_outputs: vec![file_with(encoded_file_output::Output::S3(s3("x")))],
                    ..Default::default()
                }),
                ..Default::default()
            }),
            config(RoomEgress {
                room: Some(RoomCompositeEgressRequest {
                    segment_outputs: vec![SegmentedFileOutput {
                        output: Some(segmented_file_output::Output::Gcp(GcpUpload {
                            credentials: "{}".into(),
                            ..Default::default()
                        })),
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
                ..Default::default()
            }),
            config(RoomEgress {
                room: Some(RoomCompositeEgressRequest {
                    stream_outputs: vec![StreamOutput {
                        urls: vec!["rtmp://x/live/key".into()],
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
                ..Default::default()
            }),
            config(RoomEgress {
                room: Some(RoomCompositeEgressRequest {
                    webhooks: vec![WebhookConfig {
                        url: "https://x".into(),
                        signing_key: "k".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
                ..Default::default()
            }),
            config(RoomEgress {
                tracks: Some(AutoTrackEgress {
                    output: Some(auto_track_egress::Output::Azure(AzureBlobUpload {
                        account_key: "k".into(),
                        ..Default::default()
                    })),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            config(RoomEgress {
                room: Some(RoomCompositeEgressRequest {
                    image_outputs: vec![ImageOutput {
                        output: Some(image_output::Output::AliOss(AliOssUpload {
                            secret: "k".into(),
                            ..Default::default()
                        })),
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
                ..Default::default()
            }),
        ];
        for (i, case) in cases.iter().enumerate() {
            assert_eq!(
                check_credentials(case),
                Err(TokenError::SensitiveCredentials),
                "case {i}"
            );
        }
    }

    #[test]
    fn outputs_without_secrets_pass() {
        let ok = config(RoomEgress {
            participant: Some(AutoParticipantEgress {
                file_outputs: vec![EncodedFileOutput {
                    output: Some(encoded_file_output::Output::S3(s3(""))),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            ..Default::default()
        });
        assert_eq!(check_credentials(&ok), Ok(()));
        assert_eq!(check_credentials(&RoomConfiguration::default()), Ok(()));
    }
}
