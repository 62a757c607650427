//! Generation of the facade's blocking clients (`crates/livekit-server-sdk/src/blocking/generated.rs`).
//!
//! One blocking client per service, each method the async client's method of the same name
//! driven to completion on the facade's runtime, and the blocking `LiveKitApi` holding them.
//! The runtime and the constructors are written by hand in `blocking/mod.rs`.

use std::fmt::Write as _;

use crate::descriptors::{ServiceInfo, rust_type_in, snake_case};

/// The generated module, for the services of `crates` (in the order of `services`).
pub(crate) fn generate(services: &[ServiceInfo], crates: &[(&str, &str, &str, &str)]) -> String {
    // With `blocking` and no service feature, no client is compiled and nothing uses these.
    let mut out = String::from(
        "#[allow(unused_imports)]\nuse super::{Error, Runtime};\n#[allow(unused_imports)]\nuse crate::proto;\n\n",
    );
    let mut fields = Vec::new();
    for service in services {
        let Some((_, dir, client, _)) = crates.iter().find(|c| c.0 == service.name) else {
            continue;
        };
        let feature = dir.trim_start_matches("livekit-server-");
        let module = feature.replace('-', "_");
        let _ = writeln!(
            out,
            "/// Blocking client for `livekit.{name}`: every RPC method of\n\
             /// [`{module}::{client}`](crate::{module}::{client}) and its call options, waiting\n\
             /// for the answer (see [`blocking`](super) for where it may be called, and for the\n\
             /// helpers and streams).\n\
             #[cfg(feature = \"{feature}\")]\n#[derive(Debug, Clone)]\n\
             pub struct {client} {{\n    pub(super) inner: crate::{module}::{client},\n    pub(super) runtime: Runtime,\n}}\n\n\
             #[cfg(feature = \"{feature}\")]\nimpl {client} {{\n\
             pub(super) fn new(inner: crate::{module}::{client}, runtime: Runtime) -> Self {{\n    \
                 Self {{ inner, runtime }}\n}}\n\n\
             /// The async client this one drives (for its helpers and streams, through\n\
             /// [`LiveKitApi::block_on`]).\npub fn as_async(&self) -> &crate::{module}::{client} {{\n    &self.inner\n}}\n\n\
             /// A client whose calls use `options` (request id, timeouts, deadline, retries,\n\
             /// headers), as [`{client}::with_call_options`](crate::{module}::{client}::with_call_options).\n\
             #[must_use]\npub fn with_call_options(&self, options: crate::http::CallOptions) -> Self {{\n    \
                 Self {{ inner: self.inner.with_call_options(options), runtime: self.runtime.clone() }}\n}}\n\n\
             /// The options of this client's calls.\n\
             pub fn call_options(&self) -> &crate::http::CallOptions {{\n    self.inner.call_options()\n}}",
            name = service.name,
        );
        for method in &service.methods {
            let name = snake_case(&method.name);
            let deprecated = if method.deprecated {
                // Calling the deprecated async method is this method's whole point.
                "#[deprecated(note = \"deprecated in the LiveKit protocol\")]\n#[allow(deprecated)]\n"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "\n/// [`{client}::{name}`](crate::{module}::{client}::{name}), blocking.\n///\n\
                 /// # Errors\n///\n/// As the async method's.\n\
                 {deprecated}pub fn {name}(&self, request: impl Into<{input}>) -> Result<{output}, Error> {{\n    \
                 let request: {input} = request.into();\n    \
                 let inner = self.inner.clone();\n    \
                 self.runtime.run(async move {{ inner.{name}(request).await }})\n}}",
                input = rust_type_in("proto", &method.input),
                output = rust_type_in("proto", &method.output),
            );
        }
        let _ = writeln!(out, "}}\n");
        fields.push((feature, module, client));
    }

    let _ = writeln!(
        out,
        "/// Every enabled service client, blocking, over one [`crate::LiveKitApi`] and one runtime.\n\
         #[derive(Clone)]\npub struct LiveKitApi {{\n    api: crate::LiveKitApi,\n    runtime: Runtime,"
    );
    for (feature, module, client) in &fields {
        let _ = writeln!(
            out,
            "    #[cfg(feature = \"{feature}\")]\n    {module}: {client},"
        );
    }
    let _ = writeln!(
        out,
        "}}\n\nimpl LiveKitApi {{\n\
         pub(super) fn from_parts(api: crate::LiveKitApi, runtime: Runtime) -> Self {{\n    Self {{"
    );
    for (feature, module, client) in &fields {
        let _ = writeln!(
            out,
            "        #[cfg(feature = \"{feature}\")]\n        {module}: {client}::new(api.{module}().clone(), runtime.clone()),"
        );
    }
    let _ = writeln!(
        out,
        "        api,\n        runtime,\n    }}\n}}\n\n\
         pub(super) fn parts(&self) -> (&crate::LiveKitApi, &Runtime) {{\n    (&self.api, &self.runtime)\n}}"
    );
    for (feature, module, client) in &fields {
        let _ = writeln!(
            out,
            "\n/// [`crate::LiveKitApi::{module}`], blocking.\n#[cfg(feature = \"{feature}\")]\n\
             pub fn {module}(&self) -> &{client} {{\n    &self.{module}\n}}"
        );
    }
    let _ = writeln!(out, "}}");
    out
}
