//! The `scimcheck` binary: parse arguments, build the runtime, run, exit with the code.

use clap::Parser;

fn main() {
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
