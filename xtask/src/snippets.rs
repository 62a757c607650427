//! `cargo xtask snippets`: type-checks the ```rust blocks of README.md and docs/**/*.md.
//!
//! The guides show fragments, fenced ```rust,ignore: no `fn main`, no imports shown on the
//! page already, variables from earlier blocks of the same page (`rooms`, made in the first
//! block of `docs/services/room.md`, is used by all the others). Nothing else compiles them, so
//! this command does, and fails on any block that no longer matches the API:
//!
//! - Each markdown file with ```rust blocks becomes one module of a generated crate,
//!   `target/doc-snippets/` (in `CARGO_TARGET_DIR` when that is set), with one `async fn` whose
//!   body is the file's blocks in order. Each block opens a scope `{ … }` that closes only at
//!   the end of the file, so a block sees the variables and items of the blocks above it, as
//!   a reader does, and may repeat a `use` of an earlier block.
//! - Every line of a block has the same line number and column in the generated module as in
//!   the markdown (the scaffolding goes on the fence lines, on line 1 and after the last
//!   block), so the compiler's messages are printed with the markdown file's name and are
//!   exact positions in it, margins included.
//! - What a file's fragments take for granted (the reader's own values, such as a
//!   `track_sid`, and stand-ins for the reader's own types and functions) is that file's
//!   [`Prelude`] in [`PRELUDES`].
//! - The crate depends by path on the workspace's crates, and on the external crates the
//!   fragments use (axum, hyper, tower, …) at the versions of the workspace's `Cargo.lock`:
//!   the lock is copied in, the workspace's locked packages are fetched
//!   (`cargo fetch --locked`, nothing new), the crate is checked `--offline`, and its lock is
//!   then compared with the workspace's: a package the workspace does not lock fails the
//!   command (add it to the workspace first, for a reason of its own).
//! - Warnings about unused variables, imports and the like are allowed (fragments declare
//!   more than they use); an unused `#[must_use]` value is an error (a future that is never
//!   awaited does nothing: the text would be wrong).
//!
//! A block that is not Rust for this workspace may carry `no-check` in its fence
//! (```rust,ignore,no-check; GitHub still highlights it as Rust) and is then left out. Keep
//! such blocks rare, and list each here with its reason:
//!
//! - `docs/services/webhooks.md`, the actix-web handler: actix-web is not a dependency of
//!   this workspace, and checking the block would bring a second web framework (and its
//!   runtime) into the lock file for one example.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use crate::util;

/// The fence word that leaves a ```rust block out of the check.
const NO_CHECK: &str = "no-check";

/// The generated crate's name, and its folder in the target directory.
const CRATE: &str = "doc-snippets";

/// What the fragments of one markdown file assume without showing it.
///
/// The preludes live here rather than in the markdown (an HTML comment would be hidden on
/// GitHub, but not from anyone reading the file or from other renderers, and would spread the
/// harness over a dozen pages): the guides stay written for their readers, and everything the
/// check adds is in this one table, next to the code that uses it. A file without an entry
/// gets an empty prelude; an entry for a file without ```rust blocks is an error, so the table
/// cannot outlive its pages.
#[derive(Debug)]
struct Prelude {
    /// The markdown file, relative to the workspace root.
    file: &'static str,
    /// The values the fragments use without making them (`name: Type`): the parameters of
    /// the generated function (never called: the crate is only type-checked). Their types are
    /// named at module level, so a type that a fragment defines itself cannot be one: let the
    /// fragment make such a value.
    params: &'static [&'static str],
    /// Items at module level: imports every block needs, and stand-ins for the reader's own
    /// types and functions.
    items: &'static str,
}

