//! A clean build of both guest images from this checkout (scripts/build-guest.sh: Debian's
//! rustc-web, -Zbuild-std, paths remapped) is byte for byte the committed ELFs, so the pinned image
//! ids are the ids of this source. CI runs it on a fresh clone in another folder. About 7 minutes
//! cold; scripts/test.sh makes that build beside the workspace build and names its folder in
//! GUEST_REBUILT.

use std::process::Command;

use execution::image::GuestImage;

#[test]
fn both_guest_images_rebuild_to_the_committed_elfs() {
    let root = testkit::workspace_root();
    let out = tempfile::tempdir().unwrap();
    let built_dir = match std::env::var_os("GUEST_REBUILT") {
        Some(path) => std::path::PathBuf::from(path),
        None => {
            let status =
                Command::new(root.join("scripts/build-guest.sh")).env("GUEST_OUT", out.path()).status().unwrap();
            assert!(status.success(), "scripts/build-guest.sh failed");
            out.path().to_path_buf()
        }
    };
    for image in GuestImage::ALL {
        let name = match image {
            GuestImage::Base => "execution-guest.elf",
            GuestImage::Full => "execution-guest-full.elf",
        };
        let built = built_dir.join(name);
        let built = std::fs::read(&built).unwrap_or_else(|e| panic!("{}: {e}", built.display()));
        assert!(
            built == execution::image::guest_elf(image),
            "the rebuilt {image} guest ({} bytes) differs from execution/guest/{name}: commit the new ELF, then write \
             its key and pin its id (prover_cmd execution_image --image {image} --write-vk)",
            built.len(),
        );
    }
}
