//! Compiles the VM service protocol with protox (pure Rust: no protoc to install).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/vm_service.proto");
    let fds = protox::compile(["proto/vm_service.proto"], ["proto"])?;
    tonic_prost_build::configure().build_server(true).build_client(true).compile_fds(fds)?;
    Ok(())
}
