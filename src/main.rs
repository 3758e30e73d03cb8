use std::process::ExitCode;

use clap::Parser;
use govgate::cli::{Cli, Exit};

fn main() -> ExitCode {
    match Cli::parse().run() {
        Ok(()) => Exit::Ok.into(),
        Err(failure) => {
            eprintln!("govgate: {}", failure.message);
            failure.exit.into()
        }
    }
}
