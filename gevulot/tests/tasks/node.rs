//! A Gevulot v1 node's VM service on a unix socket (as vhost-user vsock exposes a guest's port on
//! the host), serving one verifier task, and the verifier binary in its gRPC form against it.

use std::{
    collections::HashMap,
    path::PathBuf,
    pin::Pin,
    sync::{Arc, Mutex},
};

use gevulot::shim::grpc_v1::proto::{
    file_data, task_response, task_result_request,
    vm_service_server::{VmService, VmServiceServer},
    FileChunk, FileData, GenericResponse, GetFileRequest, Task, TaskRequest, TaskResponse, TaskResult,
    TaskResultRequest, TaskResultResponse,
};
use serde_json::Value;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use crate::fixture::{fixture, params_name, run, s, stderr};

#[derive(Default)]
struct Seen {
    handed_out: bool,
    uploads: HashMap<String, Vec<u8>>,
    results: Vec<TaskResultRequest>,
}

struct TestNode {
    task: Task,
    files: HashMap<String, PathBuf>,
    seen: Arc<Mutex<Seen>>,
}

type FileStream = Pin<Box<dyn Stream<Item = Result<FileData, Status>> + Send>>;

#[tonic::async_trait]
impl VmService for TestNode {
    type GetFileStream = FileStream;

    async fn get_task(&self, _: Request<TaskRequest>) -> Result<Response<TaskResponse>, Status> {
        let mut seen = self.seen.lock().unwrap();
        let result = if seen.handed_out {
            task_response::Result::Error(0)
        } else {
            seen.handed_out = true;
            task_response::Result::Task(self.task.clone())
        };
        Ok(Response::new(TaskResponse { result: Some(result) }))
    }

    async fn get_file(&self, request: Request<GetFileRequest>) -> Result<Response<FileStream>, Status> {
        let request = request.into_inner();
        let answer = match self.files.get(&request.path) {
            Some(path) => std::fs::read(path)
                .unwrap()
                .chunks(100_000)
                .map(|c| FileData { result: Some(file_data::Result::Chunk(FileChunk { data: c.to_vec() })) })
                .collect(),
            None => vec![FileData { result: Some(file_data::Result::Error(0)) }],
        };
        Ok(Response::new(Box::pin(tokio_stream::iter(answer.into_iter().map(Ok)))))
    }

    async fn submit_file(&self, request: Request<Streaming<FileData>>) -> Result<Response<GenericResponse>, Status> {
        let mut stream = request.into_inner();
        let (mut path, mut bytes) = (String::new(), Vec::new());
        while let Some(data) = stream.next().await {
            match data?.result {
                Some(file_data::Result::Metadata(m)) => path = m.path,
                Some(file_data::Result::Chunk(c)) => bytes.extend(c.data),
                _ => {}
            }
        }
        self.seen.lock().unwrap().uploads.insert(path, bytes);
        Ok(Response::new(GenericResponse { success: true, message: String::new() }))
    }

    async fn submit_result(&self, request: Request<TaskResultRequest>) -> Result<Response<TaskResultResponse>, Status> {
        self.seen.lock().unwrap().results.push(request.into_inner());
        Ok(Response::new(TaskResultResponse { r#continue: false }))
    }
}

fn serve(node: TestNode, socket: PathBuf) {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::UnixListener::bind(&socket).unwrap();
            tonic::transport::Server::builder()
                .add_service(VmServiceServer::new(node))
                .serve_with_incoming(tokio_stream::wrappers::UnixListenerStream::new(listener))
                .await
                .unwrap();
        });
    });
}

