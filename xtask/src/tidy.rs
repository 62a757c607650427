//! `cargo xtask tidy`: repository rules that a compiler cannot see.
//!
//! 1. Layering: each crate's *normal* dependency tree (all features on, so that optional
//!    dependencies count) must not reach what `docs/architecture.md` forbids for its layer
//!    (external crates: anywhere in the tree), and its direct workspace dependencies must be
//!    among those its layer allows.
//!    Test-support crates (`livekit-server-testkit`) are dev-dependencies only: no crate's
//!    normal dependency tree may reach them.
//! 2. One version of each of prost, http, hyper and base64 in `Cargo.lock`.
//!
//! Both checks run as plain `cargo test` too (`tidy_passes_on_this_workspace`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::util;

/// What a crate (or a family of crates, by name prefix) may and may not depend on.
#[derive(Debug)]
struct Rule {
    /// The crate name, or a prefix ending in `*`.
    krate: &'static str,
    /// External crates that must not appear anywhere in its normal dependency tree.
    forbidden: &'static [&'static str],
    /// The workspace crates it may depend on directly (each of those is checked by its own
    /// rule, so what they bring in is theirs to justify).
    workspace: &'static [&'static str],
    /// Direct dependencies that may bring in forbidden crates because they are optional,
    /// behind a feature that integrates with a framework (checked to be optional): a build
    /// without that feature keeps the layer's rule.
    optional: &'static [&'static str],
}

const RUNTIME_AND_HTTP: &[&str] = &[
    "tokio",
    "hyper",
    "hyper-util",
    "http",
    "http-body",
    "reqwest",
    "isahc",
    "async-std",
    "async-trait",
];
const SECOND_HTTP_STACK: &[&str] = &["reqwest", "isahc", "ureq", "surf", "async-std"];

/// The layering table of docs/architecture.md.
const RULES: &[Rule] = &[
    Rule {
        krate: "livekit-server-proto",
        forbidden: RUNTIME_AND_HTTP,
        workspace: &[],
        optional: &[],
    },
    Rule {
        krate: "livekit-server-auth",
        forbidden: RUNTIME_AND_HTTP,
        workspace: &["livekit-server-proto"],
        optional: &[],
    },
    Rule {
        krate: "livekit-server-twirp",
        forbidden: &[
            "tokio",
            "hyper",
            "hyper-util",
            "reqwest",
            "isahc",
            "async-std",
            "async-trait",
        ],
        workspace: &[],
        optional: &[],
    },
    Rule {
        krate: "livekit-server-webhook",
        forbidden: RUNTIME_AND_HTTP,
        workspace: &["livekit-server-auth", "livekit-server-proto"],
        // The `axum` feature: the extractor needs the framework's request and body types.
        optional: &["axum-core", "http", "http-body-util"],
    },
    Rule {
        krate: "livekit-server-http",
        forbidden: SECOND_HTTP_STACK,
        workspace: &["livekit-server-auth", "livekit-server-twirp"],
        optional: &[],
    },
    // Every per-service client crate (room, egress, sip, ...): the facade and the binaries
    // are matched first by their exact names below, so the prefix rule sees only services.
    Rule {
        krate: "livekit-server-sdk",
        forbidden: SECOND_HTTP_STACK,
        workspace: &["*"],
        optional: &[],
    },
    // The testcontainers module: the Docker engine is driven by testcontainers (bollard, over
    // the engine's socket); the SDK only behind `sdk`, for a ready client.
    Rule {
        krate: "livekit-server-testcontainers",
        forbidden: SECOND_HTTP_STACK,
        workspace: &["livekit-server-sdk"],
        optional: &[],
    },
    Rule {
        krate: "livekit-server-tests",
        forbidden: &[],
        workspace: &["*"],
        optional: &[],
    },
    // Test support (the reference-peer runner): no runtime, no HTTP, no workspace crate. That
    // it is only ever a dev-dependency is checked for every crate (`DEV_ONLY`).
    Rule {
        krate: "livekit-server-testkit",
        forbidden: RUNTIME_AND_HTTP,
        workspace: &[],
        optional: &[],
    },
    Rule {
        krate: "livekit-server-*",
        forbidden: SECOND_HTTP_STACK,
        workspace: &[
            "livekit-server-proto",
            "livekit-server-auth",
            "livekit-server-twirp",
            "livekit-server-http",
        ],
        optional: &[],
    },
];

/// Workspace crates that may only be dev-dependencies: test support, never published.
const DEV_ONLY: &[&str] = &["livekit-server-testkit"];

/// Crates of which `Cargo.lock` may hold only one version.
const SINGLE_VERSION: &[&str] = &["prost", "http", "hyper", "base64"];

