use std::sync::{Arc, Mutex, mpsc};
use std::thread;

use argon2::password_hash::phc;
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use async_trait::async_trait;
use todo_application::ports::{HashError, PasswordHasher};
use todo_domain::{Password, PasswordHash};
use tokio::sync::oneshot;
use tracing::instrument;

/// Argon2id cost parameters. The defaults are OWASP's minimum recommendation:
/// 19 MiB of memory, 2 passes, 1 lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for HashingParams {
    fn default() -> Self {
        Self { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 }
    }
}

/// What the hashing threads do besides hashing, for the composition root to fill in with
/// what only it knows (the allocator, the operating system's scheduler). Both do nothing by
/// default.
#[derive(Default)]
pub struct ThreadHooks {
    /// Run by each thread once, as it starts: the place to lower its scheduling priority.
    pub on_start: Option<Box<dyn Fn() + Send + Sync>>,
    /// Run by a thread each time it finds no more work: the place to give the allocator's
    /// cached hashing memory back to the system once a burst of log-ins is over, while a
    /// burst keeps reusing it.
    pub when_idle: Option<Box<dyn Fn() + Send + Sync>>,
}

/// [`PasswordHasher`] with Argon2id, producing PHC strings.
///
/// The work runs on a pool of `concurrency` threads of its own; other hashes wait in
/// its queue without holding any thread. A burst of log-ins thus takes a bounded share
/// of the CPU and of memory (19 MiB a hash, kept by each thread's allocator for the
/// next one, and given back when the queue is empty if [`ThreadHooks::when_idle`] says how)
/// and never stalls the threads that serve other requests.
pub struct Argon2PasswordHasher {
    argon2: Argon2<'static>,
    /// Verified against when the user does not exist, so that an unknown username
    /// costs as much time as a wrong password.
    dummy_hash: String,
    queue: mpsc::Sender<Job>,
}

type Job = Box<dyn FnOnce() + Send>;

/// The next job; when there is none waiting, runs `when_idle` first, then waits for one.
/// `None` once the hasher is gone.
fn next_job(jobs: &Mutex<mpsc::Receiver<Job>>, when_idle: &dyn Fn()) -> Option<Job> {
    match jobs.lock().ok()?.try_recv() {
        Ok(job) => return Some(job),
        Err(mpsc::TryRecvError::Disconnected) => return None,
        Err(mpsc::TryRecvError::Empty) => {}
    }
    when_idle();
    jobs.lock().ok()?.recv().ok()
}

impl Argon2PasswordHasher {
    /// # Errors
    /// When the parameters are outside what Argon2 accepts.
    pub fn new(params: HashingParams, concurrency: usize) -> Result<Self, argon2::Error> {
        Self::with_hooks(params, concurrency, ThreadHooks::default())
    }

    /// As [`Self::new`], with `hooks` run by the hashing threads.
    ///
    /// # Errors
    /// When the parameters are outside what Argon2 accepts.
    pub fn with_hooks(
        params: HashingParams,
        concurrency: usize,
        hooks: ThreadHooks,
    ) -> Result<Self, argon2::Error> {
        let params = Params::new(params.memory_kib, params.iterations, params.parallelism, None)?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let dummy_hash = argon2
            .hash_password(b"a password no account has")
            .map_err(|_| argon2::Error::OutOfMemory)?
            .to_string();
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        let hooks = Arc::new(hooks);
        for number in 0..concurrency.max(1) {
            let (jobs, hooks) = (jobs.clone(), hooks.clone());
            thread::Builder::new()
                .name(format!("argon2-{number}"))
                .spawn(move || {
                    if let Some(on_start) = &hooks.on_start {
                        on_start();
                    }
                    let when_idle = || hooks.when_idle.as_ref().map_or((), |when_idle| when_idle());
                    // Ends when the hasher, and with it the sending side, is dropped.
                    while let Some(job) = next_job(&jobs, &when_idle) {
                        job();
                    }
                })
                .map_err(|_| argon2::Error::OutOfMemory)?;
        }
        Ok(Self { argon2, dummy_hash, queue })
    }

    /// Runs `work` on the hashing threads and waits for it without blocking. Work
    /// whose caller has gone away (a closed connection) is skipped.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            if !done.is_closed() {
                let _ = done.send(work());
            }
        });
        self.queue.send(job).map_err(|_| HashError("the hashing threads have stopped".into()))?;
        result.await.map_err(|_| HashError("a hashing thread failed".into()))
    }
}

