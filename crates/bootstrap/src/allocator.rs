//! Asking the allocator to give memory back.
//!
//! The binary allocates with mimalloc (`main.rs`, ADR 0005). mimalloc keeps freed memory for a
//! while and returns it to the system only when it is busy allocating again; the 19 MiB of a
//! password hash, freed by a hashing thread that then waits for work, would stay resident until
//! then. The hashing threads call [`give_back`] when their queue is empty (`wiring.rs`).

/// Returns the memory this thread's heap and mimalloc's arenas hold but no longer use.
/// Where mimalloc is not the global allocator (the library's tests), there is nothing to return.
pub(crate) fn give_back() {
    // SAFETY: `mi_collect` has no preconditions; any thread may call it at any time.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
