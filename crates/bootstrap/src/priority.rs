//! The password-hashing threads' place in the operating system's scheduler.
//!
//! A hash is tens of milliseconds of CPU, and a burst of log-ins keeps a hashing thread busy for
//! as long as it lasts. At the niceness below, when the cores are all busy, the kernel gives
//! the threads that answer requests the CPU first and the hashing thread what is left: a log-in
//! storm slows the log-ins rather than every other request. When the cores are not all busy it
//! changes nothing. Figures: bench/README.md ("SQLite against the ceiling", the priority pairs).

/// Added to the hashing threads' niceness: 10 of Linux's 19, a tenth of a normal thread's
/// share of a contended core.
const HASHING_NICENESS: libc::c_int = 10;

/// Lowers the calling thread's scheduling priority (Linux; elsewhere nothing). Called by each
/// hashing thread as it starts (`wiring.rs`). Lowering one's own priority needs no privilege;
/// should it fail all the same, the thread hashes at the normal priority and says so.
pub(crate) fn lower_for_hashing() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: setpriority(2) takes plain integers and touches no memory of ours. On Linux,
        // PRIO_PROCESS with 0 names the calling thread alone (each thread has its own niceness).
        let result = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, HASHING_NICENESS) };
        if result != 0 {
            tracing::warn!(error = %std::io::Error::last_os_error(), "the hashing thread keeps the normal priority");
        }
    }
}
