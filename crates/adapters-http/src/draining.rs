//! Draining before a stop, in two phases. From SIGTERM, `/health/ready` answers 503 while
//! requests are still served as usual, so that load balancers that probe it move away. Then,
//! once the listener is closed, every response carries `Connection: close`: each kept-alive
//! connection ends after its next answer, and its client's next request is refused at
//! connect, which clients and proxies retry elsewhere, instead of being cut off.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::web;

const SERVING: u8 = 0;
const NOT_READY: u8 = 1;
const CLOSING_CONNECTIONS: u8 = 2;

/// How far the stop has come; shared by every worker and the code that stops the process.
#[derive(Debug, Clone, Default)]
pub struct Draining(Arc<AtomicU8>);

impl Draining {
    pub fn new() -> Self {
        Self::default()
    }

    /// Readiness answers 503 from now on.
    pub fn stop_being_ready(&self) {
        self.0.fetch_max(NOT_READY, Ordering::SeqCst);
    }

    /// Every response from now on asks its client to close the connection.
    pub fn close_connections(&self) {
        self.0.fetch_max(CLOSING_CONNECTIONS, Ordering::SeqCst);
    }

    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::SeqCst) == SERVING
    }

    fn closes_connections(&self) -> bool {
        self.0.load(Ordering::SeqCst) == CLOSING_CONNECTIONS
    }
}

/// `Connection: close` once [`Draining::close_connections`] was called (checked when the
/// response is ready: a request that started before gets it too).
pub async fn close_connections_when_stopping<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let draining = req.app_data::<web::Data<Draining>>().cloned();
    let mut response = next.call(req).await?;
    if draining.is_some_and(|draining| draining.closes_connections()) {
        response.response_mut().head_mut().set_connection_type(ConnectionType::Close);
    }
    Ok(response)
}
