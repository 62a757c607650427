//! A strict pull reader for the JSON of token headers and claims (RFC 8259), written for
//! verification: it refuses duplicate members in every object (also inside values it skips),
//! lone surrogate escapes, control characters in strings, and nesting deeper than
//! [`MAX_DEPTH`], without recursion and without building a generic value tree.
//!
//! The input is a `&str`, so UTF-8 has been checked before (a byte order mark is refused
//! because it is not JSON whitespace).

use std::borrow::Cow;

use crate::claims::NumericDate;

/// Deepest nesting of arrays and objects accepted (the top-level object counts as 1).
pub(crate) const MAX_DEPTH: usize = 64;

/// What went wrong; callers turn it into a [`TokenError`](crate::TokenError) with context.
#[derive(Debug, PartialEq)]
pub(crate) enum JsonError {
    /// Not JSON, or not the JSON expected at this position; the message is fixed text.
    Syntax(&'static str, usize),
    /// A value of another JSON type than the caller asked for.
    Type,
    /// The same member name twice in one object.
    Duplicate(String),
    /// Deeper than [`MAX_DEPTH`].
    TooDeep,
}

impl JsonError {
    /// A description for [`TokenError::MalformedClaims`](crate::TokenError::MalformedClaims).
    pub(crate) fn describe(&self) -> String {
        match self {
            JsonError::Syntax(msg, pos) => format!("{msg} at byte {pos}"),
            JsonError::Type => "unexpected JSON type".to_owned(),
            JsonError::Duplicate(name) => format!("duplicate member {name:?}"),
            JsonError::TooDeep => format!("nested deeper than {MAX_DEPTH} levels"),
        }
    }
}

pub(crate) type Result<T> = std::result::Result<T, JsonError>;

/// Bytes that end the plain run of a string: `"`, `\\` and the control characters.
static SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = true;
        i += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// Skips whole 8-byte words without `"`, `\\` or control characters. Returns the index of the
/// first such byte and `true` if a word has one, or the index of the last, incomplete word and
/// `false`. SWAR: a byte is flagged when `x - 0x01` borrows into a cleared high bit; only bytes
/// after a flagged one can be flagged wrongly, so the lowest flag is exact.
#[inline(always)]
fn scan_words(bytes: &[u8], mut pos: usize) -> (usize, bool) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = bytes.get(pos..pos + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let v = u64::from_le_bytes(word);
        let zero_in = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
        let flagged = zero_in(v ^ (ONES * u64::from(b'"')))
            | zero_in(v ^ (ONES * u64::from(b'\\')))
            | (v.wrapping_sub(ONES * 0x20) & !v & HIGH);
        if flagged != 0 {
            // At most 7 (a byte index within the word).
            return (pos + (flagged.trailing_zeros() / 8) as usize, true);
        }
        pos += 8;
    }
    (pos, false)
}

/// Where [`scan_words`] stops: at the first special byte, or before the last incomplete word.
#[cfg(test)]
fn plain_run(bytes: &[u8], pos: usize) -> usize {
    scan_words(bytes, pos).0
}

/// The index of the first `"`, `\\` or control character at or after `pos` (or the length).
#[inline(always)]
pub(crate) fn find_special(bytes: &[u8], pos: usize) -> usize {
    let (mut pos, found) = scan_words(bytes, pos);
    if !found {
        while bytes.get(pos).is_some_and(|&b| !SPECIAL[usize::from(b)]) {
            pos += 1;
        }
    }
    pos
}

/// Whether a container being skipped is an object or an array.
#[derive(Clone, Copy)]
enum Frame {
    Object { keys_from: usize },
    Array,
}

