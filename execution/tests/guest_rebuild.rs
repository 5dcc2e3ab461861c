//! A clean build of the guest from this checkout (scripts/build-guest.sh: Debian's rustc-web,
//! -Zbuild-std, paths remapped) is byte for byte the committed ELF, so the pinned image id is the
//! id of this source. CI runs it on a fresh clone in another folder. About 6 minutes cold;
//! scripts/test.sh makes that build beside the workspace build and names it in GUEST_REBUILT.

use std::process::Command;

#[test]
fn the_guest_rebuilds_to_the_committed_elf() {
    let root = testkit::workspace_root();
    let out = tempfile::tempdir().unwrap();
    let built = match std::env::var_os("GUEST_REBUILT") {
        Some(path) => std::path::PathBuf::from(path),
        None => {
            let status =
                Command::new(root.join("scripts/build-guest.sh")).env("GUEST_OUT", out.path()).status().unwrap();
            assert!(status.success(), "scripts/build-guest.sh failed");
            out.path().join("execution-guest.elf")
        }
    };
    let built = std::fs::read(&built).unwrap_or_else(|e| panic!("{}: {e}", built.display()));
    let committed = std::fs::read(root.join("execution/guest/execution-guest.elf")).unwrap();
    assert!(
        built == committed,
        "the rebuilt guest ({} bytes) differs from execution/guest/execution-guest.elf ({} bytes): commit the new \
         ELF, then write its key and pin its id (prover_cmd execution_image --write-vk)",
        built.len(),
        committed.len()
    );
}
