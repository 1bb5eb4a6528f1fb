//! The course tool, `cargo xtask COMMAND`: dispatches to the command's module. The command
//! line is parsed in `flags.rs`; DESIGN.md states the commands' contract.

mod autograder;
mod bench;
mod book;
mod check;
mod compile;
mod error;
mod export;
mod flags;
mod git;
mod grade;
mod hint;
mod list;
mod manifest;
mod pristine;
mod procs;
mod report;
mod runner;
mod sandbox;
mod status;
mod submission;
mod suggest;
mod swap;
mod timelines;
mod ui;
mod verify;
mod watch;
mod wrong;

use std::process::ExitCode;

use crate::error::{Error, Result};
use crate::flags::{Command, USAGE};
use crate::manifest::Course;

fn main() -> ExitCode {
    procs::exit_quietly_on_closed_stdout();
    let result = flags::parse(std::env::args_os().skip(1)).and_then(run);
    runner::remove_logs();
    match result {
        Ok(code) => code,
        Err(err) => {
            ui::clear_status();
            eprintln!("error: {err}");
            if matches!(err, Error::Usage(_)) {
                eprintln!("\n{USAGE}");
            }
            ExitCode::from(err.exit_code())
        }
    }
}

fn run(command: Command) -> Result<ExitCode> {
    let success = |ok: bool| {
        if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    };
    if let Command::Help = command {
        println!("{USAGE}");
        return Ok(ExitCode::SUCCESS);
    }
    let course = Course::load()?;
    match command {
        Command::Help => unreachable!("handled above"),
        Command::List => list::run(&course).map(|()| ExitCode::SUCCESS),
        Command::Check(name) => check::run(&course, name.as_deref()).map(success),
        Command::Hint(name, n) => hint::run(&course, &name, n).map(|()| ExitCode::SUCCESS),
        Command::Watch(name) => watch::run(&course, name.as_deref()).map(|()| ExitCode::SUCCESS),
        Command::Swap(name, target) => {
            swap::run(&course, &name, target).map(|()| ExitCode::SUCCESS)
        }
        Command::Grade(options) => grade::run(&course, &options).map(|()| ExitCode::SUCCESS),
        Command::Verify(options) => verify::run(&course, &options).map(success),
        Command::Wrong {
            name,
            variant,
            save,
        } => wrong::run(&course, &name, &variant, save).map(|()| ExitCode::SUCCESS),
        Command::Book => book::run(&course).map(|()| ExitCode::SUCCESS),
        Command::Bench(options) => bench::run(&course, &options).map(|()| ExitCode::SUCCESS),
        Command::Timelines(exercises) => {
            timelines::run(&course, &exercises).map(|()| ExitCode::SUCCESS)
        }
        Command::Autograder(options) => {
            autograder::run(&course, &options).map(|()| ExitCode::SUCCESS)
        }
    }
}
