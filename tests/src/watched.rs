//! A value that background threads update and tests wait on (a participant's events, the
//! webhooks received): a mutex with a condition variable, and the wait with a deadline that
//! both need.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

#[derive(Debug, Default)]
pub(crate) struct Watched<T> {
    value: Mutex<T>,
    changed: Condvar,
}

impl<T> Watched<T> {
    /// The value, locked. A thread that panicked while holding it does not poison it: the
    /// tests' failure messages still want to show it.
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.value.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes the value and wakes the waiters.
    pub(crate) fn update(&self, change: impl FnOnce(&mut T)) {
        change(&mut self.lock());
        self.changed.notify_all();
    }

    /// Waits until `find` finds what it looks for in the value (as it is now or after a
    /// change), and returns it. Gives up at `deadline`, or as soon as `finished` says that no
    /// change is to come, and returns the value as it is then (for the failure message).
    pub(crate) fn wait_for<R>(
        &self,
        deadline: Instant,
        mut find: impl FnMut(&mut T) -> Option<R>,
        finished: impl Fn(&T) -> bool,
    ) -> Result<R, MutexGuard<'_, T>> {
        let mut value = self.lock();
        loop {
            if let Some(found) = find(&mut value) {
                return Ok(found);
            }
            let now = Instant::now();
            if finished(&value) || now >= deadline {
                return Err(value);
            }
            value = self
                .changed
                .wait_timeout(value, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}