pub(crate) fn run(root: &Path) -> Result<(), String> {
    let metadata = util::output(
        util::cargo()
            .args([
                "metadata",
                "--format-version",
                "1",
                "--all-features",
                "--manifest-path",
            ])
            .arg(root.join("Cargo.toml")),
    )?;
    let graph = Graph::parse(&metadata)?;
    let mut problems = check_layers(&graph);
    problems.extend(check_lock(&util::read(&root.join("Cargo.lock"))?));
    if problems.is_empty() {
        util::note("tidy: layering and Cargo.lock are clean");
        Ok(())
    } else {
        Err(format!(
            "tidy found {} problem(s):\n  {}",
            problems.len(),
            problems.join("\n  ")
        ))
    }
}

/// The resolved dependency graph: package names, workspace members, normal edges.
#[derive(Debug, Default)]
struct Graph {
    names: BTreeMap<String, String>,
    members: BTreeSet<String>,
    normal_edges: BTreeMap<String, Vec<String>>,
    /// For each package id, the names of its optional normal dependencies.
    optional: BTreeMap<String, BTreeSet<String>>,
}

impl Graph {
    fn parse(metadata: &str) -> Result<Graph, String> {
        let value: serde_json::Value =
            serde_json::from_str(metadata).map_err(|e| format!("cargo metadata: {e}"))?;
        let mut graph = Graph::default();
        for package in value["packages"]
            .as_array()
            .ok_or("cargo metadata: no packages")?
        {
            if let (Some(id), Some(name)) = (package["id"].as_str(), package["name"].as_str()) {
                graph.names.insert(id.to_owned(), name.to_owned());
                let optional = package["dependencies"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|dep| dep["optional"] == true && dep["kind"].is_null())
                    .filter_map(|dep| dep["name"].as_str().map(str::to_owned))
                    .collect();
                graph.optional.insert(id.to_owned(), optional);
            }
        }
        for member in value["workspace_members"]
            .as_array()
            .ok_or("cargo metadata: no members")?
        {
            if let Some(id) = member.as_str() {
                graph.members.insert(id.to_owned());
            }
        }
        let nodes = value["resolve"]["nodes"]
            .as_array()
            .ok_or("cargo metadata: no resolve")?;
        for node in nodes {
            let Some(id) = node["id"].as_str() else {
                continue;
            };
            let mut edges = Vec::new();
            for dep in node["deps"].as_array().into_iter().flatten() {
                let normal = dep["dep_kinds"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|kind| kind["kind"].is_null());
                if let (true, Some(pkg)) = (normal, dep["pkg"].as_str()) {
                    edges.push(pkg.to_owned());
                }
            }
            graph.normal_edges.insert(id.to_owned(), edges);
        }
        Ok(graph)
    }

    fn name<'a>(&'a self, id: &'a str) -> &'a str {
        self.names.get(id).map_or(id, String::as_str)
    }

    /// Every package reachable from `id` through normal edges, with the path that reached it.
    fn reachable(&self, id: &str) -> BTreeMap<String, Vec<String>> {
        self.reachable_skipping(id, &[])
    }

    /// [`reachable`](Self::reachable), not following `id`'s own edges to the crates named in
    /// `skipped`.
    fn reachable_skipping(&self, id: &str, skipped: &[&str]) -> BTreeMap<String, Vec<String>> {
        let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut stack = vec![(id.to_owned(), vec![self.name(id).to_owned()])];
        while let Some((current, path)) = stack.pop() {
            for next in self.normal_edges.get(&current).into_iter().flatten() {
                if seen.contains_key(next) || (current == id && skipped.contains(&self.name(next)))
                {
                    continue;
                }
                let mut next_path = path.clone();
                next_path.push(self.name(next).to_owned());
                seen.insert(next.clone(), next_path.clone());
                stack.push((next.clone(), next_path));
            }
        }
        seen
    }
}

fn rule_for(name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|rule| match rule.krate.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => rule.krate == name,
        })
}