/// The prelude of each markdown file whose fragments need one.
const PRELUDES: &[Prelude] = &[
    Prelude {
        file: "README.md",
        params: &[
            "track_sid: &str",
            "body_bytes: Vec<u8>",
            "authorization_header: &str",
        ],
        items: "",
    },
    Prelude {
        file: "docs/services/README.md",
        params: &[
            "url: &str",
            "key: &str",
            "secret: &str",
            "token: String",
            "ca_der: Vec<u8>",
            "egress: EgressClient",
            "sid: String",
            "egress_id: String",
            "request: proto::RoomCompositeEgressRequest",
        ],
        items: "\
use livekit_server_sdk::egress::EgressClient;
use livekit_server_sdk::http::{Client, HyperTransport};
use livekit_server_sdk::proto;
",
    },
    Prelude {
        file: "docs/services/tokens.md",
        params: &[
            "key: &str",
            "secret: &str",
            "old_secret: &str",
            "new_secret: &str",
        ],
        items: "\
use livekit_server_auth::{HmacKey, TokenSigner};

struct AppState {
    signer: TokenSigner,
    livekit_url: String,
}

struct AuthenticatedUser {
    id: String,
    display_name: String,
}

#[derive(Debug)]
struct Forbidden;

impl std::fmt::Display for Forbidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(\"forbidden\")
    }
}

impl std::error::Error for Forbidden {}

fn load_keys() -> Result<std::collections::HashMap<String, HmacKey>, Box<dyn std::error::Error>> {
    unimplemented!()
}
",
    },
    Prelude {
        file: "docs/services/webhooks.md",
        params: &[
            "body_bytes: Vec<u8>",
            "authorization_header_value: &str",
            "old_secret: &str",
            "new_secret: &str",
            "body: Vec<u8>",
            "authorization: &str",
            "jobs: mpsc::Sender<Webhook>",
        ],
        items: "\
use std::time::{Duration, SystemTime};

use livekit_server_webhook::Webhook;
use tokio::sync::mpsc;

fn enqueue(webhook: Webhook) {}
",
    },
    Prelude {
        file: "docs/services/egress.md",
        params: &["request: proto::RoomCompositeEgressRequest"],
        items: "use livekit_server_egress::proto;\n",
    },
    Prelude {
        file: "docs/services/ingress.md",
        params: &["id: String"],
        items: "",
    },
    Prelude {
        file: "docs/services/connector.md",
        params: &[
            "inbound_call_id: String",
            "offer: proto::SessionDescription",
        ],
        items: "use livekit_server_connector::proto;\n",
    },
    Prelude {
        file: "docs/services/cloud-agent.md",
        params: &[],
        items: "use livekit_server_sdk::LiveKitApi;\n",
    },
];

/// The generated crate's dependencies; `{root}` is the workspace root. External crates take
/// the major version the workspace locks (the lock copied in decides the exact one).
const DEPENDENCIES: &str = r#"
livekit-server-sdk = { path = "{root}/crates/livekit-server-sdk", features = ["blocking", "axum", "room-config", "test-util"] }
livekit-server-proto = { path = "{root}/crates/livekit-server-proto", features = ["serde"] }
livekit-server-auth = { path = "{root}/crates/livekit-server-auth", features = ["room-config"] }
livekit-server-http = { path = "{root}/crates/livekit-server-http" }
livekit-server-webhook = { path = "{root}/crates/livekit-server-webhook", features = ["axum"] }
livekit-server-room = { path = "{root}/crates/livekit-server-room" }
livekit-server-egress = { path = "{root}/crates/livekit-server-egress" }
livekit-server-ingress = { path = "{root}/crates/livekit-server-ingress" }
livekit-server-sip = { path = "{root}/crates/livekit-server-sip" }
livekit-server-agent-dispatch = { path = "{root}/crates/livekit-server-agent-dispatch" }
livekit-server-connector = { path = "{root}/crates/livekit-server-connector" }
livekit-server-phone-number = { path = "{root}/crates/livekit-server-phone-number" }
livekit-server-cloud-agent = { path = "{root}/crates/livekit-server-cloud-agent" }
livekit-server-agent-simulation = { path = "{root}/crates/livekit-server-agent-simulation" }
livekit-server-replay = { path = "{root}/crates/livekit-server-replay" }
livekit-server-test-util = { path = "{root}/crates/livekit-server-test-util" }
livekit-server-testcontainers = { path = "{root}/crates/livekit-server-testcontainers", features = ["sdk"] }
axum = { version = "0.8", default-features = false, features = ["tokio", "http1", "json", "macros"] }
bytes = "1"
futures-util = "0.3"
http = "1"
http-body-util = "0.1"
hyper = { version = "1", features = ["http1", "server"] }
serde_json = "1"
tokio = { version = "1", features = ["sync"] }
tower = { version = "0.5", default-features = false, features = ["util"] }
tracing = "0.1"
"#;

