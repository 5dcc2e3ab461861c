//! The v1 devnet form: the program asks the node for its task over gRPC on vsock (the node is the
//! host, CID 2, port 8080), downloads the task's files into /workspace/<task id>/, runs it,
//! uploads the result files and submits the result with each file's BLAKE3 checksum. The node
//! answers whether to wait for another task. gRPC needs an async runtime: a current-thread one
//! lives inside this module only; the program's main stays synchronous and the handler runs
//! outside the runtime.

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use hyper_util::rt::TokioIo;
use tonic::transport::{Channel, Uri};

use super::{Handler, ShimError, TaskContext, TaskOutput};

/// The node's gRPC interface (proto/vm_service.proto), as tonic generates it.
#[allow(missing_docs, unreachable_pub)]
pub mod proto {
    tonic::include_proto!("vm_service");
}

use proto::{
    file_data, task_response, task_result_request, vm_service_client::VmServiceClient, FileChunk, FileData,
    FileMetadata, GetFileRequest, TaskRequest, TaskResultRequest,
};

/// Chunk size of file transfers.
const CHUNK: usize = 64 * 1024;
/// How long the node may take to answer the first connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the node listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// A vsock address.
    Vsock {
        /// The context id (2: the host).
        cid: u32,
        /// The port.
        port: u32,
    },
    /// A unix socket: how vhost-user vsock exposes the guest's connections on the host, and how
    /// the shim is tested outside a VM.
    Unix(PathBuf),
}

impl Endpoint {
    /// The node as a VM reaches it: the host, port 8080.
    pub const HOST_VSOCK: Endpoint = Endpoint::Vsock { cid: 2, port: 8080 };
}

async fn connect(endpoint: &Endpoint) -> Result<Channel, tonic::transport::Error> {
    // The URI is a placeholder: the connector decides where the bytes go.
    let uri = tonic::transport::Endpoint::from_static("http://[::]:8080");
    match endpoint.clone() {
        Endpoint::Vsock { cid, port } => {
            uri.connect_with_connector(tower::service_fn(move |_: Uri| async move {
                let stream = tokio_vsock::VsockStream::connect(tokio_vsock::VsockAddr::new(cid, port)).await?;
                Ok::<_, std::io::Error>(TokioIo::new(stream))
            }))
            .await
        }
        Endpoint::Unix(path) => {
            uri.connect_with_connector(tower::service_fn(move |_: Uri| {
                let path = path.clone();
                async move { Ok::<_, std::io::Error>(TokioIo::new(tokio::net::UnixStream::connect(path).await?)) }
            }))
            .await
        }
    }
}

struct Node {
    rt: tokio::runtime::Runtime,
    client: VmServiceClient<Channel>,
}