#[async_trait]
impl PasswordHasher for Argon2PasswordHasher {
    #[instrument(name = "argon2.hash", skip_all)]
    async fn hash(&self, password: Password) -> Result<PasswordHash, HashError> {
        let argon2 = self.argon2.clone();
        let phc = self
            .run(move || argon2.hash_password(password.expose().as_bytes()).map(|hash| hash.to_string()))
            .await?
            .map_err(|error| HashError(Box::new(error)))?;
        Ok(PasswordHash::new(phc))
    }

    #[instrument(name = "argon2.verify", skip_all)]
    async fn verify(&self, password: Password, hash: Option<PasswordHash>) -> Result<bool, HashError> {
        let argon2 = self.argon2.clone();
        let is_known_user = hash.is_some();
        let stored = hash.map_or_else(|| self.dummy_hash.clone(), |hash| hash.as_str().to_owned());
        let verified = self
            .run(move || {
                let parsed = phc::PasswordHash::new(&stored)?;
                match argon2.verify_password(password.expose().as_bytes(), &parsed) {
                    Ok(()) => Ok(true),
                    Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
                    Err(other) => Err(other),
                }
            })
            .await?
            .map_err(|error| HashError(Box::new(error)))?;
        Ok(verified && is_known_user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher() -> Argon2PasswordHasher {
        Argon2PasswordHasher::new(HashingParams::default(), 1).unwrap()
    }

    fn password(raw: &str) -> Password {
        Password::from_attempt(raw.into())
    }

    #[tokio::test]
    async fn a_hash_is_an_argon2id_phc_string_with_the_configured_cost() {
        let hash = hasher().hash(password("correct horse")).await.unwrap();
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", hash.as_str());
        assert!(!hash.as_str().contains("correct horse"));
    }

    /// Until `count` reaches `at_least`, within 10 s.
    async fn reaches(count: &std::sync::atomic::AtomicUsize, at_least: usize) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while count.load(std::sync::atomic::Ordering::SeqCst) < at_least {
            assert!(std::time::Instant::now() < deadline, "the count never reached {at_least}");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    #[tokio::test]
    async fn a_thread_runs_on_start_once_and_when_idle_each_time_it_runs_out_of_work() {
        let idle = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = idle.clone();
        let started = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted_start = started.clone();
        let hooks = ThreadHooks {
            on_start: Some(Box::new(move || {
                counted_start.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            })),
            when_idle: Some(Box::new(move || {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            })),
        };
        let hasher = Argon2PasswordHasher::with_hooks(HashingParams::default(), 1, hooks).unwrap();
        // The thread starts, then finds the queue empty.
        reaches(&idle, 1).await;
        assert_eq!(started.load(std::sync::atomic::Ordering::SeqCst), 1);
        let hash = hasher.hash(password("correct horse")).await.unwrap();
        reaches(&idle, 2).await;
        assert_eq!(started.load(std::sync::atomic::Ordering::SeqCst), 1, "on_start runs once");
        assert!(hasher.verify(password("correct horse"), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let hasher = hasher();
        let first = hasher.hash(password("correct horse")).await.unwrap();
        let second = hasher.hash(password("correct horse")).await.unwrap();
        assert_ne!(first, second);
    }

    #[tokio::test]
    async fn only_the_right_password_verifies() {
        let hasher = hasher();
        let hash = hasher.hash(password("correct horse")).await.unwrap();
        assert!(hasher.verify(password("correct horse"), Some(hash.clone())).await.unwrap());
        assert!(!hasher.verify(password("correct horsf"), Some(hash.clone())).await.unwrap());
        assert!(!hasher.verify(password(""), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn passwords_are_not_truncated() {
        let hasher = hasher();
        let long = "x".repeat(100);
        let hash = hasher.hash(password(&long)).await.unwrap();
        let same_first_72_bytes = format!("{}y", "x".repeat(99));
        assert!(!hasher.verify(password(&same_first_72_bytes), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies_even_with_the_dummy_password() {
        let hasher = hasher();
        assert!(!hasher.verify(password("a password no account has"), None).await.unwrap());
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_is_an_error_not_a_match() {
        let result = hasher().verify(password("x"), Some(PasswordHash::new("not a phc string".into()))).await;
        assert!(result.is_err());
    }

    #[test]
    fn parameters_argon2_refuses_are_reported() {
        let too_little_memory = HashingParams { memory_kib: 1, ..HashingParams::default() };
        assert!(Argon2PasswordHasher::new(too_little_memory, 1).is_err());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_hashes_beyond_the_limit_wait_their_turn_and_all_complete() {
        let hasher = std::sync::Arc::new(hasher());
        let hashes: Vec<_> = (0..4)
            .map(|i| {
                let hasher = hasher.clone();
                tokio::spawn(async move { hasher.hash(password(&format!("password {i}"))).await })
            })
            .collect();
        for hash in hashes {
            assert!(hash.await.unwrap().is_ok());
        }
    }
}