/// The lints of the generated crate (its first lines).
const LIB_HEADER: &str = "\
//! Generated by `cargo xtask snippets` (xtask/src/snippets.rs) from the ```rust blocks of the
//! markdown files: type-checked, never run. Do not edit.

// Fragments declare more than they use.
#![allow(
    unused_variables,
    unused_imports,
    unused_mut,
    unused_assignments,
    unused_braces,
    dead_code,
    unreachable_code,
    redundant_semicolons
)]
// A future that is never awaited (or a result dropped) is a mistake in the text.
#![deny(unused_must_use)]
";

/// A fenced code block of a markdown file.
#[derive(Debug)]
struct Block {
    /// The words of the info string (`rust`, `ignore`, …).
    info: Vec<String>,
    /// The 1-based line of the opening fence.
    open: usize,
    /// The 1-based line of the closing fence.
    close: usize,
}

impl Block {
    /// Whether the fence says Rust (```rust, ```rust,ignore, …).
    fn is_rust(&self) -> bool {
        self.info.first().is_some_and(|word| word == "rust")
    }

    /// Whether the block is checked: Rust, without the [`NO_CHECK`] marker.
    fn checked(&self) -> bool {
        self.is_rust() && !self.info.iter().any(|word| word == NO_CHECK)
    }
}

/// The fenced code blocks of a markdown text, in order (CommonMark's reading, by
/// `pulldown-cmark`).
fn blocks(text: &str) -> Result<Vec<Block>, String> {
    use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag};
    // The offset where each line starts; a line's number is found by a binary search.
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(at, _)| at + 1))
        .collect();
    let line_of = |offset: usize| starts.partition_point(|&start| start <= offset);
    let mut found = Vec::new();
    for (event, range) in Parser::new(text).into_offset_iter() {
        let Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) = event else {
            continue;
        };
        let open = line_of(range.start);
        // The range ends with the closing fence's line, or with the text when none closes it.
        let close = line_of(range.end.saturating_sub(1));
        let last = text[starts[close - 1]..].trim_start();
        if close == open || !(last.starts_with("```") || last.starts_with("~~~")) {
            return Err(format!(
                "the code block opened at line {open} is never closed"
            ));
        }
        let info = info
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|word| !word.is_empty())
            .map(str::to_owned)
            .collect();
        found.push(Block { info, open, close });
    }
    Ok(found)
}

