//! Child processes of the test environment, and the guarantee that none outlives the xtask.
//!
//! Every child is spawned in a process group of its own (so a Ctrl-C in the terminal reaches
//! only the xtask, and the whole tree under a child can be signalled at once), and is
//! announced to a *watchdog*: a small `sh` loop, also in its own group, that reads the xtask's
//! announcements on a pipe. The pipe closes whenever the xtask ends, however it ends (normal
//! exit, error, Ctrl-C, SIGTERM, even SIGKILL); the watchdog then removes the announced
//! containers and terminates the announced process groups (SIGTERM, then SIGKILL after five
//! seconds). On a normal exit [`Supervisor`] stops everything itself, in reverse start order,
//! and tells the watchdog it is done. This needs no signal handler, hence no `unsafe` and no
//! dependency.

use std::io::Write as _;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::util;

/// The watchdog. `$0` is a label for its messages. It exits quietly on `done`.
const WATCHDOG: &str = r#"
groups=""
containers=""
while read -r kind value; do
  case "$kind" in
    group) groups="$groups $value" ;;
    container) containers="$containers $value" ;;
    done) exit 0 ;;
  esac
done
[ -z "$groups$containers" ] && exit 0
echo "$0: the xtask ended; stopping the test environment it started" >&2
[ -n "$containers" ] && docker rm -f $containers >/dev/null 2>&1
for g in $groups; do kill -TERM -$g 2>/dev/null; done
i=0
while [ $i -lt 50 ]; do
  alive=""
  for g in $groups; do kill -0 -$g 2>/dev/null && alive=1; done
  [ -z "$alive" ] && exit 0
  sleep 0.1
  i=$((i + 1))
done
for g in $groups; do kill -KILL -$g 2>/dev/null; done
exit 0
"#;

/// A handle on one supervised child, returned by [`Supervisor::spawn`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Handle(usize);

#[derive(Debug)]
enum Member {
    Process {
        name: String,
        child: Child,
        grace: Duration,
        status: Option<ExitStatus>,
    },
    Container {
        name: String,
    },
}

/// Owns the children of the environment; stops them on [`Supervisor::shutdown`] or drop.
#[derive(Debug)]
pub(crate) struct Supervisor {
    watchdog: Option<(Child, ChildStdin)>,
    members: Vec<Member>,
}

