//! A small, obviously-correct reference JSON parser (RFC 8259) for the oracles: it builds a
//! tree that keeps every object member in order (so duplicates stay visible) and reports lone
//! surrogate escapes. It is slow and recursive on purpose; it shares no code with the SDK.

/// A parsed JSON value. Objects keep their members in order, duplicates included.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, members in order.
    Object(Vec<(String, Json)>),
}

/// Why a text is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonError {
    /// Not JSON (RFC 8259 grammar).
    Syntax,
    /// A `\uD800`–`\uDFFF` escape that is not part of a surrogate pair.
    LoneSurrogate,
    /// Nested deeper than [`RECURSION_LIMIT`] (this parser's own stack guard).
    TooDeep,
}

/// How deep this parser recurses before giving up with [`JsonError::TooDeep`].
pub const RECURSION_LIMIT: usize = 512;

/// Parses a whole text: one value with optional whitespace around it.
///
/// # Errors
///
/// [`JsonError`] for anything that is not exactly one JSON value.
pub fn parse(text: &str) -> Result<Json, JsonError> {
    let mut p = Parser {
        bytes: text.as_bytes(),
        pos: 0,
    };
    p.ws();
    let value = p.value(1)?;
    p.ws();
    if p.pos != p.bytes.len() {
        return Err(JsonError::Syntax);
    }
    Ok(value)
}

impl Json {
    /// The nesting depth: scalars are 0, an object or array is 1 + its deepest child.
    pub fn depth(&self) -> usize {
        match self {
            Json::Array(items) => 1 + items.iter().map(Json::depth).max().unwrap_or(0),
            Json::Object(members) => 1 + members.iter().map(|(_, v)| v.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }

    /// Whether any object, at any depth, has the same member name twice.
    pub fn has_duplicate(&self) -> bool {
        match self {
            Json::Array(items) => items.iter().any(Json::has_duplicate),
            Json::Object(members) => {
                let mut names: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
                names.sort_unstable();
                names.windows(2).any(|w| w[0] == w[1])
                    || members.iter().any(|(_, v)| v.has_duplicate())
            }
            _ => false,
        }
    }

    /// The first member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Result<(), JsonError> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(JsonError::Syntax)
        }
    }

    fn literal(&mut self, word: &[u8], value: Json) -> Result<Json, JsonError> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(JsonError::Syntax)
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        match self.peek().ok_or(JsonError::Syntax)? {
            b'{' => {
                if depth > RECURSION_LIMIT {
                    return Err(JsonError::TooDeep);
                }
                self.pos += 1;
                let mut members = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                loop {
                    self.ws();
                    let key = self.string()?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    let value = self.value(depth + 1)?;
                    members.push((key, value));
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(Json::Object(members));
                        }
                        _ => return Err(JsonError::Syntax),
                    }
                }
            }
            b'[' => {
                if depth > RECURSION_LIMIT {
                    return Err(JsonError::TooDeep);
                }
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Json::Array(items));
                        }
                        _ => return Err(JsonError::Syntax),
                    }
                }
            }
            b'"' => self.string().map(Json::String),
            b't' => self.literal(b"true", Json::Bool(true)),
            b'f' => self.literal(b"false", Json::Bool(false)),
            b'n' => self.literal(b"null", Json::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(JsonError::Syntax),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(JsonError::Syntax),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(JsonError::Syntax);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(JsonError::Syntax);
            }
        }
        let text =
            std::str::from_utf8(&self.bytes[start..self.pos]).map_err(|_| JsonError::Syntax)?;
        Ok(Json::Number(text.to_owned()))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .ok_or(JsonError::Syntax)?;
        let mut value = 0;
        for &d in digits {
            let v = char::from(d).to_digit(16).ok_or(JsonError::Syntax)?;
            value = value * 16 + v;
        }
        self.pos += 4;
        Ok(value)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.eat(b'"')?;
        let mut out = Vec::new();
        loop {
            let b = self.peek().ok_or(JsonError::Syntax)?;
            self.pos += 1;
            match b {
                b'"' => break,
                0x00..=0x1f => return Err(JsonError::Syntax),
                b'\\' => {
                    let e = self.peek().ok_or(JsonError::Syntax)?;
                    self.pos += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let first = self.hex4()?;
                            let code = match first {
                                0xD800..=0xDBFF => {
                                    if !self.bytes[self.pos..].starts_with(b"\\u") {
                                        return Err(JsonError::LoneSurrogate);
                                    }
                                    self.pos += 2;
                                    let second = self.hex4()?;
                                    if !(0xDC00..=0xDFFF).contains(&second) {
                                        return Err(JsonError::LoneSurrogate);
                                    }
                                    0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                                }
                                0xDC00..=0xDFFF => return Err(JsonError::LoneSurrogate),
                                other => other,
                            };
                            char::from_u32(code).ok_or(JsonError::Syntax)?
                        }
                        _ => return Err(JsonError::Syntax),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                other => out.push(other),
            }
        }
        // The input is a `&str`, and escapes add whole characters: always UTF-8.
        String::from_utf8(out).map_err(|_| JsonError::Syntax)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_parser_basics() {
        assert_eq!(
            parse(" {\"a\":[1,-0.5e3,true,null,\"x\"]} ").map(|j| j.depth()),
            Ok(2)
        );
        assert!(parse("{\"a\":1,\"\\u0061\":2}").unwrap().has_duplicate());
        assert!(!parse("{\"a\":{\"a\":1}}").unwrap().has_duplicate());
        assert_eq!(parse("\"\\ud800\""), Err(JsonError::LoneSurrogate));
        assert_eq!(parse("\"\\udc00\\ud800\""), Err(JsonError::LoneSurrogate));
        assert_eq!(parse("\"\\ud83d\\ude00\""), Ok(Json::String("😀".into())));
        for bad in [
            "",
            "01",
            "1.",
            "{,}",
            "[1,]",
            "\u{feff}{}",
            "{} x",
            "\"\t\"",
            "+1",
            "nul",
        ] {
            assert_eq!(parse(bad), Err(JsonError::Syntax), "{bad:?}");
        }
    }
}