/// The module name of a markdown file (`docs/services/room.md` → `docs_services_room`).
fn module_name(file: &str) -> String {
    file.trim_end_matches(".md")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The generated module of one markdown file: its checked blocks at their own line numbers,
/// nested, in one `async fn` taking the prelude's parameters, then the prelude's items.
///
/// Returns the module's text and the last line that belongs to a block (the lines after it,
/// and line 1, are scaffolding and prelude).
fn module(file: &str, text: &str, blocks: &[&Block], prelude: Option<&Prelude>) -> (String, usize) {
    let source: Vec<&str> = text.lines().collect();
    let last = blocks.last().map_or(1, |block| block.close);
    let mut lines = vec![String::new(); last];
    let params = prelude.map_or(String::new(), |p| p.params.join(", "));
    lines[0] = format!(
        "pub(crate) async fn snippets({params}) -> Result<(), Box<dyn std::error::Error>> {{"
    );
    for block in blocks {
        lines[block.open - 1].push_str(" {");
        for number in block.open + 1..block.close {
            lines[number - 1] = source[number - 1].to_owned();
        }
        lines[block.close - 1].push(';');
    }
    lines[last - 1].push_str(&" }".repeat(blocks.len()));
    let mut module = lines.join("\n");
    module.push_str("\n    Ok(())\n}\n\n");
    module.push_str(&format!(
        "// Generated by `cargo xtask snippets` from {file}; what follows is its prelude\n\
         // (PRELUDES in xtask/src/snippets.rs).\n"
    ));
    if let Some(prelude) = prelude {
        module.push_str(prelude.items);
    }
    (module, last)
}

/// A generated module: where it comes from, and which of its lines are the markdown's.
#[derive(Debug)]
struct Module {
    /// The markdown file, relative to the workspace root.
    file: String,
    /// The module's file name in the generated crate (`src/<name>.rs`).
    name: String,
    /// The last line that belongs to a block.
    last: usize,
}

/// Runs `cargo xtask snippets`.
pub(crate) fn run(root: &Path) -> Result<(), String> {
    let started = Instant::now();
    let target = target_dir(root)?;
    let dir = target.join(CRATE);

    let mut modules = Vec::new();
    let mut sources = BTreeMap::new();
    let (mut checked, mut skipped) = (0, 0);
    for path in markdown_files(root)? {
        let file = relative(root, &path);
        let text = util::read(&path)?;
        let all = blocks(&text).map_err(|error| format!("{file}: {error}"))?;
        let to_check: Vec<&Block> = all.iter().filter(|b| b.checked()).collect();
        skipped += all.iter().filter(|b| b.is_rust()).count() - to_check.len();
        let prelude = PRELUDES.iter().find(|p| p.file == file);
        if to_check.is_empty() {
            if prelude.is_some() {
                return Err(format!(
                    "PRELUDES in xtask/src/snippets.rs has an entry for {file}, which has no checked ```rust block: remove it"
                ));
            }
            continue;
        }
        checked += to_check.len();
        let name = module_name(&file);
        let (source, last) = module(&file, &text, &to_check, prelude);
        sources.insert(format!("src/{name}.rs"), source);
        modules.push(Module { file, name, last });
    }
    for prelude in PRELUDES {
        if !modules.iter().any(|m| m.file == prelude.file) {
            return Err(format!(
                "PRELUDES in xtask/src/snippets.rs has an entry for {}, which does not exist: remove it",
                prelude.file
            ));
        }
    }

    write_crate(root, &dir, &modules, &sources)?;
    // The packages the workspace locks (for this host) are on disk, so that the check needs
    // no network and cannot pick anything else.
    util::run(util::cargo().current_dir(root).args([
        "fetch",
        "--locked",
        "--quiet",
        "--target",
        &host_triple()?,
    ]))?;
    let errors = check(&dir, &target, &modules)?;
    let newcomers = newcomers(root, &dir)?;
    if !newcomers.is_empty() {
        return Err(format!(
            "the doc snippets need packages that the workspace's Cargo.lock does not have: {}; \
             change the snippets or DEPENDENCIES in xtask/src/snippets.rs",
            newcomers.join(", ")
        ));
    }
    if !errors.is_empty() {
        return Err(format!(
            "{} error(s) in the ```rust blocks of the docs (fix the markdown; what a file's \
             blocks assume is its prelude in xtask/src/snippets.rs):\n{}",
            errors.len(),
            errors.join("\n")
        ));
    }
    util::note(&format!(
        "doc snippets: {checked} ```rust blocks of {} files type-check ({skipped} marked {NO_CHECK}) in {:.1?}",
        modules.len(),
        started.elapsed()
    ));
    Ok(())
}

/// The cargo target directory: `CARGO_TARGET_DIR`, or `target/` of the workspace.
fn target_dir(root: &Path) -> Result<PathBuf, String> {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => std::path::absolute(PathBuf::from(dir))
            .map_err(|error| format!("CARGO_TARGET_DIR: {error}")),
        _ => Ok(root.join("target")),
    }
}

/// The host's target triple, as rustc names it.
fn host_triple() -> Result<String, String> {
    let version = util::output(std::process::Command::new("rustc").arg("-vV"))?;
    version
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| "`rustc -vV` names no host".to_owned())
}