fn check_layers(graph: &Graph) -> Vec<String> {
    let mut problems = Vec::new();
    let member_names: BTreeSet<&str> = graph.members.iter().map(|id| graph.name(id)).collect();
    for member in &graph.members {
        let name = graph.name(member);
        let reachable = graph.reachable(member);
        for (dep, path) in &reachable {
            let dep_name = graph.name(dep);
            if DEV_ONLY.contains(&dep_name) {
                problems.push(format!(
                    "{name} may use {dep_name} only as a dev-dependency (via {})",
                    path.join(" -> ")
                ));
            }
        }
        let Some(rule) = rule_for(name) else { continue };
        let optional = graph.optional.get(member.as_str());
        for gated in rule.optional {
            let direct = graph
                .normal_edges
                .get(member.as_str())
                .into_iter()
                .flatten()
                .any(|dep| graph.name(dep) == *gated);
            if direct && !optional.is_some_and(|optional| optional.contains(*gated)) {
                problems.push(format!(
                    "{name} may reach forbidden crates through {gated} only if it is an \
                     optional dependency (behind a feature)"
                ));
            }
        }
        for (dep, path) in graph.reachable_skipping(member, rule.optional) {
            let dep_name = graph.name(&dep);
            if rule.forbidden.contains(&dep_name) {
                problems.push(format!(
                    "{name} must not depend on {dep_name} (via {})",
                    path.join(" -> ")
                ));
            }
        }
        for (dep, path) in reachable {
            let dep_name = graph.name(&dep);
            let is_workspace = member_names.contains(dep_name) && graph.members.contains(&dep);
            let direct = path.len() == 2;
            if is_workspace
                && direct
                && !rule.workspace.contains(&"*")
                && !rule.workspace.contains(&dep_name)
            {
                problems.push(format!(
                    "{name} must not depend on the workspace crate {dep_name} (via {})",
                    path.join(" -> ")
                ));
            }
        }
    }
    problems
}

