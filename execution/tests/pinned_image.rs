//! The guest this build proves and verifies is the pinned one: the committed ELF, the committed
//! verifying key and the VM configuration's init file all agree with the id in image.rs.

use execution::{image, zkvm, ExecutionProver, ProverSettings};

#[test]
fn the_committed_verifying_key_is_for_the_pinned_image() {
    let id = zkvm::image_id_of_vk(image::VERIFYING_KEY).unwrap();
    assert_eq!(image::image_id_hex(&id), image::IMAGE_ID);
}

#[test]
fn the_committed_elf_is_the_pinned_image() {
    let prover = ExecutionProver::new(&ProverSettings::default()).unwrap();
    assert_eq!(image::image_id_hex(&prover.image_id().unwrap()), image::IMAGE_ID);
}

#[test]
fn the_guest_registers_the_moduli_and_curve_of_the_vm_configuration() {
    let committed = include_str!("../guest/openvm_init.rs");
    assert_eq!(committed, zkvm::init_file(), "regenerate with prover_cmd execution_image --write-init");
}

#[test]
fn a_file_that_is_not_a_guest_is_refused() {
    let err = ExecutionProver::with_elf(&ProverSettings::default(), b"\x7fELF but not really").err().unwrap();
    assert!(err.to_string().contains("not a guest ELF"), "{err}");
}
