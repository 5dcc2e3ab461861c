//! One state-proof key cache for the whole test run. Key generation costs about half a minute a
//! class on 2 cores, and the keys depend only on the class, the params (the insecure dev ones,
//! the same in every test) and the source revision, which the cache's entry names carry. The
//! test that checks key generation publishes what it generated; the tests after it, in any test
//! binary of the build, start from a copy. Run alone, a test generates its keys as before.

use std::{io, path::Path};

/// The shared cache's directory, as a `&'static str`: `state-keys` in the calling integration
/// test's `CARGO_TARGET_TMPDIR` (the same for every test binary of one build). A macro, as only the
/// test crate itself knows that directory, and as the serve tests pass it among string arguments.
#[macro_export]
macro_rules! shared_state_keys {
    () => {
        concat!(env!("CARGO_TARGET_TMPDIR"), "/state-keys")
    };
}

/// Copies every cache entry (a directory) of `from` that `shared` does not hold into `shared`.
/// An entry is copied beside its place and renamed into it, so a test that reads `shared` meanwhile
/// finds it whole or not at all.
pub fn publish(from: &Path, shared: &Path) -> io::Result<()> {
    std::fs::create_dir_all(shared)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = shared.join(entry.file_name());
        if !entry.file_type()?.is_dir() || target.exists() {
            continue;
        }
        let partial = shared.join(format!(".{}.{}", entry.file_name().to_string_lossy(), std::process::id()));
        copy_dir(&entry.path(), &partial)?;
        if std::fs::rename(&partial, &target).is_err() {
            // Another test published the same entry first: theirs is as good.
            std::fs::remove_dir_all(&partial)?;
        }
    }
    Ok(())
}

/// Copies the shared cache's entries into `to`, a test's own cache directory (its keys can then be
/// damaged or replaced without touching the shared ones). Nothing when nothing is shared yet.
pub fn seed(shared: &Path, to: &Path) -> io::Result<()> {
    if shared.is_dir() {
        copy_dir(shared, to)?;
    }
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        // A half-copied entry of another test's publish.
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &to.join(&name))?;
        } else {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_published_once_and_seeded_whole() {
        let dir = tempfile::tempdir().unwrap();
        let (made, shared, seeded) = (dir.path().join("made"), dir.path().join("shared"), dir.path().join("seeded"));
        std::fs::create_dir_all(made.join("micro-k15-abc")).unwrap();
        std::fs::write(made.join("micro-k15-abc/vk"), b"first").unwrap();
        seed(&shared, &seeded).unwrap();
        assert!(!seeded.exists(), "nothing shared yet, nothing seeded");

        publish(&made, &shared).unwrap();
        std::fs::write(made.join("micro-k15-abc/vk"), b"second").unwrap();
        publish(&made, &shared).unwrap();
        assert_eq!(std::fs::read(shared.join("micro-k15-abc/vk")).unwrap(), b"first", "an entry is published once");
        std::fs::create_dir_all(shared.join(".micro-k15-def.1")).unwrap();

        seed(&shared, &seeded).unwrap();
        assert_eq!(std::fs::read(seeded.join("micro-k15-abc/vk")).unwrap(), b"first");
        assert!(!seeded.join(".micro-k15-def.1").exists(), "a half-published entry is not seeded");
    }
}