/// A cursor over one JSON text.
pub(crate) struct Reader<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
    /// Member names of the objects being skipped, innermost last (for duplicate checks).
    keys: Vec<Cow<'a, str>>,
    /// Containers being skipped, innermost last.
    frames: Vec<Frame>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(text: &'a str) -> Reader<'a> {
        Reader {
            text,
            pos: 0,
            depth: 0,
            keys: Vec::new(),
            frames: Vec::new(),
        }
    }

    /// A reader at byte `pos` of `text`, inside `depth` open arrays and objects: the fast
    /// path of claims decoding hands a value over to the strict reader this way, and takes
    /// the [`position`](Self::position) after it back.
    pub(crate) fn at(text: &'a str, pos: usize, depth: usize) -> Reader<'a> {
        Reader {
            pos,
            depth,
            ..Reader::new(text)
        }
    }

    /// The byte offset of the reader in the text.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn syntax<T>(&self, msg: &'static str) -> Result<T> {
        Err(JsonError::Syntax(msg, self.pos))
    }

    /// Skips JSON whitespace and returns the next byte without consuming it.
    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.bytes();
        while let Some(&b) = bytes.get(self.pos) {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                return Some(b);
            }
        }
        None
    }

    #[inline]
    fn expect(&mut self, byte: u8, msg: &'static str) -> Result<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            self.syntax(msg)
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            Err(JsonError::TooDeep)
        } else {
            Ok(())
        }
    }

    /// Ensures nothing but whitespace follows.
    pub(crate) fn finish(&mut self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => self.syntax("trailing characters after the JSON value"),
        }
    }

    /// Consumes `null` if it comes next.
    pub(crate) fn null(&mut self) -> Result<bool> {
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    #[inline]
    fn literal(&mut self, word: &'static [u8]) -> Result<()> {
        if self.bytes()[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            self.syntax("invalid literal")
        }
    }

    /// Whether the next value is of a type whose first byte is `first`; `Err(Type)` for
    /// another valid start of a value, a syntax error otherwise.
    fn check_start(&mut self, first: &[u8]) -> Result<()> {
        match self.peek() {
            Some(b) if first.contains(&b) => Ok(()),
            Some(b'{' | b'[' | b'"' | b't' | b'f' | b'n' | b'-' | b'0'..=b'9') => {
                Err(JsonError::Type)
            }
            _ => self.syntax("expected a value"),
        }
    }

    /// Opens an object: consumes `{`.
    pub(crate) fn begin_object(&mut self) -> Result<()> {
        self.check_start(b"{")?;
        self.pos += 1;
        self.enter()
    }

    /// The next member name of the object being read, or `None` (consuming `}`) at its end.
    /// `first` must be `true` for the first call on an object.
    #[inline(always)]
    pub(crate) fn next_key(&mut self, first: &mut bool) -> Result<Option<Cow<'a, str>>> {
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                self.depth -= 1;
                return Ok(None);
            }
            Some(b',') if !*first => self.pos += 1,
            Some(b'"') if *first => {}
            _ => return self.syntax("expected a member name or '}'"),
        }
        *first = false;
        let key = self.key()?;
        Ok(Some(key))
    }

    /// A member name and the `:` after it.
    #[inline(always)]
    fn key(&mut self) -> Result<Cow<'a, str>> {
        if self.peek() != Some(b'"') {
            return self.syntax("expected a member name");
        }
        let key = self.string_body()?;
        self.expect(b':', "expected ':'")?;
        Ok(key)
    }

    /// Opens an array: consumes `[`.
    pub(crate) fn begin_array(&mut self) -> Result<()> {
        self.check_start(b"[")?;
        self.pos += 1;
        self.enter()
    }

    /// Whether another element follows in the array being read (consuming `]` at its end).
    pub(crate) fn next_element(&mut self, first: &mut bool) -> Result<bool> {
        match self.peek() {
            Some(b']') => {
                self.pos += 1;
                self.depth -= 1;
                Ok(false)
            }
            Some(b',') if !*first => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) if *first => {
                *first = false;
                Ok(true)
            }
            _ => self.syntax("expected ',' or ']'"),
        }
    }

    /// `Err(Type)` if a value of another type starts here, a syntax error otherwise.
    #[cold]
    fn wrong_start<T>(&self) -> Result<T> {
        match self.bytes().get(self.pos) {
            Some(b'{' | b'[' | b'"' | b't' | b'f' | b'n' | b'-' | b'0'..=b'9') => {
                Err(JsonError::Type)
            }
            _ => self.syntax("expected a value"),
        }
    }

    /// A string, or `None` for `null` (one look at the next byte instead of [`null`] and
    /// [`string`]).
    ///
    /// [`null`]: Self::null
    /// [`string`]: Self::string
    #[inline(always)]
    pub(crate) fn opt_string(&mut self) -> Result<Option<Cow<'a, str>>> {
        match self.peek() {
            Some(b'"') => self.string_body().map(Some),
            Some(b'n') => self.literal(b"null").map(|()| None),
            _ => self.wrong_start(),
        }
    }

    /// A boolean, or `None` for `null`.
    #[inline(always)]
    pub(crate) fn opt_boolean(&mut self) -> Result<Option<bool>> {
        match self.peek() {
            Some(b't') => self.literal(b"true").map(|()| Some(true)),
            Some(b'f') => self.literal(b"false").map(|()| Some(false)),
            Some(b'n') => self.literal(b"null").map(|()| None),
            _ => self.wrong_start(),
        }
    }

    /// A number, or `None` for `null`.
    #[inline(always)]
    pub(crate) fn opt_number(&mut self) -> Result<Option<NumericDate>> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => self.number().map(Some),
            Some(b'n') => self.literal(b"null").map(|()| None),
            _ => self.wrong_start(),
        }
    }

    /// A string, borrowed from the input when it has no escapes.
    pub(crate) fn string(&mut self) -> Result<Cow<'a, str>> {
        self.check_start(b"\"")?;
        self.string_body()
    }

    /// Reads a string starting at the opening quote.
    #[inline(always)]
    fn string_body(&mut self) -> Result<Cow<'a, str>> {
        let start = self.pos + 1;
        // Fast path: plain bytes up to the closing quote (no escapes).
        let end = find_special(self.bytes(), start);
        if self.bytes().get(end) == Some(&b'"') {
            // `start` and `end` follow and precede ASCII quotes: both are char boundaries.
            if let Some(s) = self.text.get(start..end) {
                self.pos = end + 1;
                return Ok(Cow::Borrowed(s));
            }
        }
        self.pos = end;
        self.string_escaped(start)
    }

    /// The rest of a string whose plain run from `start` ended at `self.pos` on something other
    /// than its closing quote: an escape, a control character, or the end of the text.
    #[cold]
    #[inline(never)]
    fn string_escaped(&mut self, start: usize) -> Result<Cow<'a, str>> {
        let bytes = self.bytes();
        match bytes.get(self.pos) {
            Some(b'\\') => {}
            Some(_) => return self.syntax("control character in string"),
            None => return self.syntax("unterminated string"),
        }
        // Escapes only shorten the text, so the string up to its closing quote (found by
        // skipping the escaped bytes) bounds the decoded length: one allocation.
        let mut end = self.pos;
        while bytes.get(end) == Some(&b'\\') {
            end = find_special(bytes, end + 2);
        }
        let mut out = String::with_capacity(end.min(bytes.len()) - start);
        out.push_str(&self.text[start..self.pos]);
        let mut run = self.pos;
        loop {
            match bytes.get(self.pos) {
                Some(b'"') => {
                    out.push_str(&self.text[run..self.pos]);
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    out.push_str(&self.text[run..self.pos]);
                    self.pos += 1;
                    self.escape(&mut out)?;
                    run = self.pos;
                }
                Some(&b) if b < 0x20 => return self.syntax("control character in string"),
                Some(_) => self.pos = find_special(bytes, self.pos + 1),
                None => return self.syntax("unterminated string"),
            }
        }
    }

    /// Decodes the escape after a backslash.
    #[inline]
    fn escape(&mut self, out: &mut String) -> Result<()> {
        let Some(&b) = self.bytes().get(self.pos) else {
            return self.syntax("unterminated string");
        };
        self.pos += 1;
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        if !self.bytes()[self.pos..].starts_with(b"\\u") {
                            return self.syntax("lone surrogate escape in string");
                        }
                        self.pos += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return self.syntax("lone surrogate escape in string");
                        }
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return self.syntax("lone surrogate escape in string"),
                    _ => u32::from(unit),
                };
                match char::from_u32(code) {
                    Some(c) => c,
                    None => return self.syntax("invalid escape in string"),
                }
            }
            _ => return self.syntax("invalid escape in string"),
        };
        out.push(c);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u16> {
        let Some(digits) = self.bytes().get(self.pos..self.pos + 4) else {
            return self.syntax("invalid \\u escape");
        };
        let mut value = 0u16;
        for &d in digits {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return self.syntax("invalid \\u escape"),
            };
            value = (value << 4) | u16::from(v);
        }
        self.pos += 4;
        Ok(value)
    }

    /// A number, as a NumericDate.
    pub(crate) fn number(&mut self) -> Result<NumericDate> {
        self.check_start(b"-0123456789")?;
        let bytes = self.bytes();
        // Fast path: a non-negative integer of at most 19 digits (no overflow possible).
        let mut pos = self.pos;
        let mut value = 0u64;
        while pos - self.pos < 19 {
            match bytes.get(pos) {
                Some(&d) if d.is_ascii_digit() => {
                    value = value * 10 + u64::from(d - b'0');
                    pos += 1;
                }
                _ => break,
            }
        }
        let digits = pos - self.pos;
        let leading_zero = digits > 1 && bytes[self.pos] == b'0';
        if digits > 0
            && !leading_zero
            && !matches!(bytes.get(pos), Some(b'0'..=b'9' | b'.' | b'e' | b'E'))
        {
            self.pos = pos;
            return Ok(NumericDate::Unsigned(value));
        }
        let start = self.pos;
        let digits = |pos: &mut usize| {
            let from = *pos;
            while bytes.get(*pos).is_some_and(u8::is_ascii_digit) {
                *pos += 1;
            }
            *pos - from
        };
        let mut pos = self.pos;
        let negative = bytes[pos] == b'-';
        if negative {
            pos += 1;
        }
        let int_start = pos;
        let int_len = digits(&mut pos);
        if int_len == 0 || (int_len > 1 && bytes[int_start] == b'0') {
            self.pos = pos;
            return self.syntax("invalid number");
        }
        let mut integer = true;
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            integer = false;
            if digits(&mut pos) == 0 {
                self.pos = pos;
                return self.syntax("invalid number");
            }
        }
        if matches!(bytes.get(pos), Some(b'e' | b'E')) {
            pos += 1;
            integer = false;
            if matches!(bytes.get(pos), Some(b'+' | b'-')) {
                pos += 1;
            }
            if digits(&mut pos) == 0 {
                self.pos = pos;
                return self.syntax("invalid number");
            }
        }
        self.pos = pos;
        let text = &self.text[start..pos];
        if integer {
            let magnitude = text[usize::from(negative)..].parse::<u64>();
            match (negative, magnitude) {
                (false, Ok(v)) => return Ok(NumericDate::Unsigned(v)),
                (true, Ok(0)) => return Ok(NumericDate::Unsigned(0)),
                (true, Ok(v)) => {
                    if let Ok(v) = i64::try_from(-i128::from(v)) {
                        return Ok(NumericDate::Signed(v));
                    }
                }
                (_, Err(_)) => {}
            }
        }
        match text.parse::<f64>() {
            Ok(v) => Ok(NumericDate::Float(v)),
            Err(_) => self.syntax("invalid number"),
        }
    }

    /// Skips one value of any type, checking it as strictly as a value that is read.
    pub(crate) fn skip_value(&mut self) -> Result<()> {
        let base = self.frames.len();
        'value: loop {
            // One value starts here.
            match self.peek() {
                Some(b'{') => {
                    self.pos += 1;
                    self.enter()?;
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        self.depth -= 1;
                    } else {
                        self.frames.push(Frame::Object {
                            keys_from: self.keys.len(),
                        });
                        let key = self.key()?;
                        self.keys.push(key);
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    self.enter()?;
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        self.depth -= 1;
                    } else {
                        self.frames.push(Frame::Array);
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    self.string_body()?;
                }
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                Some(b'-' | b'0'..=b'9') => {
                    self.number()?;
                }
                _ => return self.syntax("expected a value"),
            }
            // A value ended: close the containers it ended.
            while self.frames.len() > base {
                let Some(&frame) = self.frames.last() else {
                    break;
                };
                match (frame, self.peek()) {
                    (Frame::Object { .. }, Some(b',')) => {
                        self.pos += 1;
                        let key = self.key()?;
                        self.keys.push(key);
                        continue 'value;
                    }
                    (Frame::Array, Some(b',')) => {
                        self.pos += 1;
                        continue 'value;
                    }
                    (Frame::Object { keys_from }, Some(b'}')) => {
                        self.pos += 1;
                        self.depth -= 1;
                        self.frames.pop();
                        check_unique(&mut self.keys[keys_from..])?;
                        self.keys.truncate(keys_from);
                    }
                    (Frame::Array, Some(b']')) => {
                        self.pos += 1;
                        self.depth -= 1;
                        self.frames.pop();
                    }
                    _ => return self.syntax("expected ',' or a closing bracket"),
                }
            }
            return Ok(());
        }
    }

    /// Skips one value and returns its text.
    #[cfg_attr(not(feature = "room-config"), allow(dead_code))]
    pub(crate) fn raw_value(&mut self) -> Result<&'a str> {
        self.peek();
        let start = self.pos;
        self.skip_value()?;
        Ok(&self.text[start..self.pos])
    }
}