impl Node {
    fn connect(endpoint: &Endpoint) -> Result<Node, ShimError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| grpc("starting the gRPC runtime", e))?;
        let start = Instant::now();
        let channel = loop {
            match rt.block_on(connect(endpoint)) {
                Ok(channel) => break channel,
                Err(e) if start.elapsed() < CONNECT_TIMEOUT => {
                    tracing::debug!("node not reachable yet at {endpoint:?}: {e}");
                    std::thread::sleep(Duration::from_millis(500));
                }
                Err(e) => return Err(grpc(format!("connecting to the node at {endpoint:?}"), e)),
            }
        };
        Ok(Node { rt, client: VmServiceClient::new(channel) })
    }

    /// The next task; None when the node has none yet.
    fn task(&mut self) -> Result<Option<proto::Task>, ShimError> {
        let answer = self.rt.block_on(self.client.get_task(TaskRequest {})).map_err(|e| grpc("GetTask", e))?;
        Ok(match answer.into_inner().result {
            Some(task_response::Result::Task(task)) => Some(task),
            Some(task_response::Result::Error(_)) | None => None,
        })
    }

    fn download(&mut self, task_id: &str, name: &str, to: &Path) -> Result<(), ShimError> {
        let fail = |e: String| grpc(format!("GetFile {name}"), e);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
        }
        let request = GetFileRequest { task_id: task_id.into(), path: name.into() };
        let bytes = self.rt.block_on(async {
            let mut stream = self.client.get_file(request).await.map_err(|e| fail(e.to_string()))?.into_inner();
            let mut bytes = Vec::new();
            while let Some(data) = stream.message().await.map_err(|e| fail(e.to_string()))? {
                match data.result {
                    Some(file_data::Result::Chunk(chunk)) => bytes.extend_from_slice(&chunk.data),
                    Some(file_data::Result::Error(code)) => {
                        return Err(fail(format!("the node answered error {code}")))
                    }
                    Some(file_data::Result::Metadata(_)) | None => {}
                }
            }
            Ok(bytes)
        })?;
        std::fs::write(to, &bytes).map_err(|e| fail(format!("{}: {e}", to.display())))?;
        tracing::info!(file = name, bytes = bytes.len(), "downloaded");
        Ok(())
    }

    fn upload(&mut self, task_id: &str, path: &Path, said: &Path) -> Result<Vec<u8>, ShimError> {
        let fail = |e: String| grpc(format!("SubmitFile {}", path.display()), e);
        let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        let mut messages = vec![FileData {
            result: Some(file_data::Result::Metadata(FileMetadata {
                task_id: task_id.into(),
                path: said.display().to_string(),
            })),
        }];
        messages.extend(
            bytes
                .chunks(CHUNK)
                .map(|c| FileData { result: Some(file_data::Result::Chunk(FileChunk { data: c.to_vec() })) }),
        );
        let answer = self
            .rt
            .block_on(self.client.submit_file(tokio_stream::iter(messages)))
            .map_err(|e| fail(e.to_string()))?
            .into_inner();
        if !answer.success {
            return Err(fail(answer.message));
        }
        Ok(blake3::hash(&bytes).as_bytes().to_vec())
    }

    /// Sends the result; returns whether the node has another task for this VM.
    fn submit(&mut self, result: task_result_request::Result) -> Result<bool, ShimError> {
        let request = TaskResultRequest { result: Some(result) };
        let answer = self.rt.block_on(self.client.submit_result(request)).map_err(|e| grpc("SubmitResult", e))?;
        Ok(answer.into_inner().r#continue)
    }
}

/// Runs the node's tasks until it has no more for this VM.
pub fn run(workspace: &Path, endpoint: &Endpoint, handler: Handler<'_>) -> Result<(), ShimError> {
    let mut node = Node::connect(endpoint)?;
    let mut failures = Vec::new();
    loop {
        let Some(task) = node.task()? else {
            std::thread::sleep(Duration::from_secs(1));
            continue;
        };
        tracing::info!(id = %task.id, name = %task.name, args = ?task.args, files = ?task.files, "task");
        let outcome = run_one(&mut node, &task, workspace, handler);
        let result = match outcome {
            Ok(result) => task_result_request::Result::Task(result),
            Err(e) => {
                tracing::error!(id = %task.id, "task failed: {e}");
                failures.push(format!("task {}: {e}", task.id));
                task_result_request::Result::Error(proto::TaskError::Failed as i32)
            }
        };
        if !node.submit(result)? {
            break;
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(ShimError::TasksFailed(failures))
    }
}

fn grpc(call: impl Into<String>, reason: impl std::fmt::Display) -> ShimError {
    ShimError::Grpc { call: call.into(), reason: reason.to_string() }
}

/// Where a task file named `name` goes: a /workspace path where it says, anything else under
/// the task's own directory.
fn local_path(workspace: &Path, task_dir: &Path, name: &str) -> PathBuf {
    match Path::new(name).strip_prefix(super::WORKSPACE) {
        Ok(rest) => workspace.join(rest),
        Err(_) => task_dir.join(name.trim_start_matches('/')),
    }
}

fn run_one(
    node: &mut Node,
    task: &proto::Task,
    workspace: &Path,
    handler: Handler<'_>,
) -> Result<proto::TaskResult, ShimError> {
    let dir = workspace.join(&task.id);
    std::fs::create_dir_all(&dir).map_err(ShimError::io(&dir))?;
    let mut files = Vec::new();
    for name in &task.files {
        let to = local_path(workspace, &dir, name);
        node.download(&task.id, name, &to)?;
        files.push(to);
    }
    let ctx = TaskContext {
        id: task.id.clone(),
        args: task.args.clone(),
        files,
        input_dir: dir.clone(),
        output_dir: dir,
        moved: super::moved(super::WORKSPACE, workspace),
    };
    let TaskOutput { data, files } = handler(&ctx).map_err(ShimError::Task)?;
    let mut sent = Vec::new();
    for path in &files {
        let said = ctx.said(path);
        let checksum = node.upload(&task.id, path, &said)?;
        sent.push(proto::File { path: said.display().to_string(), checksum });
    }
    Ok(proto::TaskResult { id: task.id.clone(), data, files: sent })
}