impl Supervisor {
    /// Starts the watchdog.
    pub(crate) fn new() -> Result<Supervisor, String> {
        let mut command = Command::new("sh");
        command
            .args(["-c", WATCHDOG, "xtask-watchdog"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        own_group(&mut command);
        let mut child = command
            .spawn()
            .map_err(|error| format!("cannot start the watchdog (sh): {error}"))?;
        let stdin = child.stdin.take().ok_or("the watchdog has no stdin")?;
        Ok(Supervisor {
            watchdog: Some((child, stdin)),
            members: Vec::new(),
        })
    }

    fn tell(&mut self, line: &str) -> Result<(), String> {
        let (_, stdin) = self
            .watchdog
            .as_mut()
            .ok_or("the supervisor is shut down")?;
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|()| stdin.flush())
            .map_err(|error| format!("the cleanup watchdog is gone ({error}); not starting more"))
    }

    /// Spawns `command` in a new process group. On shutdown it gets SIGTERM, and SIGKILL if it
    /// is still running after `grace`.
    pub(crate) fn spawn(
        &mut self,
        name: &str,
        command: &mut Command,
        grace: Duration,
    ) -> Result<Handle, String> {
        own_group(command);
        let child = command.spawn().map_err(|error| {
            format!("cannot start {name} ({:?}): {error}", command.get_program())
        })?;
        let announced = self.tell(&format!("group {}", child.id()));
        self.members.push(Member::Process {
            name: name.to_owned(),
            child,
            grace,
            status: None,
        });
        announced?;
        Ok(Handle(self.members.len() - 1))
    }

    /// Registers a container to remove (`docker rm -f`) on shutdown. Call it before starting
    /// the container, so that it is removed even if the xtask dies right after.
    pub(crate) fn container(&mut self, name: &str) -> Result<(), String> {
        self.tell(&format!("container {name}"))?;
        self.members.push(Member::Container {
            name: name.to_owned(),
        });
        Ok(())
    }

    /// The exit status of a child if it has ended.
    pub(crate) fn try_wait(&mut self, handle: Handle) -> Result<Option<ExitStatus>, String> {
        match self.members.get_mut(handle.0) {
            Some(Member::Process {
                name,
                child,
                status,
                ..
            }) => {
                if status.is_none() {
                    *status = child
                        .try_wait()
                        .map_err(|error| format!("cannot query {name}: {error}"))?;
                }
                Ok(*status)
            }
            _ => Err(format!("no supervised process #{}", handle.0)),
        }
    }

    /// Waits for a child to end.
    pub(crate) fn wait(&mut self, handle: Handle) -> Result<ExitStatus, String> {
        match self.members.get_mut(handle.0) {
            Some(Member::Process {
                name,
                child,
                status,
                ..
            }) => {
                if let Some(done) = status {
                    return Ok(*done);
                }
                let done = child
                    .wait()
                    .map_err(|error| format!("cannot wait for {name}: {error}"))?;
                *status = Some(done);
                Ok(done)
            }
            _ => Err(format!("no supervised process #{}", handle.0)),
        }
    }

    /// Stops every child, newest first, then releases the watchdog. Idempotent.
    pub(crate) fn shutdown(&mut self) {
        let containers: Vec<String> = self
            .members
            .iter()
            .filter_map(|m| match m {
                Member::Container { name } => Some(name.clone()),
                Member::Process { .. } => None,
            })
            .collect();
        if !containers.is_empty() {
            // Removing the containers also ends the `docker run` clients in our groups.
            let _ = Command::new("docker")
                .args(["rm", "-f"])
                .args(&containers)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        for member in self.members.iter_mut().rev() {
            if let Member::Process {
                child,
                grace,
                status,
                ..
            } = member
            {
                stop_group(child, *grace, status);
            }
        }
        self.members.clear();
        if let Some((mut watchdog, mut stdin)) = self.watchdog.take() {
            let _ = stdin.write_all(b"done\n");
            drop(stdin);
            let _ = watchdog.wait();
        }
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// SIGTERM to the child's group; SIGKILL after `grace` if the child has not ended; then reap.
/// The group is signalled even when its leader has already exited, for stragglers it left.
fn stop_group(child: &mut Child, grace: Duration, status: &mut Option<ExitStatus>) {
    let group = child.id();
    signal_group(group, "TERM");
    let deadline = Instant::now() + grace;
    while status.is_none() {
        match child.try_wait() {
            Ok(Some(done)) => *status = Some(done),
            Ok(None) if Instant::now() < deadline => sleep(Duration::from_millis(50)),
            Ok(None) | Err(_) => {
                signal_group(group, "KILL");
                *status = child.wait().ok();
                break;
            }
        }
    }
    signal_group(group, "KILL");
}

/// Sends a signal to a whole process group with the `kill` utility (std has no such call,
/// and this crate forbids `unsafe`). Refuses nonsensical groups (0, 1, our own).
pub(crate) fn signal_group(group: u32, signal: &str) {
    if group <= 1 || group == std::process::id() {
        util::note(&format!("refusing to signal process group {group}"));
        return;
    }
    let _ = Command::new("kill")
        .args([format!("-{signal}"), "--".to_owned(), format!("-{group}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Makes `command` start a new process group (its pid becomes the group id).
#[cfg(unix)]
pub(crate) fn own_group(command: &mut Command) {
    use std::os::unix::process::CommandExt as _;
    command.process_group(0);
}

/// Process groups are a Unix notion; elsewhere the children are only stopped on normal exit.
#[cfg(not(unix))]
pub(crate) fn own_group(_command: &mut Command) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn alive(pid: u32) -> bool {
        Command::new("kill")
            .args(["-0", &pid.to_string()])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn zombie_or_gone(pid: u32) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => stat
                .rsplit(')')
                .next()
                .is_some_and(|rest| rest.trim_start().starts_with('Z')),
            Err(_) => !alive(pid),
        }
    }

    #[test]
    fn shutdown_stops_the_whole_group() {
        let mut supervisor = Supervisor::new().expect("watchdog");
        // A parent that leaves a grandchild behind in its group.
        let mut command = Command::new("sh");
        command
            .args(["-c", "sleep 60 & echo $!; wait"])
            .stdout(Stdio::piped());
        let handle = supervisor
            .spawn("sleeper", &mut command, Duration::from_secs(2))
            .expect("spawn");
        let grandchild = match &mut supervisor.members[handle.0] {
            Member::Process { child, .. } => {
                let mut line = String::new();
                let stdout = child.stdout.as_mut().expect("stdout");
                std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
                    .expect("pid line");
                line.trim().parse::<u32>().expect("pid")
            }
            Member::Container { .. } => unreachable!(),
        };
        assert!(alive(grandchild));
        supervisor.shutdown();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !zombie_or_gone(grandchild) && Instant::now() < deadline {
            sleep(Duration::from_millis(50));
        }
        assert!(
            zombie_or_gone(grandchild),
            "grandchild {grandchild} survived the shutdown"
        );
    }

    #[test]
    fn the_watchdog_cleans_up_when_its_pipe_closes() {
        let mut supervisor = Supervisor::new().expect("watchdog");
        let mut command = Command::new("sleep");
        command.arg("60");
        let handle = supervisor
            .spawn("sleeper", &mut command, Duration::from_secs(2))
            .expect("spawn");
        // Reap the child as soon as it dies, as init would once the xtask is gone.
        let Some(Member::Process { child, .. }) = supervisor.members.pop() else {
            unreachable!("{handle:?} is a process")
        };
        let pid = child.id();
        let reaper = std::thread::spawn(move || {
            let mut child = child;
            child.wait()
        });
        // Simulate the xtask dying: close the pipe without `done`, and forget the members.
        let (mut watchdog, stdin) = supervisor.watchdog.take().expect("watchdog");
        drop(stdin);
        watchdog.wait().expect("watchdog exits");
        let deadline = Instant::now() + Duration::from_secs(5);
        while !zombie_or_gone(pid) && Instant::now() < deadline {
            sleep(Duration::from_millis(50));
        }
        assert!(zombie_or_gone(pid), "the watchdog left {pid} running");
        let status = reaper.join().expect("reaper").expect("status");
        assert!(!status.success());
    }
}
