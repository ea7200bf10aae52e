//! Closing the listener without cutting anyone off. Closing a listening socket resets every
//! connection still waiting in the kernel's queue: their clients have connected and sent a
//! request, and get no answer. So the server first stops accepting; then this module accepts
//! what still arrives, for a moment, and answers it 503 `Connection: close`; then it shuts the
//! socket, from which instant connections are refused at connect, which clients and proxies
//! retry elsewhere. Meanwhile connections accepted just before reach their workers, which drop
//! any still queued when they stop.

use std::net::TcpListener;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long connections are answered 503 between the server's last accept and the close.
const HAND_OVER: Duration = Duration::from_millis(50);
/// How long a refused connection's request may take to arrive, and its rest to be read.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(1);

const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
content-length: 37\r\nretry-after: 1\r\nconnection: close\r\n\r\n{\"detail\":\"Service is shutting down\"}";

/// Takes over `listener` (a second handle to the server's socket, which must have stopped
/// accepting), answers what arrives for [`HAND_OVER`], then shuts the socket.
pub async fn close_gracefully(listener: TcpListener) {
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
    if let Err(error) = socket2::SockRef::from(&listener).shutdown(std::net::Shutdown::Read) {
        tracing::warn!(%error, "the listener could not be shut");
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

        close_gracefully(listener.try_clone().unwrap()).await;

        let mut answer = String::new();
        waiting.read_to_string(&mut answer).await.expect("answered, not reset");
        assert!(answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"), "{answer}");
        assert!(answer.ends_with("\r\n\r\n{\"detail\":\"Service is shutting down\"}"), "{answer}");
        let refused = TcpStream::connect(address).await;
        assert_eq!(refused.unwrap_err().kind(), std::io::ErrorKind::ConnectionRefused);
        drop(listener);
    }
}