/// Fails with the first name that occurs twice.
pub(crate) fn check_unique(keys: &mut [Cow<'_, str>]) -> Result<()> {
    if keys.len() < 2 {
        return Ok(());
    }
    keys.sort_unstable();
    match keys.windows(2).find(|pair| pair[0] == pair[1]) {
        Some(pair) => Err(JsonError::Duplicate(pair[0].clone().into_owned())),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(text: &str) -> Result<()> {
        let mut r = Reader::new(text);
        r.skip_value()?;
        r.finish()
    }

    #[test]
    fn skips_valid_json() {
        for ok in [
            "null",
            "true",
            "false",
            "0",
            "-0",
            "1.5e-3",
            "-12E+4",
            r#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#,
            "[]",
            "{}",
            r#"{"a":[1,{"b":{}},[]],"c":{"a":1}}"#,
            " \t\n\r[ 1 , 2 ] ",
        ] {
            assert_eq!(skip(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_invalid_json() {
        for bad in [
            "",
            "nul",
            "01",
            "1.",
            "1e",
            "-",
            "+1",
            ".5",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a:1}",
            "[1 2]",
            "\"\u{1}\"",
            r#""\x""#,
            r#""\u12""#,
            r#""\ud800""#,
            r#""\ud800\u0041""#,
            r#""\udc00""#,
            "\"abc",
            "\u{feff}{}",
            "{} x",
            "NaN",
            "[1]]",
        ] {
            assert!(skip(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn duplicates_found_at_any_depth() {
        assert_eq!(
            skip(r#"{"a":1,"a":2}"#),
            Err(JsonError::Duplicate("a".into()))
        );
        assert_eq!(
            skip(r#"[{"x":{"b":1,"c":2,"b":3}}]"#),
            Err(JsonError::Duplicate("b".into()))
        );
        assert_eq!(
            skip(r#"{"\u0061":1,"a":2}"#),
            Err(JsonError::Duplicate("a".into()))
        );
        assert_eq!(skip(r#"{"a":{"a":1},"b":{"a":1}}"#), Ok(()));
    }

    #[test]
    fn depth_is_limited_without_recursion() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(skip(&deep), Ok(()));
        let deeper = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(skip(&deeper), Err(JsonError::TooDeep));
        let huge = "[".repeat(1_000_000);
        assert_eq!(skip(&huge), Err(JsonError::TooDeep));
        let objects = "{\"a\":".repeat(100_000);
        assert_eq!(skip(&objects), Err(JsonError::TooDeep));
    }

    #[test]
    fn numbers() {
        let n = |t: &str| Reader::new(t).number();
        assert_eq!(n("1700000000"), Ok(NumericDate::Unsigned(1_700_000_000)));
        assert_eq!(n("-1"), Ok(NumericDate::Signed(-1)));
        assert_eq!(n("-0"), Ok(NumericDate::Unsigned(0)));
        assert_eq!(
            n("18446744073709551616"),
            Ok(NumericDate::Float(18_446_744_073_709_551_616.0))
        );
        assert_eq!(n("-9223372036854775808"), Ok(NumericDate::Signed(i64::MIN)));
        assert_eq!(n("1.5"), Ok(NumericDate::Float(1.5)));
        assert_eq!(n("1e400"), Ok(NumericDate::Float(f64::INFINITY)));
        assert_eq!(n("\"1\""), Err(JsonError::Type));
        assert_eq!(n("true"), Err(JsonError::Type));
    }

    #[test]
    fn plain_run_stops_before_special_bytes() {
        for special in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
            for at in 0..20 {
                let mut text = vec![b'a'; 24];
                text[at] = special;
                let stop = plain_run(&text, 0);
                assert!(stop <= at && at - stop < 8, "{special} at {at}: {stop}");
            }
        }
        let high = "ééééé\u{7f}\u{80}😀😀".as_bytes();
        assert_eq!(plain_run(high, 0), high.len() / 8 * 8);
        assert_eq!(plain_run(b"short", 0), 0);
    }

    #[test]
    fn find_special_is_exact() {
        for special in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
            for len in 1..26 {
                for at in 0..len {
                    let mut text = vec![b'a'; len];
                    text[at] = special;
                    assert_eq!(find_special(&text, 0), at, "{special} at {at} of {len}");
                    if at > 0 {
                        assert_eq!(find_special(&text, 1), at);
                    }
                    assert_eq!(find_special(&text, at + 1), len);
                }
            }
        }
        let high = "ééééé\u{7f}\u{80}😀😀 ~".as_bytes();
        for start in 0..high.len() {
            assert_eq!(find_special(high, start), high.len());
        }
        assert_eq!(find_special(b"", 0), 0);
    }

    #[test]
    fn optional_values() {
        fn string(t: &str) -> Result<Option<Cow<'_, str>>> {
            Reader::new(t).opt_string()
        }
        assert_eq!(string(" null"), Ok(None));
        assert_eq!(string("\t\"a\""), Ok(Some(Cow::Borrowed("a"))));
        assert_eq!(string(r#""\u00e9""#), Ok(Some(Cow::Owned("é".into()))));
        for other in ["1", "true", "[]", "{}", "-1"] {
            assert_eq!(string(other), Err(JsonError::Type), "{other}");
        }
        assert_eq!(string("nul"), Err(JsonError::Syntax("invalid literal", 0)));
        assert_eq!(string("}"), Err(JsonError::Syntax("expected a value", 0)));
        assert_eq!(string(""), Err(JsonError::Syntax("expected a value", 0)));
        let boolean = |t: &str| Reader::new(t).opt_boolean();
        assert_eq!(boolean("true"), Ok(Some(true)));
        assert_eq!(boolean(" false"), Ok(Some(false)));
        assert_eq!(boolean("null"), Ok(None));
        assert_eq!(boolean("\"true\""), Err(JsonError::Type));
        assert_eq!(boolean("0"), Err(JsonError::Type));
        assert_eq!(boolean("tru"), Err(JsonError::Syntax("invalid literal", 0)));
        assert_eq!(
            boolean("True"),
            Err(JsonError::Syntax("expected a value", 0))
        );
        let number = |t: &str| Reader::new(t).opt_number();
        assert_eq!(number("12"), Ok(Some(NumericDate::Unsigned(12))));
        assert_eq!(number("null"), Ok(None));
        assert_eq!(number("\"1\""), Err(JsonError::Type));
        assert_eq!(number("-"), Err(JsonError::Syntax("invalid number", 1)));
        let mut r = Reader::new("null,");
        assert_eq!(r.opt_number(), Ok(None));
        assert_eq!(r.pos, 4);
    }

    #[test]
    fn escapes_between_long_plain_runs() {
        let text = r#""aaaaaaaaaaaaaaaa\nbbbbbbbbbbbbbbbbbbbb\u00e9ccccccccccc😀dddddddddd\"""#;
        assert_eq!(
            Reader::new(text).string().unwrap(),
            "aaaaaaaaaaaaaaaa\nbbbbbbbbbbbbbbbbbbbbéccccccccccc😀dddddddddd\""
        );
        for bad in [
            "\"aaaaaaaaaaaa\\nbbbbbbbbbbbbbbbb\u{1}cccc\"",
            "\"aaaaaaaaaaaa\\nbbbbbbbbbbbbbbbbbbbbb",
            "\"aaaaaaaaaaaaaaaaa\\",
            "\"aaaaaaaaaaaaaaaaa\\ud83d\\u0041bbbbbbbbb\"",
        ] {
            assert!(Reader::new(bad).string().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn strings_borrow_when_unescaped() {
        let mut r = Reader::new(r#""plain" "esc\naped""#);
        assert!(matches!(r.string(), Ok(Cow::Borrowed("plain"))));
        assert_eq!(r.string().unwrap(), "esc\naped");
        assert_eq!(Reader::new("1").string(), Err(JsonError::Type));
    }

    #[test]
    fn raw_value_spans() {
        let mut r = Reader::new(r#"  {"a": [1, 2]} "#);
        assert_eq!(r.raw_value().unwrap(), r#"{"a": [1, 2]}"#);
    }
}
