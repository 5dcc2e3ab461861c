//! The guests this build proves and verifies are the pinned ones: for each image, the committed
//! ELF, the committed verifying key and the VM configuration's init file all agree with the id in
//! execution-verify's image.rs.

use execution::{
    image::{guest_elf, image_id_hex, GuestImage},
    zkvm, ExecutionProver, ProverSettings,
};

#[test]
fn each_committed_verifying_key_is_for_its_pinned_image() {
    for image in GuestImage::ALL {
        let id = zkvm::image_id_of_vk(image.verifying_key()).unwrap();
        assert_eq!(image_id_hex(&id), image.id(), "{image}");
    }
}

#[test]
fn each_committed_elf_is_its_pinned_image() {
    let prover = ExecutionProver::new(&ProverSettings::default());
    for image in GuestImage::ALL {
        assert_eq!(image_id_hex(&prover.image_id(image).unwrap()), image.id(), "{image}");
    }
    assert_ne!(guest_elf(GuestImage::Base), guest_elf(GuestImage::Full));
}

#[test]
fn each_guest_registers_the_moduli_and_curves_of_its_vm_configuration() {
    let regenerate = "regenerate with prover_cmd execution_image [--image full] --write-init";
    assert_eq!(include_str!("../guest/openvm_init.rs"), zkvm::init_file(GuestImage::Base), "{regenerate}");
    assert_eq!(include_str!("../guest/openvm_init_full.rs"), zkvm::init_file(GuestImage::Full), "{regenerate}");
}

#[test]
fn the_image_is_picked_by_the_precompiles_a_block_calls() {
    let at = |low: u16| {
        let mut address = alloy_primitives::Address::ZERO;
        address.0[18..].copy_from_slice(&low.to_be_bytes());
        address
    };
    // ecrecover, sha256, modexp, bn254's three, blake2f: the base image has what they need.
    let base = [0x01, 0x02, 0x05, 0x06, 0x07, 0x08, 0x09].map(at);
    assert_eq!(GuestImage::for_block(&base), GuestImage::Base);
    assert_eq!(GuestImage::for_block(&[]), GuestImage::Base);
    // The point evaluation, each of EIP-2537's and P-256's.
    for low in (0x0a..=0x11).chain([0x100]) {
        assert_eq!(GuestImage::for_block(&[at(0x01), at(low)]), GuestImage::Full, "{low:#x}");
    }
    // An ordinary account whose address ends like one is no precompile.
    let mut account = at(0x0a);
    account.0[0] = 1;
    assert_eq!(GuestImage::for_block(&[account]), GuestImage::Base);
}

#[test]
fn a_file_that_is_not_a_guest_is_refused() {
    let err = ExecutionProver::with_elf(&ProverSettings::default(), GuestImage::Base, b"\x7fELF but not really")
        .err()
        .unwrap();
    assert!(err.to_string().contains("not a guest ELF"), "{err}");
}
