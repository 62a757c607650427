//! [`Owned`]: a container handle that is removed when dropped, inside a Tokio runtime or not;
//! [`StartGuard`]: what a start that does not complete leaves is removed; the labels.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use testcontainers::bollard::Docker;
use testcontainers::bollard::query_parameters::{
    ListContainersOptionsBuilder, RemoveContainerOptionsBuilder,
};
use testcontainers::core::client::docker_client_instance;
use testcontainers::{ContainerAsync, ContainerRequest, Image, ImageExt as _};
use tokio::runtime::RuntimeFlavor;

use crate::{Error, LABEL, PROCESS_LABEL};

/// A `ContainerAsync` that removes its container when dropped, also outside a Tokio runtime:
/// testcontainers removes a dropped container through the current runtime and panics without
/// one, leaving the container running (a handle kept past its runtime, one dropped in a plain
/// `#[test]` after `block_on`). Without a runtime, one is made for the removal.
pub(crate) struct Owned<I: Image>(Option<ContainerAsync<I>>);

impl<I: Image> Owned<I> {
    pub(crate) fn new(container: ContainerAsync<I>) -> Owned<I> {
        Owned(Some(container))
    }

    pub(crate) fn get(&self) -> &ContainerAsync<I> {
        self.0
            .as_ref()
            .expect("the container is there until the handle is dropped")
    }
}

impl<I: Image> Drop for Owned<I> {
    fn drop(&mut self) {
        let Some(container) = self.0.take() else {
            return;
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            return drop(container);
        }
        match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => {
                let _entered = runtime.enter();
                drop(container);
            }
            // No runtime can be made: leave the container (testcontainers would panic).
            Err(_) => std::mem::forget(container),
        }
    }
}

impl<I: Image + fmt::Debug> fmt::Debug for Owned<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(container) => container.fmt(f),
            None => f.write_str("(removed)"),
        }
    }
}

/// The label naming the start a container was made by (`<process>-<n>`): what a start that
/// does not complete removes.
const START_LABEL: &str = "io.github.livekit-server-rs.testcontainers.start";

/// How long the drop of a start that did not complete looks for its container, blocking: the
/// engine may still be creating it (a create request is not cancelled with its client).
const SETTLE: Duration = Duration::from_secs(1);

/// How long a thread goes on looking after that, for a slower (loaded) engine.
const LATE: Duration = Duration::from_secs(60);

/// The value of [`PROCESS_LABEL`](crate::PROCESS_LABEL) on the containers this process
/// starts: `<pid>-<start time>` on Linux (see there), `<pid>` elsewhere.
#[must_use]
pub fn process_label_value() -> &'static str {
    static VALUE: OnceLock<String> = OnceLock::new();
    VALUE.get_or_init(|| {
        let pid = std::process::id();
        // Field 22; the command name (field 2) may hold spaces, so count after its `)`.
        std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|stat| {
                Some(
                    stat.rsplit_once(')')?
                        .1
                        .split_whitespace()
                        .nth(19)?
                        .to_owned(),
                )
            })
            .map_or_else(|| pid.to_string(), |start| format!("{pid}-{start}"))
    })
}

/// The request with this crate's labels: its version and the process.
pub(crate) fn labelled<I: Image>(request: impl Into<ContainerRequest<I>>) -> ContainerRequest<I> {
    request
        .into()
        .with_label(LABEL, env!("CARGO_PKG_VERSION"))
        .with_label(PROCESS_LABEL, process_label_value())
}

/// One start, which labels its container so that, if the start does not complete (it failed,
/// or its future was dropped), what it created can be found and removed: testcontainers
/// creates and starts a container before any handle owns it.
#[derive(Debug)]
pub(crate) struct StartGuard {
    /// The value of its label, until the start completed.
    start: Option<String>,
    /// The engine, got before the start: getting it in a drop could wait for a task of the
    /// runtime the drop blocks (testcontainers makes it once, under a lock).
    docker: Option<Docker>,
}

impl StartGuard {
    pub(crate) fn new(docker: Option<Docker>) -> StartGuard {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        // Random per process (std's hasher keys): processes in other pid namespaces that
        // share the engine can have the same pid and start time.
        static NONCE: OnceLock<u64> = OnceLock::new();
        let nonce = NONCE.get_or_init(crate::server::random);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        // `TESTCONTAINERS_COMMAND=keep` keeps containers for inspection, as testcontainers
        // does: the failed starts' too.
        let keep =
            std::env::var("TESTCONTAINERS_COMMAND").is_ok_and(|c| c.eq_ignore_ascii_case("keep"));
        let start = (!keep).then(|| format!("{}-{nonce:x}-{n}", process_label_value()));
        StartGuard { start, docker }
    }

    /// A guard for an async start, with the engine.
    pub(crate) async fn connect(what: &str) -> Result<StartGuard, Error> {
        let docker = docker_client_instance().await;
        let docker = docker.map_err(|error| Error::container(what, error.into()))?;
        Ok(StartGuard::new(Some(docker)))
    }

    pub(crate) fn label<I: Image>(&self, request: ContainerRequest<I>) -> ContainerRequest<I> {
        request.with_label(START_LABEL, self.start.as_deref().unwrap_or_default())
    }

