//! An S3-compatible server for tests: moto's server mode (PyPI), on loopback, one per test
//! binary, in a virtual environment under the target directory (installed on first use; CI
//! installs it beforehand).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The moto version the tests were written against.
pub const MOTO_VERSION: &str = "5.2.5";

/// A running moto server; stopped when dropped.
pub struct S3Server {
    pub endpoint: String,
    child: Child,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

static INSTALL: Mutex<()> = Mutex::new(());

fn venv() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"), PathBuf::from);
    target.join("moto-venv")
}

/// `moto_server` from the virtual environment, installed there if missing.
///
/// # Panics
/// When Python cannot make the environment or pip cannot install moto.
pub fn moto_server() -> PathBuf {
    let _installing = INSTALL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let venv = venv();
    let server = venv.join("bin").join("moto_server");
    if !server.exists() {
        let made =
            Command::new("python3").arg("-m").arg("venv").arg(&venv).status().expect("BUG: no python3");
        assert!(made.success(), "python3 -m venv {} failed", venv.display());
        let pip = venv.join("bin").join("pip");
        let installed = Command::new(pip)
            .args(["install", "-q", &format!("moto[server]=={MOTO_VERSION}")])
            .status()
            .expect("BUG: pip did not run");
        assert!(installed.success(), "pip install moto[server] failed");
    }
    server
}

/// Starts moto on a free loopback port with `bucket` created, within 60 s.
///
/// # Panics
/// When it does not start or answer in time.
pub fn start_s3(bucket: &str) -> S3Server {
    let server = moto_server();
    let port =
        TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("BUG: no free port").port();
    let child = Command::new(server)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("BUG: moto_server did not start");
    let s3 = S3Server { endpoint: format!("http://127.0.0.1:{port}"), child };
    let deadline = Instant::now() + Duration::from_secs(60);
    while request(port, "GET", "/") != Some(200) {
        assert!(Instant::now() < deadline, "moto did not answer on port {port} within 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(request(port, "PUT", &format!("/{bucket}")), Some(200), "creating bucket {bucket}");
    s3
}

/// The status of a bare HTTP/1.1 request, if any answer came.
fn request(port: u16, method: &str, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.split(' ').nth(1)?.parse().ok()
}
