//! The `scimcheck` binary: parse arguments, build the runtime, run, exit with the code.

use clap::Parser;

fn main() {
    fixed_mmap_threshold();
    let cli = scimcheck::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: failed to start the async runtime: {e}");
            std::process::exit(scimcheck::exit::USAGE);
        }
    };
    let code = runtime.block_on(scimcheck::cli::main(cli));
    // Background tasks (the Ctrl-C listener, a server) must not keep the process alive.
    runtime.shutdown_background();
    std::process::exit(code);
}

/// Keeps glibc's mmap threshold at its initial 128 KiB. By default glibc raises it to the
/// size of each large block freed (up to 32 MiB), so after the first answer of a few hundred
/// KiB every later one is carved from the heap, whose freed middle is never given back: a
/// server that pads every answer with 256 KiB took a run from 52 MB to 79 MB of RSS
/// (issue 11: 64 MB for any server). Large bodies then go back to the system when dropped.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn fixed_mmap_threshold() {
    const THRESHOLD: libc::c_int = 128 * 1024;
    // SAFETY: mallopt only sets an allocator parameter; called before any other thread
    // exists, and a refusal (0) leaves glibc's default, which is only slower to give back.
    let _ = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD) };
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fixed_mmap_threshold() {}
