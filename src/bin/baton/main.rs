//! `baton`: the command line over a Baton workspace, built on its own (`cargo install --path .`
//! on a server without a desktop). The desktop app answers as `baton` too (`src/cli`).

use std::process::ExitCode;

/// An import allocates a few small strings per cell; mimalloc serves them faster than the
/// system allocator (measured by `cargo xtask bench`).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    baton::cli::main(std::env::args_os())
}
