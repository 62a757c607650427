//! Twirp error codes: one table drives the enum, its wire string and its HTTP status.

use std::fmt;

use http::StatusCode;

/// Generates [`TwirpCode`] and its conversions from one table of
/// `Variant => "wire_string", http_status;` rows, so the three can never drift apart.
macro_rules! twirp_codes {
    ($( $(#[$doc:meta])* $variant:ident => $wire:literal, $status:literal; )*) => {
        /// A Twirp error code (Twirp spec v7), as carried in the `code` member of an error body.
        ///
        /// Wire strings that are not in the table are kept by [`TwirpError::raw_code`]
        /// and read as [`TwirpCode::Unknown`].
        ///
        /// [`TwirpError::raw_code`]: crate::TwirpError::raw_code
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum TwirpCode {
            $( $(#[$doc])* $variant, )*
        }

        impl TwirpCode {
            /// Every code, in the order of the Twirp spec.
            pub const ALL: &'static [TwirpCode] = &[$(TwirpCode::$variant),*];

            /// The wire string (`"not_found"`, `"dataloss"`, …).
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(TwirpCode::$variant => $wire,)*
                }
            }

            /// The code for a wire string; `None` for a string outside the spec (matching is
            /// exact, as in Go's Twirp).
            #[must_use]
            pub fn from_wire(code: &str) -> Option<TwirpCode> {
                match code {
                    $($wire => Some(TwirpCode::$variant),)*
                    _ => None,
                }
            }

            /// The HTTP status a Twirp server sends with this code.
            #[must_use]
            pub const fn http_status(self) -> StatusCode {
                // Every status in the table is a valid literal, checked by the tests.
                match self {
                    $(TwirpCode::$variant => match StatusCode::from_u16($status) {
                        Ok(status) => status,
                        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
                    },)*
                }
            }
        }
    };
}

twirp_codes! {
    /// The operation was cancelled (by the caller).
    Canceled => "canceled", 408;
    /// An unknown error, or a code outside the spec.
    Unknown => "unknown", 500;
    /// The client gave an invalid argument.
    InvalidArgument => "invalid_argument", 400;
    /// The server could not decode the request (client bug or version skew).
    Malformed => "malformed", 400;
    /// The operation expired before completion; it may have completed all the same.
    DeadlineExceeded => "deadline_exceeded", 408;
    /// A requested entity was not found.
    NotFound => "not_found", 404;
    /// The route does not exist: wrong URL prefix, or a server without this RPC.
    BadRoute => "bad_route", 404;
    /// An entity the client tried to create already exists.
    AlreadyExists => "already_exists", 409;
    /// The caller lacks permission.
    PermissionDenied => "permission_denied", 403;
    /// No valid credentials; LiveKit also uses it for a token that lacks a grant.
    Unauthenticated => "unauthenticated", 401;
    /// A quota or rate limit was hit.
    ResourceExhausted => "resource_exhausted", 429;
    /// The system is not in the state the operation requires.
    FailedPrecondition => "failed_precondition", 412;
    /// The operation was aborted (typically a concurrency conflict).
    Aborted => "aborted", 409;
    /// The operation was attempted past the valid range.
    OutOfRange => "out_of_range", 400;
    /// The operation is not implemented or supported.
    Unimplemented => "unimplemented", 501;
    /// An internal error of the server.
    Internal => "internal", 500;
    /// The service is unavailable (transient: retry with backoff if the call is idempotent).
    Unavailable => "unavailable", 503;
    /// Unrecoverable data loss or corruption (the wire string has no underscore).
    DataLoss => "dataloss", 500;
}

impl TwirpCode {
    /// The code Go's Twirp client gives a response that is not a Twirp error (it came from
    /// a proxy or from middleware in front of the Twirp handler), derived from its status.
    #[must_use]
    pub fn from_intermediary_status(status: StatusCode) -> TwirpCode {
        if status.is_redirection() {
            return TwirpCode::Internal;
        }
        match status.as_u16() {
            400 => TwirpCode::Internal,
            401 => TwirpCode::Unauthenticated,
            403 => TwirpCode::PermissionDenied,
            404 => TwirpCode::BadRoute,
            429 | 502 | 503 | 504 => TwirpCode::Unavailable,
            _ => TwirpCode::Unknown,
        }
    }
}

impl fmt::Display for TwirpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_the_spec() {
        let expected = [
            ("canceled", 408),
            ("unknown", 500),
            ("invalid_argument", 400),
            ("malformed", 400),
            ("deadline_exceeded", 408),
            ("not_found", 404),
            ("bad_route", 404),
            ("already_exists", 409),
            ("permission_denied", 403),
            ("unauthenticated", 401),
            ("resource_exhausted", 429),
            ("failed_precondition", 412),
            ("aborted", 409),
            ("out_of_range", 400),
            ("unimplemented", 501),
            ("internal", 500),
            ("unavailable", 503),
            ("dataloss", 500),
        ];
        assert_eq!(TwirpCode::ALL.len(), expected.len());
        for (code, (wire, status)) in TwirpCode::ALL.iter().zip(expected) {
            assert_eq!(code.as_str(), wire);
            assert_eq!(code.to_string(), wire);
            assert_eq!(code.http_status().as_u16(), status, "{wire}");
            assert_eq!(TwirpCode::from_wire(wire), Some(*code));
        }
    }

    #[test]
    fn wire_strings_are_exact() {
        for raw in [
            "data_loss",
            "NOT_FOUND",
            "Not_Found",
            " not_found",
            "",
            "teapot",
        ] {
            assert_eq!(TwirpCode::from_wire(raw), None, "{raw}");
        }
    }

    #[test]
    fn intermediary_mapping_follows_go_twirp() {
        let cases = [
            (300, TwirpCode::Internal),
            (302, TwirpCode::Internal),
            (307, TwirpCode::Internal),
            (400, TwirpCode::Internal),
            (401, TwirpCode::Unauthenticated),
            (403, TwirpCode::PermissionDenied),
            (404, TwirpCode::BadRoute),
            (429, TwirpCode::Unavailable),
            (502, TwirpCode::Unavailable),
            (503, TwirpCode::Unavailable),
            (504, TwirpCode::Unavailable),
            (500, TwirpCode::Unknown),
            (413, TwirpCode::Unknown),
            (204, TwirpCode::Unknown),
            (100, TwirpCode::Unknown),
        ];
        for (status, code) in cases {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(
                TwirpCode::from_intermediary_status(status),
                code,
                "{status}"
            );
        }
    }
}
