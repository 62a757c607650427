//! [`Owned`]: a container handle that is removed when dropped, inside a Tokio runtime or not.

use std::fmt;

use testcontainers::{ContainerAsync, Image};

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
