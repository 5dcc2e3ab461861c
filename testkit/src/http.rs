//! A deliberately tiny HTTP/1.1 server: one thread per connection, `Connection: close`. Server
//! crates do not let a handler drop a connection mid-answer or send a short body, which is
//! exactly what the fault tests need.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    thread::JoinHandle,
};

/// What to send back for one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// An answer.
    Status {
        /// The HTTP status.
        code: u16,
        /// Its headers.
        headers: Vec<(String, String)>,
        /// Its body.
        body: Vec<u8>,
    },
    /// Close the connection without answering.
    Drop,
    /// Announce the full length but send only the first half of the body, then close.
    Truncated(Vec<u8>),
}

impl Reply {
    /// 200 with a JSON body.
    pub fn json(body: Vec<u8>) -> Self {
        Reply::Status { code: 200, headers: vec![("content-type".into(), "application/json".into())], body }
    }
}

/// Answers one request's body.
pub type Handler = dyn Fn(&[u8]) -> Reply + Send + Sync;

/// A small HTTP/1.1 server on loopback, one thread per connection, stopped when dropped.
pub struct HttpServer {
    /// Its address, as `http://127.0.0.1:PORT`.
    pub url: String,
    addr: std::net::SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HttpServer {
    /// Serves `handler` on any free port.
    pub fn start(handler: Arc<Handler>) -> std::io::Result<Self> {
        Self::start_on(0, handler)
    }

    /// Serves `handler` on `port` (0: any free one).
    pub fn start_on(port: u16, handler: Arc<Handler>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = stop.clone();
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop_flag.load(Ordering::Relaxed) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let handler = handler.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &*handler);
                });
            }
        });
        Ok(Self { url: format!("http://{addr}"), addr, stop, thread: Some(thread) })
    }

    /// Serves until the process ends (for the command-line replay node).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(stream: TcpStream, handler: &Handler) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut length = 0usize;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((name, value)) = l.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let mut out = stream;
    match handler(&body) {
        Reply::Drop => Ok(()),
        Reply::Truncated(body) => {
            write!(
                out,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            )?;
            out.write_all(&body[..body.len() / 2])?;
            out.flush()
        }
        Reply::Status { code, headers, body } => {
            write!(out, "HTTP/1.1 {code} {}\r\ncontent-length: {}\r\nconnection: close\r\n", reason(code), body.len())?;
            for (k, v) in headers {
                write!(out, "{k}: {v}\r\n")?;
            }
            out.write_all(b"\r\n")?;
            out.write_all(&body)?;
            out.flush()
        }
    }
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
