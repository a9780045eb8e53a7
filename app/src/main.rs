//! The server binary: `app` serves the web app; `app create-user` adds a user.

fn main() -> std::process::ExitCode {
    return_big_allocations_to_the_system();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("starting the tokio runtime")
        .block_on(app::server::main())
}

/// Every password check allocates 19 MiB (Argon2). glibc's malloc raises its mmap threshold
/// after the first such block is freed, so later ones come from per-thread heaps that keep
/// and fragment the memory: a few hundred failed sign-ins left the server at 400+ MB. A fixed
/// threshold (which turns the adjustment off) gives big blocks back to the system when freed.
/// Measured with `bench/open_surface.sh` (README).
fn return_big_allocations_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}