#[test]
fn verifier_v1_grpc_form_gets_its_task_and_files_and_submits_the_result() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    std::fs::create_dir_all(&workspace).unwrap();
    let task = Task {
        id: "grpc-1".into(),
        name: "verify".into(),
        args: [
            "--proof",
            "/workspace/proof.json",
            "--params",
            &format!("/workspace/{}", params_name()),
            "--keys-dir",
            s(&f.keys),
        ]
        .map(String::from)
        .to_vec(),
        files: vec!["/workspace/proof.json".into(), format!("/workspace/{}", params_name())],
    };
    let files = HashMap::from([
        ("/workspace/proof.json".to_string(), f.proof()),
        (format!("/workspace/{}", params_name()), f.params.clone()),
    ]);
    let seen = Arc::new(Mutex::new(Seen::default()));
    let socket = dir.path().join("vm.sock_8080");
    serve(TestNode { task, files, seen: seen.clone() }, socket.clone());

    let out = run("verifier", &[("GEVULOT_WORKSPACE", &workspace), ("GEVULOT_GRPC_UNIX", &socket)], "v1-grpc", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("fork and exec are forbidden"));
    assert_eq!(std::fs::read(workspace.join("proof.json")).unwrap(), std::fs::read(f.proof()).unwrap());

    let seen = seen.lock().unwrap();
    assert_eq!(seen.results.len(), 1);
    let Some(task_result_request::Result::Task(TaskResult { id, data, files })) = &seen.results[0].result else {
        panic!("a task result, not an error: {:?}", seen.results[0]);
    };
    assert_eq!((id.as_str(), files.len()), ("grpc-1", 0));
    let data: Value = serde_json::from_slice(data).unwrap();
    assert_eq!(data["is_success"], true, "{data}");
    assert_eq!(data["proof_file"], "/workspace/proof.json");
}

#[test]
fn prover_v1_grpc_form_uploads_the_proof_with_its_blake3_checksum() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    std::fs::create_dir_all(&workspace).unwrap();
    let params = format!("/workspace/{}", params_name());
    let task = Task {
        id: "grpc-2".into(),
        name: "prove".into(),
        args: ["--witness", "/workspace/witness.json", "--params", &params, "--keys-dir", s(&f.keys)]
            .map(String::from)
            .to_vec(),
        files: vec!["/workspace/witness.json".into(), params.clone()],
    };
    let files = HashMap::from([("/workspace/witness.json".to_string(), f.witness.clone()), (params, f.params.clone())]);
    let seen = Arc::new(Mutex::new(Seen::default()));
    let socket = dir.path().join("vm.sock_8080");
    serve(TestNode { task, files, seen: seen.clone() }, socket.clone());
    let out = run("prover", &[("GEVULOT_WORKSPACE", &workspace), ("GEVULOT_GRPC_UNIX", &socket)], "v1-grpc", &[]);
    assert!(out.status.success(), "{}", stderr(&out));

    let seen = seen.lock().unwrap();
    let Some(task_result_request::Result::Task(TaskResult { id, data, files })) = &seen.results[0].result else {
        panic!("a task result, not an error: {:?}", seen.results[0]);
    };
    assert_eq!(id, "grpc-2");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].path, "/workspace/grpc-2/proof.json", "the proof, named as the node sees it");
    let uploaded = &seen.uploads[&files[0].path];
    assert_eq!(files[0].checksum, blake3::hash(uploaded).as_bytes().to_vec(), "BLAKE3 of the uploaded bytes");
    assert_eq!(uploaded, &std::fs::read(workspace.join("grpc-2/proof.json")).unwrap());
    let proof: Value = serde_json::from_slice(uploaded).unwrap();
    let data: Value = serde_json::from_slice(data).unwrap();
    assert_eq!((proof["block_number"].as_u64(), data["block_number"].as_u64()), (Some(f.block), Some(f.block)));
    assert_eq!(proof["timings"]["keys_source"], "cache");
}

#[test]
fn a_task_whose_files_the_node_cannot_give_is_reported_failed() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    std::fs::create_dir_all(&workspace).unwrap();
    let task = Task {
        id: "grpc-3".into(),
        name: "prove".into(),
        args: ["--witness", "/workspace/witness.json"].map(String::from).to_vec(),
        files: vec!["/workspace/witness.json".into()],
    };
    let seen = Arc::new(Mutex::new(Seen::default()));
    let socket = dir.path().join("vm.sock_8080");
    serve(TestNode { task, files: HashMap::new(), seen: seen.clone() }, socket.clone());
    let out = run("prover", &[("GEVULOT_WORKSPACE", &workspace), ("GEVULOT_GRPC_UNIX", &socket)], "v1-grpc", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("GetFile /workspace/witness.json"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.results.len(), 1, "the failure still reaches the node");
    assert!(matches!(seen.results[0].result, Some(task_result_request::Result::Error(1))));
}