fn check_lock(lock: &str) -> Vec<String> {
    let mut versions: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (name, version) in util::locked_packages(lock) {
        versions.entry(name).or_default().insert(version);
    }
    SINGLE_VERSION
        .iter()
        .filter_map(|krate| {
            let found = versions.get(krate)?;
            (found.len() > 1).then(|| {
                format!(
                    "Cargo.lock has {} versions of {krate}: {}",
                    found.len(),
                    found.iter().copied().collect::<Vec<_>>().join(", ")
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny metadata document: `members` are workspace crates, `edges` normal dependencies.
    fn metadata(members: &[&str], externals: &[&str], edges: &[(&str, &str)]) -> String {
        metadata_with_optional(members, externals, edges, &[])
    }

    /// [`metadata`], with the `optional` edges declared optional in their package's manifest.
    fn metadata_with_optional(
        members: &[&str],
        externals: &[&str],
        edges: &[(&str, &str)],
        optional: &[(&str, &str)],
    ) -> String {
        let id = |n: &str| format!("{n} 0.1.0");
        let packages: Vec<String> = members
            .iter()
            .chain(externals)
            .map(|n| {
                let deps: Vec<String> = edges
                    .iter()
                    .filter(|(from, _)| from == n)
                    .map(|edge| {
                        let optional = optional.contains(edge);
                        format!(
                            r#"{{"name":"{}","kind":null,"optional":{optional}}}"#,
                            edge.1
                        )
                    })
                    .collect();
                format!(
                    r#"{{"id":"{}","name":"{n}","dependencies":[{}]}}"#,
                    id(n),
                    deps.join(",")
                )
            })
            .collect();
        let member_ids: Vec<String> = members.iter().map(|n| format!("\"{}\"", id(n))).collect();
        let nodes: Vec<String> = members
            .iter()
            .chain(externals)
            .map(|n| {
                let deps: Vec<String> = edges
                    .iter()
                    .filter(|(from, _)| from == n)
                    .map(|(_, to)| {
                        format!(
                            r#"{{"name":"{to}","pkg":"{}","dep_kinds":[{{"kind":null}}]}}"#,
                            id(to)
                        )
                    })
                    .collect();
                format!(r#"{{"id":"{}","deps":[{}]}}"#, id(n), deps.join(","))
            })
            .collect();
        format!(
            r#"{{"packages":[{}],"workspace_members":[{}],"resolve":{{"nodes":[{}]}}}}"#,
            packages.join(","),
            member_ids.join(","),
            nodes.join(",")
        )
    }

    fn problems(members: &[&str], externals: &[&str], edges: &[(&str, &str)]) -> Vec<String> {
        check_layers(&Graph::parse(&metadata(members, externals, edges)).unwrap())
    }

    #[test]
    fn a_transitive_runtime_under_auth_is_reported() {
        let found = problems(
            &["livekit-server-auth"],
            &["some-helper", "tokio"],
            &[
                ("livekit-server-auth", "some-helper"),
                ("some-helper", "tokio"),
            ],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("livekit-server-auth must not depend on tokio"));
        assert!(
            found[0].contains("some-helper"),
            "the path is shown: {found:?}"
        );
    }

    #[test]
    fn an_http_type_reaches_the_webhook_crate_only_through_its_optional_framework_feature() {
        let members = ["livekit-server-webhook"];
        let externals = ["axum-core", "http", "sha2"];
        let through_axum = [
            ("livekit-server-webhook", "axum-core"),
            ("axum-core", "http"),
            ("livekit-server-webhook", "sha2"),
        ];
        let optional = [("livekit-server-webhook", "axum-core")];
        let check = |edges: &[(&str, &str)], optional: &[(&str, &str)]| {
            let metadata = metadata_with_optional(&members, &externals, edges, optional);
            check_layers(&Graph::parse(&metadata).unwrap())
        };
        assert_eq!(check(&through_axum, &optional), Vec::<String>::new());
        // The same dependency, not optional: every build would carry it.
        let found = check(&through_axum, &[]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("only if it is an optional dependency"));
        // Another way to `http` is still reported, with its own path.
        let mut also_sha2 = through_axum.to_vec();
        also_sha2.push(("sha2", "http"));
        let found = check(&also_sha2, &optional);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .contains("must not depend on http (via livekit-server-webhook -> sha2 -> http)")
        );
    }

    #[test]
    fn proto_must_not_depend_on_workspace_crates() {
        let found = problems(
            &["livekit-server-proto", "livekit-server-auth"],
            &[],
            &[("livekit-server-proto", "livekit-server-auth")],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("workspace crate livekit-server-auth"));
    }

    #[test]
    fn http_must_not_use_proto_or_reqwest() {
        let found = problems(
            &["livekit-server-http", "livekit-server-proto"],
            &["reqwest"],
            &[
                ("livekit-server-http", "livekit-server-proto"),
                ("livekit-server-http", "reqwest"),
            ],
        );
        assert_eq!(found.len(), 2, "{found:?}");
    }

    #[test]
    fn service_crates_may_use_the_layers_below() {
        let found = problems(
            &[
                "livekit-server-room",
                "livekit-server-http",
                "livekit-server-proto",
                "livekit-server-webhook",
            ],
            &["hyper"],
            &[
                ("livekit-server-room", "livekit-server-http"),
                ("livekit-server-room", "livekit-server-proto"),
                ("livekit-server-http", "hyper"),
            ],
        );
        assert!(found.is_empty(), "{found:?}");
        let found = problems(
            &["livekit-server-room", "livekit-server-webhook"],
            &[],
            &[("livekit-server-room", "livekit-server-webhook")],
        );
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn dev_dependencies_do_not_count() {
        let mut doc = metadata(&["livekit-server-auth"], &["tokio"], &[]);
        doc = doc.replace(
            r#"{"id":"livekit-server-auth 0.1.0","deps":[]}"#,
            r#"{"id":"livekit-server-auth 0.1.0","deps":[{"name":"tokio","pkg":"tokio 0.1.0","dep_kinds":[{"kind":"dev"}]}]}"#,
        );
        assert!(check_layers(&Graph::parse(&doc).unwrap()).is_empty());
    }

    #[test]
    fn test_support_is_a_dev_dependency_only() {
        // Even for the crates that may use every workspace crate, and for those without a rule.
        for user in ["livekit-server-sdk", "livekit-app-server"] {
            let found = problems(
                &[user, "livekit-server-testkit"],
                &[],
                &[(user, "livekit-server-testkit")],
            );
            assert_eq!(found.len(), 1, "{found:?}");
            assert!(
                found[0].contains("livekit-server-testkit only as a dev-dependency"),
                "{found:?}"
            );
        }
        let mut doc = metadata(&["livekit-server-auth", "livekit-server-testkit"], &[], &[]);
        doc = doc.replace(
            r#"{"id":"livekit-server-auth 0.1.0","deps":[]}"#,
            r#"{"id":"livekit-server-auth 0.1.0","deps":[{"name":"livekit-server-testkit","pkg":"livekit-server-testkit 0.1.0","dep_kinds":[{"kind":"dev"}]}]}"#,
        );
        assert!(check_layers(&Graph::parse(&doc).unwrap()).is_empty());
        // And it stays free of runtimes and HTTP stacks itself.
        let found = problems(
            &["livekit-server-testkit"],
            &["tokio"],
            &[("livekit-server-testkit", "tokio")],
        );
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn two_versions_of_a_single_version_crate_are_reported() {
        let lock = "[[package]]\nname = \"prost\"\nversion = \"0.13.5\"\n\n[[package]]\nname = \"prost\"\nversion = \"0.14.1\"\n\n[[package]]\nname = \"syn\"\nversion = \"1.0.0\"\n\n[[package]]\nname = \"syn\"\nversion = \"2.0.0\"\n";
        let found = check_lock(lock);
        assert_eq!(
            found,
            vec!["Cargo.lock has 2 versions of prost: 0.13.5, 0.14.1".to_owned()]
        );
    }

    /// The real workspace follows the rules (CI runs this as part of `cargo test`).
    #[test]
    fn tidy_passes_on_this_workspace() {
        if let Err(message) = run(&util::workspace_root()) {
            panic!("{message}");
        }
    }
}