    /// The start completed: a handle owns the container now.
    pub(crate) fn disarm(mut self) {
        self.start = None;
    }

    /// The start failed (nothing of it is in flight): remove what it created.
    pub(crate) async fn failed(mut self) {
        if let (Some(start), Some(docker)) = (self.start.take(), &self.docker) {
            remove_started(&start, docker).await;
        }
    }

    /// [`failed`](Self::failed), for code without a runtime.
    #[cfg(feature = "blocking")]
    pub(crate) fn failed_blocking(mut self) {
        if let Some(start) = self.start.take() {
            let docker = self.docker.take();
            wait_for(move || sweep(&start, docker, Duration::ZERO));
        }
    }
}

impl Drop for StartGuard {
    /// Dropped armed: the start's future was dropped, and its requests may still be running
    /// in the engine. Look for [`SETTLE`], blocking (as testcontainers does to remove a
    /// container) so that what the engine made by then is gone when the drop returns, also at
    /// the end of a test or of the process; then for [`LATE`] on a thread of its own.
    fn drop(&mut self) {
        if let Some(start) = self.start.take() {
            let (late, docker) = (start.clone(), self.docker.take());
            let late_docker = docker.clone();
            wait_for(move || sweep(&start, docker, SETTLE));
            let _ = std::thread::Builder::new()
                .name("livekit-testcontainers-sweep".to_owned())
                .spawn(move || sweep(&late, late_docker, LATE));
        }
    }
}

/// Runs `work` on a thread of its own and waits for it: off the caller's runtime, which a
/// runtime of `work` would nest in, and, on a multi-thread runtime, letting its other tasks
/// run meanwhile.
fn wait_for(work: impl FnOnce() + Send) {
    let run = || std::thread::scope(|scope| drop(scope.spawn(work).join()));
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(run);
        }
        _ => run(),
    }
}

/// [`remove_started`] on a runtime of its own, again until `span` has passed: every 100 ms
/// for [`SETTLE`], every second for longer. Every request to the engine ends with `span`
/// (a hung engine must not hold a drop for bollard's two minutes).
fn sweep(start: &str, docker: Option<Docker>, span: Duration) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    let begun = Instant::now();
    let end = begun + span.max(SETTLE);
    let connect = async { docker_client_instance().await.ok() };
    let Some(docker) = docker.or_else(|| runtime.block_on(within(end, connect)).flatten()) else {
        return;
    };
    let pause = Duration::from_millis(if span > SETTLE { 1000 } else { 100 });
    loop {
        runtime.block_on(within(end, remove_started(start, &docker)));
        if begun.elapsed() >= span {
            return;
        }
        std::thread::sleep(pause);
    }
}

/// `work`, unless `end` comes first.
async fn within<F: std::future::Future>(end: Instant, work: F) -> Option<F::Output> {
    tokio::time::timeout_at(end.into(), work).await.ok()
}

/// Removes every container of the start `start` (best effort: errors are ignored).
async fn remove_started(start: &str, docker: &Docker) {
    let filters = HashMap::from([("label", vec![format!("{START_LABEL}={start}")])]);
    let listing = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    let Ok(containers) = docker.list_containers(Some(listing)).await else {
        return;
    };
    for id in containers.into_iter().filter_map(|container| container.id) {
        let removal = RemoveContainerOptionsBuilder::new()
            .force(true)
            .v(true)
            .build();
        let _ = docker.remove_container(&id, Some(removal)).await;
    }
}

#[cfg(test)]
mod tests {
    use testcontainers::bollard::models::ContainerCreateBody;

    use super::*;

    /// Containers of a dropped start that the engine makes late (its create request outlived
    /// the start's future) are removed: during the drop's [`SETTLE`], and after it.
    #[tokio::test]
    async fn containers_the_engine_makes_after_a_dropped_start_are_removed() {
        let docker = docker_client_instance().await.expect("a Docker engine");
        let guard = StartGuard::new(Some(docker.clone()));
        let start = guard.start.clone().expect("armed");
        let make = || {
            let labels = [(START_LABEL.to_owned(), start.clone())].into();
            docker.create_container(
                None,
                ContainerCreateBody {
                    image: Some(format!("{}:{}", crate::REDIS_IMAGE, crate::REDIS_TAG)),
                    labels: Some(labels),
                    cmd: Some(vec!["redis-server".to_owned()]),
                    ..Default::default()
                },
            )
        };
        let left = || async {
            let filters = HashMap::from([("label", vec![format!("{START_LABEL}={start}")])]);
            let listing = ListContainersOptionsBuilder::new()
                .all(true)
                .filters(&filters);
            let listed = docker.list_containers(Some(listing.build())).await;
            listed.expect("a listing").len()
        };
        let during = make()
            .await
            .expect("the image `cargo xtask setup` builds")
            .id;
        drop(guard);
        assert_eq!(left().await, 0, "{during} made before the drop");
        make().await.expect("a create");
        let deadline = Instant::now() + Duration::from_secs(5);
        while left().await > 0 {
            assert!(
                Instant::now() < deadline,
                "a container made after the drop is left"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
