//! A TCP proxy in front of the database that a test can cut, to play an outage.

use std::net::SocketAddr;

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Pass bytes both ways.
    Forward,
    /// Close every connection and refuse new ones: a database that is down.
    Refuse,
    /// Freeze every connection and accept new ones that never answer: a network
    /// path that silently drops packets.
    Blackhole,
}

pub struct TcpProxy {
    pub address: SocketAddr,
    mode: watch::Sender<Mode>,
    tasks: tokio::task::AbortHandle,
}

impl TcpProxy {
    /// Listens on a free loopback port and forwards to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("BUG: no port for the proxy");
        let address = listener.local_addr().expect("BUG: the proxy has no address");
        let (mode, watcher) = watch::channel(Mode::Forward);
        let tasks = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                let watcher = watcher.clone();
                match *watcher.borrow() {
                    Mode::Refuse => continue,
                    Mode::Forward => connections.spawn(forward(client, upstream, watcher.clone())),
                    Mode::Blackhole => connections.spawn(async move { hold(client).await }),
                };
            }
        })
        .abort_handle();
        Self { address, mode, tasks }
    }

    pub fn cut(&self) {
        self.mode.send_replace(Mode::Refuse);
    }

    pub fn blackhole(&self) {
        self.mode.send_replace(Mode::Blackhole);
    }

    /// Forwards new connections again; frozen ones stay frozen until their client gives up.
    pub fn restore(&self) {
        self.mode.send_replace(Mode::Forward);
    }
}

async fn forward(mut client: TcpStream, upstream: SocketAddr, mut mode: watch::Receiver<Mode>) {
    let Ok(mut server) = TcpStream::connect(upstream).await else { return };
    let frozen = tokio::select! {
        _ = copy_bidirectional(&mut client, &mut server) => false,
        changed = mode.wait_for(|mode| *mode != Mode::Forward) => matches!(changed.map(|mode| *mode), Ok(Mode::Blackhole)),
    };
    if frozen {
        hold((client, server)).await;
    }
}

/// Keeps sockets open and silent forever.
async fn hold<T>(_sockets: T) {
    std::future::pending::<()>().await;
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.tasks.abort();
    }
}
