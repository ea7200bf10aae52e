//! The live-event signals between processes, and the principal cache that those signals keep
//! current: wired together, since a change of access seen in any process forgets the cached
//! principals in every process (ADR 0010, 0011, 0016).

use std::sync::Arc;
use std::time::Duration;

use todo_adapters_cache::{CacheLimits, CachedPrincipals};
use todo_adapters_db::Pool;
use todo_adapters_messaging::{
    AccessObserver, Broadcast, LocalSignals, PgBroadcast, RedisBroadcast, RemoteSignals,
};
use todo_application::ports::{EventSignals, PrincipalStore};

use crate::settings::{AuthSettings, Settings, SignalTransport};
use crate::workers::AbortOnDrop;

/// Live-event signals between every process of the service, coalesced (ADR 0010, 0011):
/// through Redis pub/sub when configured, otherwise PostgreSQL's `NOTIFY`; on SQLite within
/// this process only (one process owns the file).
pub(super) fn signals(
    settings: &Settings,
    pool: &Pool,
    observer: Option<AccessObserver>,
) -> anyhow::Result<(Arc<dyn EventSignals>, Vec<AbortOnDrop>)> {
    let local = match observer {
        Some(observer) => LocalSignals::new().observing_access(observer),
        None => LocalSignals::new(),
    };
    let broadcast: Arc<dyn Broadcast> = match (settings.events.signals, &settings.redis.url, pool.postgres())
    {
        (SignalTransport::Redis, Some(url), _) => Arc::new(
            RedisBroadcast::new(url)
                .map_err(|error| anyhow::anyhow!("redis.url is not a Redis URL: {error}"))?,
        ),
        (SignalTransport::Database, _, Some(postgres)) => Arc::new(PgBroadcast::new(postgres)),
        _ => return Ok((Arc::new(local), Vec::new())),
    };
    let coalesce = Duration::from_millis(settings.events.notify_coalesce_ms);
    let (signals, tasks) = RemoteSignals::start(broadcast, local, coalesce);
    Ok((Arc::new(signals), tasks.into_iter().map(AbortOnDrop).collect()))
}

/// The principal store behind `Authenticate`, wrapped in its cache unless the cache is off; and
/// what forgets cached principals when an access signal says they changed (ADR 0016).
pub(super) fn cached_principals(
    store: Arc<dyn PrincipalStore>,
    settings: &AuthSettings,
) -> (Arc<dyn PrincipalStore>, Option<AccessObserver>) {
    if settings.principal_cache_capacity == 0 {
        return (store, None);
    }
    let cache = Arc::new(CachedPrincipals::new(
        store,
        CacheLimits {
            capacity: settings.principal_cache_capacity,
            time_to_live: Duration::from_secs(settings.principal_cache_ttl_seconds),
        },
    ));
    let forget = cache.clone();
    let observer: AccessObserver = Arc::new(move |user| match user {
        Some(user) => forget.forget_user(user),
        None => forget.forget_all(),
    });
    (cache, Some(observer))
}
