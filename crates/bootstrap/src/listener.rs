//! Closing the listener without cutting anyone off. Closing a listening socket resets every
//! connection still waiting in the kernel's queue: their clients have connected and sent a
//! request, and get no answer. So, on Linux, the listener is first sealed ([`seal`]): it admits
//! no new connection into the queue while the server, still accepting, takes and serves every
//! one already there. Then the server stops accepting and the socket is shut, from which
//! instant connections are refused at connect, which clients and proxies retry elsewhere.
//! Where the listener cannot be sealed, [`close_gracefully`] accepts what still arrives, for a
//! moment, and answers it 503 `Connection: close` before shutting. Meanwhile connections
//! accepted just before reach their workers, which drop any still queued when they stop.

use std::net::TcpListener;
use std::time::Duration;
#[cfg(target_os = "linux")]
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a handshake under way as the listener is sealed may take to complete: a round
/// trip, a few milliseconds between hosts of one network.
#[cfg(target_os = "linux")]
const HANDSHAKES: Duration = Duration::from_millis(100);
/// How long the server may take to accept the connections queued once sealed.
#[cfg(target_os = "linux")]
const SEALING_TIMEOUT: Duration = Duration::from_secs(1);
/// How long connections are answered 503 between the server's last accept and the close.
const HAND_OVER: Duration = Duration::from_millis(50);
/// How long a refused connection's request may take to arrive, and its rest to be read.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(1);