/// README.md and every `.md` file under docs/, sorted.
fn markdown_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = vec![root.join("README.md")];
    let mut folders = vec![root.join("docs")];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder)
            .map_err(|error| format!("cannot list {}: {error}", folder.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|error| format!("cannot list {}: {error}", folder.display()))?
                .path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// A path relative to the workspace root, with `/` separators.
fn relative(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Writes the generated crate (files whose content did not change are left alone, so that a
/// second run rebuilds nothing), with a fresh copy of the workspace's lock file.
fn write_crate(
    root: &Path,
    dir: &Path,
    modules: &[Module],
    sources: &BTreeMap<String, String>,
) -> Result<(), String> {
    let manifest = util::read(&root.join("Cargo.toml"))?;
    let edition = util::toml_string(&manifest, "edition").unwrap_or_else(|| "2024".into());
    let root_text = root.to_string_lossy().replace('\\', "/");
    let mut cargo_toml = format!(
        "# Generated by `cargo xtask snippets` (xtask/src/snippets.rs). Do not edit.\n\
         [package]\nname = \"{CRATE}\"\nversion = \"0.0.0\"\nedition = \"{edition}\"\npublish = false\n\n\
         # A workspace of its own (it lives under the main workspace's target directory).\n\
         [workspace]\n\n[dependencies]"
    );
    cargo_toml.push_str(&DEPENDENCIES.replace("{root}", &root_text));

    let mut lib = LIB_HEADER.to_owned();
    lib.push('\n');
    for module in modules {
        lib.push_str(&format!("mod {}; // {}\n", module.name, module.file));
    }

    let mut files: Vec<(String, &str)> = vec![
        ("Cargo.toml".into(), &cargo_toml),
        ("src/lib.rs".into(), &lib),
    ];
    files.extend(
        sources
            .iter()
            .map(|(path, text)| (path.clone(), text.as_str())),
    );
    for (path, text) in &files {
        let path = dir.join(path);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            util::write(&path, text)?;
        }
    }
    // Modules of markdown files that no longer have blocks.
    if let Ok(entries) = std::fs::read_dir(dir.join("src")) {
        for entry in entries.flatten() {
            let name = format!("src/{}", entry.file_name().to_string_lossy());
            if name != "src/lib.rs" && !sources.contains_key(&name) {
                std::fs::remove_file(entry.path()).map_err(|error| {
                    format!("cannot remove {}: {error}", entry.path().display())
                })?;
            }
        }
    }
    util::write(
        &dir.join("Cargo.lock"),
        &util::read(&root.join("Cargo.lock"))?,
    )
}

/// `cargo check` of the generated crate; prints its diagnostics with markdown positions and
/// returns one line per error.
fn check(dir: &Path, target: &Path, modules: &[Module]) -> Result<Vec<String>, String> {
    let mut command = util::cargo();
    command
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .args(["check", "--offline", "--message-format=json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let shown = format!("{command:?}");
    let mut child = command
        .spawn()
        .map_err(|error| format!("could not start {shown}: {error}"))?;
    let stdout = child.stdout.take().ok_or("no standard output from cargo")?;
    let mut errors = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|error| format!("reading the output of {shown}: {error}"))?;
        let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if message["reason"] != "compiler-message" {
            continue;
        }
        let ours = message["target"]["name"] == CRATE.replace('-', "_");
        let diagnostic = &message["message"];
        let level = diagnostic["level"].as_str().unwrap_or_default();
        let text = diagnostic["message"].as_str().unwrap_or_default();
        let rendered = diagnostic["rendered"].as_str().unwrap_or_default();
        let Some(primary) = diagnostic["spans"]
            .as_array()
            .and_then(|spans| spans.iter().find(|span| span["is_primary"] == true))
        else {
            continue; // "aborting due to …" and other summaries
        };
        if !ours {
            // A workspace crate that does not compile: not a snippet's fault, but a failure.
            if level == "error" {
                util::note(rendered);
                errors.push(format!("{}: {text}", message["package_id"]));
            }
            continue;
        }
        util::note(&to_markdown(rendered, dir, modules));
        if level == "error" {
            let file = primary["file_name"].as_str().unwrap_or_default();
            let line = primary["line_start"].as_u64().unwrap_or_default();
            let column = primary["column_start"].as_u64().unwrap_or_default();
            let error = format!(
                "{}: {text}",
                to_markdown(&format!("{file}:{line}:{column}"), dir, modules)
            );
            if !errors.contains(&error) {
                errors.push(error);
            }
        }
    }
    let status = child
        .wait()
        .map_err(|error| format!("waiting for {shown}: {error}"))?;
    if !status.success() && errors.is_empty() {
        return Err(format!("{shown} failed ({status})"));
    }
    Ok(errors)
}

/// Replaces each `src/<module>.rs:<line>` of a compiler message by the markdown file when the
/// line is one of its blocks, and by the generated file's full path otherwise (a prelude).
fn to_markdown(text: &str, dir: &Path, modules: &[Module]) -> String {
    let mut out = text.to_owned();
    for module in modules {
        let generated = format!("src/{}.rs:", module.name);
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(at) = rest.find(&generated) {
            result.push_str(&rest[..at]);
            let after = &rest[at + generated.len()..];
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            let in_block = digits
                .parse::<usize>()
                .is_ok_and(|line| line > 1 && line <= module.last);
            if in_block {
                result.push_str(&module.file);
                result.push(':');
            } else {
                result.push_str(&format!("{}/{generated}", dir.display()));
            }
            rest = after;
        }
        result.push_str(rest);
        out = result;
    }
    out
}

/// The `name version` of each package locked by the generated crate but not by the
/// workspace.
fn newcomers(root: &Path, dir: &Path) -> Result<Vec<String>, String> {
    let workspace = util::read(&root.join("Cargo.lock"))?;
    let generated = util::read(&dir.join("Cargo.lock"))?;
    let (workspace, generated) = (
        util::locked_packages(&workspace),
        util::locked_packages(&generated),
    );
    Ok(generated
        .difference(&workspace)
        .filter(|(name, _)| *name != CRATE)
        .map(|(name, version)| format!("{name} {version}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "\
# Title

```toml
a = 1
```

```rust,ignore
let a = 1;
```

text

```rust,ignore,no-check
not rust at all
```

  ````rust
  let b = a + 1;
  ```
  still inside
  ````
";

    #[test]
    fn finds_the_fences_and_their_words() {
        let found = blocks(PAGE).unwrap();
        let summary: Vec<(String, usize, usize, bool)> = found
            .iter()
            .map(|b| (b.info.join(","), b.open, b.close, b.checked()))
            .collect();
        assert_eq!(
            summary,
            [
                ("toml".into(), 3, 5, false),
                ("rust,ignore".into(), 7, 9, true),
                ("rust,ignore,no-check".into(), 13, 15, false),
                ("rust".into(), 17, 21, true),
            ]
        );
        assert!(blocks("```rust\nlet a = 1;\n").is_err());
    }

    #[test]
    fn keeps_every_line_where_the_markdown_has_it() {
        let found = blocks(PAGE).unwrap();
        let checked: Vec<&Block> = found.iter().filter(|b| b.checked()).collect();
        let prelude = Prelude {
            file: "page.md",
            params: &["x: u8"],
            items: "fn helper() {}\n",
        };
        let (module, last) = module("page.md", PAGE, &checked, Some(&prelude));
        let lines: Vec<&str> = module.lines().collect();
        assert_eq!(last, 21);
        assert!(lines[0].starts_with("pub(crate) async fn snippets(x: u8) -> "));
        assert_eq!(lines[6], " {");
        assert_eq!(lines[7], "let a = 1;");
        assert_eq!(lines[8], ";");
        assert_eq!(lines[13], "", "a no-check block is left out");
        assert_eq!(lines[16], " {");
        assert_eq!(lines[17], "  let b = a + 1;");
        assert_eq!(lines[19], "  still inside");
        assert_eq!(lines[20], "; } }");
        assert!(module.ends_with("fn helper() {}\n"));
    }

    #[test]
    fn names_the_markdown_in_messages() {
        let modules = [Module {
            file: "docs/page.md".into(),
            name: "docs_page".into(),
            last: 20,
        }];
        let dir = Path::new("/t/doc-snippets");
        assert_eq!(
            to_markdown(
                "--> src/docs_page.rs:8:5\n  ::: src/docs_page.rs:25:1",
                dir,
                &modules
            ),
            "--> docs/page.md:8:5\n  ::: /t/doc-snippets/src/docs_page.rs:25:1"
        );
        assert_eq!(
            module_name("docs/services/agent-dispatch.md"),
            "docs_services_agent_dispatch"
        );
    }

    #[test]
    fn every_prelude_names_a_markdown_file() {
        let root = util::workspace_root();
        for prelude in PRELUDES {
            assert!(root.join(prelude.file).is_file(), "{}", prelude.file);
        }
    }
}
