use std::process::ExitCode;

use clap::Parser;
use govgate::cli::{Cli, Exit};

fn main() -> ExitCode {
    // reqwest and the exchange listener use rustls with ring; one provider per process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match Cli::parse().run() {
        Ok(()) => Exit::Ok.into(),
        Err(failure) => {
            eprintln!("govgate: {}", failure.message);
            failure.exit.into()
        }
    }
}