const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
content-length: 37\r\nretry-after: 1\r\nconnection: close\r\n\r\n{\"detail\":\"Service is shutting down\"}";

/// Seals `listener` while the server still accepts from it (Linux): a filter on the socket
/// drops every SYN, so no handshake starts, while those under way complete (the ACK that ends
/// a handshake, and the data after it, pass the listener's filter too, and are kept). A client
/// whose SYN is dropped sends it again a second later, by then to a closed port (refused,
/// retried elsewhere: nothing was sent) or to the next process on it; a proxy's connect
/// timeout moves it to another replica the same way. Then, [`HANDSHAKES`] later, waits at
/// most [`SEALING_TIMEOUT`] until the server has taken every connection queued. True when the
/// queue is empty and stays so: the server may stop accepting and the socket be shut at once.
/// False where the filter could not be attached (other systems) or the queue did not empty in
/// time; [`close_gracefully`] then answers what is left.
pub async fn seal(listener: &TcpListener) -> bool {
    #[cfg(target_os = "linux")]
    {
        if let Err(error) = socket2::SockRef::from(listener).attach_filter(&DROP_SYNS) {
            tracing::warn!(%error, "the listener could not be sealed; answering what is left with 503");
            return false;
        }
        tokio::time::sleep(HANDSHAKES).await;
        let deadline = Instant::now() + SEALING_TIMEOUT;
        loop {
            match waiting(listener) {
                Ok(false) => return true,
                Ok(true) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(1)).await,
                Ok(true) => return false,
                Err(error) => {
                    tracing::warn!(%error, "the listener's queue could not be read; answering what is left with 503");
                    return false;
                }
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = listener;
        false
    }
}

/// A classic BPF program, run by the kernel on each segment that reaches the listening socket,
/// which sees it from its TCP header on: a segment with the SYN flag is dropped (keep 0 bytes),
/// any other kept whole.
#[cfg(target_os = "linux")]
const DROP_SYNS: [socket2::SockFilter; 4] = [
    // BPF_LD | BPF_B | BPF_ABS: the byte at offset 13 of the TCP header, its flags.
    socket2::SockFilter::new(0x30, 0, 0, 13),
    // BPF_JMP | BPF_JSET | BPF_K: SYN (0x02) set? the next instruction; else skip it.
    socket2::SockFilter::new(0x45, 0, 1, 0x02),
    // BPF_RET | BPF_K: keep no byte (drop).
    socket2::SockFilter::new(0x06, 0, 0, 0),
    // BPF_RET | BPF_K: keep every byte.
    socket2::SockFilter::new(0x06, 0, 0, u32::MAX),
];

/// Whether a connection waits in `listener`'s queue: a listening socket polls readable then.
#[cfg(target_os = "linux")]
fn waiting(listener: &TcpListener) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    let mut descriptor = libc::pollfd { fd: listener.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid `pollfd`, for a descriptor `listener` keeps open during the call; a zero
    // timeout: poll(2) only reads the socket's state and writes `revents`.
    if unsafe { libc::poll(&raw mut descriptor, 1, 0) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(descriptor.revents & libc::POLLIN != 0)
}

/// Closes `listener` (a second handle to the server's socket, which must have stopped
/// accepting). Unless it was [`seal`]ed, first answers what arrives for [`HAND_OVER`].
pub async fn close_gracefully(listener: TcpListener, sealed: bool) {
    if !sealed {
        hand_over(&listener).await;
    }
    if let Err(error) = socket2::SockRef::from(&listener).shutdown(std::net::Shutdown::Read) {
        tracing::warn!(%error, "the listener could not be shut");
    }
}

/// Accepts what still arrives for [`HAND_OVER`] and answers it 503.
async fn hand_over(listener: &TcpListener) {
    match listener
        .set_nonblocking(true)
        .and_then(|()| tokio::net::TcpListener::from_std(listener.try_clone()?))
    {
        Ok(accepting) => {
            let deadline = tokio::time::sleep(HAND_OVER);
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    () = &mut deadline => break,
                    accepted = accepting.accept() => {
                        if let Ok((connection, _)) = accepted {
                            tokio::spawn(refuse(connection));
                        }
                    }
                }
            }
        }
        Err(error) => tracing::warn!(%error, "the listener could not be taken over; closing it at once"),
    }
}

/// Reads the request's head, answers 503, then reads whatever else was sent: closing a socket
/// with unread data would reset it, and the client could lose the answer.
async fn refuse(mut connection: TcpStream) {
    let _ = tokio::time::timeout(REFUSAL_TIMEOUT, async {
        let mut received = Vec::new();
        let mut buffer = [0; 4096];
        while !received.windows(4).any(|window| window == b"\r\n\r\n") {
            match connection.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(read) => received.extend_from_slice(&buffer[..read]),
            }
            if received.len() > 64 * 1024 {
                break;
            }
        }
        if connection.write_all(REFUSAL).await.is_err() || connection.shutdown().await.is_err() {
            return;
        }
        while matches!(connection.read(&mut buffer).await, Ok(read) if read > 0) {}
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server's side: a second handle to `listener`, accepting.
    #[cfg(target_os = "linux")]
    fn server(listener: &TcpListener) -> tokio::net::TcpListener {
        let accepting = listener.try_clone().unwrap();
        accepting.set_nonblocking(true).unwrap();
        tokio::net::TcpListener::from_std(accepting).unwrap()
    }

    async fn assert_refused(address: std::net::SocketAddr) {
        let refused = TcpStream::connect(address).await;
        assert_eq!(refused.unwrap_err().kind(), std::io::ErrorKind::ConnectionRefused);
    }

    #[tokio::test]
    async fn a_waiting_connection_is_answered_503_and_later_ones_are_refused_at_connect() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        // Connected and sent, but never accepted: it waits in the kernel's queue.
        let mut waiting = TcpStream::connect(address).await.unwrap();
        waiting
            .write_all(b"POST /todos/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
            .await
            .unwrap();

        close_gracefully(listener.try_clone().unwrap(), false).await;

        let mut answer = String::new();
        waiting.read_to_string(&mut answer).await.expect("answered, not reset");
        assert!(answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"), "{answer}");
        assert!(answer.ends_with("\r\n\r\n{\"detail\":\"Service is shutting down\"}"), "{answer}");
        assert_refused(address).await;
        drop(listener);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_sealed_listener_leaves_the_queue_to_the_server_and_admits_no_new_connection() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let mut waiting = TcpStream::connect(address).await.unwrap();
        waiting.write_all(b"GET /todos/ HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        // The server, still accepting while the listener is sealed: it takes the waiting one.
        let server = server(&listener);
        let serving = tokio::spawn(async move { server.accept().await.unwrap().0 });

        assert!(seal(&listener).await, "the queue emptied");
        let mut served = serving.await.unwrap();
        let mut request = Vec::new();
        while !request.ends_with(b"\r\n\r\n") {
            let mut byte = [0];
            served.read_exact(&mut byte).await.unwrap();
            request.push(byte[0]);
        }
        served.write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n").await.unwrap();
        drop(served);
        let mut answer = String::new();
        waiting.read_to_string(&mut answer).await.expect("answered by the server, not reset");
        assert!(answer.starts_with("HTTP/1.1 204 No Content\r\n"), "{answer}");
        // A new connection is not admitted: its SYN is dropped (it would be sent again in 1 s).
        let late = tokio::time::timeout(Duration::from_millis(300), TcpStream::connect(address)).await;
        assert!(late.is_err(), "a connection was admitted into a sealed listener: {late:?}");

        close_gracefully(listener.try_clone().unwrap(), true).await;
        assert_refused(address).await;
        drop(listener);
    }

    /// A handshake under way as the listener is sealed completes. With `TCP_DEFER_ACCEPT`, the
    /// kernel keeps a connection half-open until its client's first data: the client has
    /// connected, the listener's queue is empty, and the connection completes only when its
    /// request arrives, after the seal.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_handshake_under_way_when_the_listener_is_sealed_completes() {
        use std::os::fd::AsRawFd;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let seconds: libc::c_int = 30;
        // SAFETY: a valid descriptor, and an option value of the size given, read during the call.
        let set = unsafe {
            libc::setsockopt(
                listener.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_DEFER_ACCEPT,
                (&raw const seconds).cast(),
                std::mem::size_of_val(&seconds) as libc::socklen_t,
            )
        };
        assert_eq!(set, 0, "{}", std::io::Error::last_os_error());
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        assert!(!waiting(&listener).unwrap(), "the connection is still half-open");

        assert!(seal(&listener).await);
        client.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let server = server(&listener);
        let accepted = tokio::time::timeout(Duration::from_secs(10), server.accept()).await;
        let (mut served, _) = accepted.expect("the connection completed").unwrap();
        let mut request = [0; 4];
        served.read_exact(&mut request).await.unwrap();
        assert_eq!(&request, b"GET ");
    }
}
