//! Shared by the differential tests against Go's protojson (`protojson_go`,
//! `protojson_go_generated`): a case, our decoder's answer for it, the Go oracle's answers, and
//! the comparison of two answers.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use livekit_server_proto as proto;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value, json};

/// A case: the message type's full protobuf name and the JSON to decode.
pub(crate) struct Case {
    pub(crate) type_name: &'static str,
    pub(crate) json: String,
}

/// A decoder's answer: the re-encoded JSON value, or the error.
pub(crate) type Answer = Result<Value, String>;

/// Our answer for a case: the re-encoded JSON value, or the error.
pub(crate) fn ours(case: &Case) -> Answer {
    fn run<M: DeserializeOwned + Serialize>(json: &str) -> Answer {
        let message: M = serde_json::from_str(json).map_err(|e| e.to_string())?;
        Ok(parse_exact(&serde_json::to_string(&message).unwrap()))
    }
    match case.type_name {
        "livekit.Room" => run::<proto::Room>(&case.json),
        "livekit.ParticipantInfo" => run::<proto::ParticipantInfo>(&case.json),
        "livekit.TrackInfo" => run::<proto::TrackInfo>(&case.json),
        "livekit.DataPacket" => run::<proto::DataPacket>(&case.json),
        "livekit.SpeakerInfo" => run::<proto::SpeakerInfo>(&case.json),
        "livekit.RTPDrift" => run::<proto::RtpDrift>(&case.json),
        "livekit.Pagination" => run::<proto::Pagination>(&case.json),
        "livekit.WebhookEvent" => run::<proto::WebhookEvent>(&case.json),
        "livekit.CreateSIPParticipantRequest" => {
            run::<proto::CreateSipParticipantRequest>(&case.json)
        }
        "livekit.SIPDispatchRuleInfo" => run::<proto::SipDispatchRuleInfo>(&case.json),
        "livekit.RoomConfiguration" => run::<proto::RoomConfiguration>(&case.json),
        "livekit.EgressInfo" => run::<proto::EgressInfo>(&case.json),
        "livekit.IngressInfo" => run::<proto::IngressInfo>(&case.json),
        "livekit.IngressAudioOptions" => run::<proto::IngressAudioOptions>(&case.json),
        "livekit.CreateRoomRequest" => run::<proto::CreateRoomRequest>(&case.json),
        other => panic!("no Rust type mapped for {other}: add it to `ours`"),
    }
}

/// Go's answers for all cases, in order, from one run of the oracle.
pub(crate) fn go(cases: &[Case]) -> Vec<Answer> {
    let oracle = std::env::var_os("LIVEKIT_PROTOJSON_ORACLE").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/protojson-oracle/protojson-oracle")
        },
        PathBuf::from,
    );
    assert!(
        oracle.is_file(),
        "the Go protojson oracle is missing at {}: build it with `cargo xtask setup` \
         (or point LIVEKIT_PROTOJSON_ORACLE at it)",
        oracle.display()
    );
    let mut child = Command::new(&oracle)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", oracle.display()));
    let mut stdin = child.stdin.take().unwrap();
    let input: String = cases
        .iter()
        .map(|c| json!({"type": c.type_name, "json": c.json}).to_string() + "\n")
        .collect();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let answers: Vec<Answer> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(|line| {
            let answer: Value = serde_json::from_str(&line.unwrap()).unwrap();
            if answer["ok"] == Value::Bool(true) {
                Ok(parse_exact(answer["json"].as_str().unwrap()))
            } else {
                Err(answer["error"].as_str().unwrap().to_owned())
            }
        })
        .collect();
    writer.join().unwrap();
    assert!(child.wait().unwrap().success(), "the oracle failed");
    assert_eq!(answers.len(), cases.len(), "one answer per case");
    answers
}

/// Reads JSON written by an encoder (ours or Go's) into a value, every number read exactly:
/// `serde_json` without its `float_roundtrip` feature may read a float one unit in the last
/// place off, and would then tell apart the same number written in two forms
/// (`200771633527121060` and `2.0077163352712106e+17`).
pub(crate) fn parse_exact(text: &str) -> Value {
    let mut reader = ExactReader {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    let value = reader.value();
    reader.whitespace();
    assert_eq!(reader.at, text.len(), "trailing characters in {text}");
    value
}

struct ExactReader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl ExactReader<'_> {
    fn whitespace(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    /// Consumes `byte` if it is next (after whitespace).
    fn eat(&mut self, byte: u8) -> bool {
        self.whitespace();
        let found = self.bytes.get(self.at) == Some(&byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn value(&mut self) -> Value {
        self.whitespace();
        let start = self.at;
        match self.bytes[start] {
            b'{' => {
                self.at += 1;
                let mut map = Map::new();
                while !self.eat(b'}') {
                    let Value::String(key) = self.value() else {
                        panic!("a key that is not a string in {}", self.text);
                    };
                    assert!(self.eat(b':'), "no colon in {}", self.text);
                    map.insert(key, self.value());
                    self.eat(b',');
                }
                Value::Object(map)
            }
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                while !self.eat(b']') {
                    items.push(self.value());
                    self.eat(b',');
                }
                Value::Array(items)
            }
            b'"' => {
                self.at += 1;
                while self.bytes[self.at] != b'"' {
                    self.at += if self.bytes[self.at] == b'\\' { 2 } else { 1 };
                }
                self.at += 1;
                Value::String(serde_json::from_str(&self.text[start..self.at]).unwrap())
            }
            _ => {
                while self
                    .bytes
                    .get(self.at)
                    .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
                {
                    self.at += 1;
                }
                match &self.text[start..self.at] {
                    "null" => Value::Null,
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    token => {
                        if let Ok(v) = token.parse::<u64>() {
                            Value::from(v)
                        } else if let Ok(v) = token.parse::<i64>() {
                            Value::from(v)
                        } else {
                            // Rust's float parsing is exact (correctly rounded).
                            let v: f64 = token
                                .parse()
                                .unwrap_or_else(|e| panic!("{token:?} in {}: {e}", self.text));
                            Value::Number(Number::from_f64(v).unwrap())
                        }
                    }
                }
            }
        }
    }
}

/// Whether two answers agree: both errors, or the same JSON value.
pub(crate) fn agree(ours: &Answer, go: &Answer) -> bool {
    match (ours, go) {
        (Ok(a), Ok(b)) => same(a, b),
        (Err(_), Err(_)) => true,
        _ => false,
    }
}

/// JSON equality, with numbers compared by value (`42.0` is `42`, as in Go's output).
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || (x.as_f64().is_some() && x.as_f64() == y.as_f64())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// An answer, for a failure message.
pub(crate) fn show(answer: &Answer) -> String {
    match answer {
        Ok(value) => format!("ok {value}"),
        Err(error) => format!("error: {error}"),
    }
}
