//! An SMTP server for tests: it takes messages and keeps them, refuses them, or stalls,
//! as the test says. Just enough SMTP for lettre: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};

/// How the server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// `550` for every recipient: a refusal for good.
    Refuse,
    /// `451` for every recipient: "try again later".
    Defer,
    /// Accepts connections and never says a word.
    Stall,
}

/// A message as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message itself (headers and body), as sent after `DATA`.
    pub data: String,
}

#[derive(Default)]
struct State {
    mode: Mutex<Option<Mode>>,
    received: Mutex<Vec<Received>>,
    arrived: Notify,
    connections: AtomicUsize,
}

/// The running server; dropping it closes the port and every connection.
pub struct SmtpSink {
    pub port: u16,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl SmtpSink {
    /// A server on a free port of the loopback interface.
    pub async fn start(mode: Mode) -> Self {
        Self::start_on(0, mode).await
    }

    /// A server on `port` (0: any free one), for instance where an earlier one was stopped.
    ///
    /// # Panics
    /// When the port cannot be bound.
    pub async fn start_on(port: u16, mode: Mode) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("BUG: the SMTP sink cannot bind");
        let port = listener.local_addr().expect("BUG: no local address").port();
        let state = Arc::new(State { mode: Mutex::new(Some(mode)), ..State::default() });
        let task = tokio::spawn(serve(listener, state.clone()));
        Self { port, state, task }
    }

    /// The URL to give the service: plain SMTP, no TLS.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.state.mode.lock().unwrap_or_else(PoisonError::into_inner) = Some(mode);
    }

    /// The messages received so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// How many connections clients have opened.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// Waits until `count` messages have arrived, and returns them.
    ///
    /// # Panics
    /// When they have not arrived `within` that time.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let arrived = self.state.arrived.notified();
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!("{count} messages expected within {within:?}, {} arrived", self.received().len());
            }
        }
    }

    /// Waits until some client has connected `count` times in all.
    ///
    /// # Panics
    /// When it has not `within` that time.
    pub async fn wait_for_connections(&self, count: usize, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        while self.connections() < count {
            assert!(tokio::time::Instant::now() < deadline, "{count} connections expected within {within:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(listener: TcpListener, state: Arc<State>) {
    // Owned here, so that aborting this task also ends every connection.
    let mut connections = JoinSet::new();
    while let Ok((stream, _)) = listener.accept().await {
        state.connections.fetch_add(1, Ordering::SeqCst);
        connections.spawn(converse(stream, state.clone()));
    }
}

async fn converse(stream: TcpStream, state: Arc<State>) -> std::io::Result<()> {
    let mode = || state.mode.lock().unwrap_or_else(PoisonError::into_inner).unwrap_or(Mode::Accept);
    if mode() == Mode::Stall {
        std::future::pending::<()>().await;
    }
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    writer.write_all(b"220 sink.test ESMTP\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    while let Some(line) = lines.next_line().await? {
        let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink.test\r\n250 8BITMIME\r\n",
            "HELO" | "NOOP" => b"250 OK\r\n",
            "RSET" => {
                (from, to) = (String::new(), Vec::new());
                b"250 OK\r\n"
            }
            "MAIL" => {
                from = address(&line);
                b"250 OK\r\n"
            }
            "RCPT" => match mode() {
                Mode::Refuse => b"550 5.1.1 no such user\r\n",
                Mode::Defer => b"451 4.3.0 try again later\r\n",
                _ => {
                    to.push(address(&line));
                    b"250 OK\r\n"
                }
            },
            "DATA" => {
                writer.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = String::new();
                while let Some(line) = lines.next_line().await? {
                    if line == "." {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').filter(|_| line.starts_with("..")).unwrap_or(&line));
                    data.push_str("\r\n");
                }
                let message = Received { from: std::mem::take(&mut from), to: std::mem::take(&mut to), data };
                state.received.lock().unwrap_or_else(PoisonError::into_inner).push(message);
                state.arrived.notify_waiters();
                b"250 OK queued\r\n"
            }
            "QUIT" => {
                writer.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 command not implemented\r\n",
        };
        writer.write_all(reply).await?;
    }
    Ok(())
}

/// The address between angle brackets of `MAIL FROM:<a@b>` or `RCPT TO:<a@b>`.
fn address(line: &str) -> String {
    let start = line.find('<').map_or(0, |i| i + 1);
    let end = line[start..].find('>').map_or(line.len(), |i| start + i);
    line[start..end].to_owned()
}
