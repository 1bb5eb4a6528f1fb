//! The command line: `cargo xtask COMMAND [ARGS]`, parsed with lexopt into a [`Command`].

use std::ffi::OsString;

use lexopt::prelude::*;

use crate::error::{Error, Result};
use crate::{grade, swap, verify};

pub(crate) const USAGE: &str = "\
usage: cargo xtask COMMAND

  list                                      the exercises in course order, with their status
  check [EXERCISE]                          run the graded tests (all exercises in order if none given)
  hint EXERCISE [N]                         show hint N (default 1) for an exercise
  watch [EXERCISE]                          re-run check whenever a file in exercises/ changes
  swap EXERCISE solution|mine|stub          put the reference, your saved work or a fresh stub in place
  grade [--solutions] [--exercise NAME]... [--json FILE]
                                            score this checkout (or the reference solutions)
  verify [--exercise NAME]... [--repeat N] [--repeat-wrong N]
                                            prove every suite sound (for course authors): each
                                            reference passes N runs, each known-wrong variant is
                                            rejected by the same tests in each of its runs
  wrong EXERCISE VARIANT [--save]           write a known-wrong variant's source from its patch,
                                            or (--save) its patch from the edited source";

/// A parsed command line.
#[derive(Debug)]
pub(crate) enum Command {
    Help,
    List,
    Check(Option<String>),
    Hint(String, usize),
    Watch(Option<String>),
    Swap(String, swap::Target),
    Grade(grade::Options),
    Verify(verify::Options),
    Wrong {
        name: String,
        variant: String,
        save: bool,
    },
}

fn usage_error(message: impl Into<String>) -> Error {
    Error::Usage(message.into())
}

impl From<lexopt::Error> for Error {
    fn from(err: lexopt::Error) -> Error {
        Error::Usage(err.to_string())
    }
}

fn string(value: OsString) -> Result<String> {
    value
        .into_string()
        .map_err(|value| usage_error(format!("argument {value:?} is not valid UTF-8")))
}

/// Parses the arguments after `cargo xtask`.
pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command> {
    let mut parser = lexopt::Parser::from_args(args);
    let command = match parser.next()? {
        None => return Err(usage_error("which command? (e.g. cargo xtask check)")),
        Some(Short('h') | Long("help")) => return Ok(Command::Help),
        Some(Value(value)) => string(value)?,
        Some(other) => return Err(other.unexpected().into()),
    };
    let mut positional: Vec<String> = Vec::new();
    let mut exercises: Vec<String> = Vec::new();
    let mut solutions = false;
    let mut json = None;
    let mut repeat = None;
    let mut repeat_wrong = None;
    let mut save = false;
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help),
            Value(value) => positional.push(string(value)?),
            Long("exercise") if matches!(command.as_str(), "grade" | "verify") => {
                exercises.push(string(parser.value()?)?);
            }
            Long("solutions") if command == "grade" => solutions = true,
            Long("save") if command == "wrong" => save = true,
            Long("json") if command == "grade" => json = Some(parser.value()?.into()),
            Long(flag @ ("repeat" | "repeat-wrong")) if command == "verify" => {
                let flag = flag.to_owned();
                let text = string(parser.value()?)?;
                let n = match text.parse::<usize>() {
                    Ok(n) if n > 0 => n,
                    _ => {
                        return Err(usage_error(format!(
                            "--{flag} wants a positive number, not `{text}`"
                        )));
                    }
                };
                if flag == "repeat" {
                    repeat = Some(n);
                } else {
                    repeat_wrong = Some(n);
                }
            }
            other => return Err(other.unexpected().into()),
        }
    }
    let mut positional = positional.into_iter();
    let (first, second) = (positional.next(), positional.next());
    if let Some(extra) = positional.next() {
        return Err(usage_error(format!("unexpected argument `{extra}`")));
    }
    let too_many = |value: Option<String>| match value {
        Some(value) => Err(usage_error(format!("unexpected argument `{value}`"))),
        None => Ok(()),
    };
    match command.as_str() {
        "help" => Ok(Command::Help),
        "list" => {
            too_many(first)?;
            Ok(Command::List)
        }
        "check" => {
            too_many(second)?;
            Ok(Command::Check(first))
        }
        "watch" => {
            too_many(second)?;
            Ok(Command::Watch(first))
        }
        "hint" => {
            let name = first
                .ok_or_else(|| usage_error("hint for which exercise? (cargo xtask hint NAME)"))?;
            let number = match second {
                None => 1,
                Some(text) => text
                    .parse::<usize>()
                    .map_err(|_| usage_error(format!("hint number `{text}` is not a number")))?,
            };
            Ok(Command::Hint(name, number))
        }
        "swap" => {
            let (Some(name), Some(target)) = (first, second) else {
                return Err(usage_error("swap wants an exercise and solution|mine|stub"));
            };
            let target = swap::Target::parse(&target).ok_or_else(|| {
                usage_error(format!("swap to `{target}`? Choose solution, mine or stub"))
            })?;
            Ok(Command::Swap(name, target))
        }
        "grade" => {
            too_many(first)?;
            Ok(Command::Grade(grade::Options {
                solutions,
                exercises,
                json,
            }))
        }
        "verify" => {
            too_many(first)?;
            Ok(Command::Verify(verify::Options {
                exercises,
                repeat: repeat.unwrap_or(1),
                repeat_wrong: repeat_wrong.unwrap_or(1),
            }))
        }
        "wrong" => {
            let (Some(name), Some(variant)) = (first, second) else {
                return Err(usage_error("wrong wants an exercise and a variant name"));
            };
            Ok(Command::Wrong {
                name,
                variant,
                save,
            })
        }
        other => {
            const COMMANDS: [&str; 9] = [
                "list", "check", "hint", "watch", "swap", "grade", "verify", "wrong", "help",
            ];
            let advice = match crate::suggest::nearest(other, COMMANDS) {
                Some(command) => format!(" Did you mean `{command}`?"),
                None => String::new(),
            };
            Err(usage_error(format!("unknown command `{other}`.{advice}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<Command> {
        parse(line.split_whitespace().map(OsString::from))
    }

    #[test]
    fn parses_commands() {
        assert!(matches!(parse_str("list"), Ok(Command::List)));
        assert!(matches!(parse_str("check"), Ok(Command::Check(None))));
        assert!(matches!(parse_str("hint x 2"), Ok(Command::Hint(n, 2)) if n == "x"));
        assert!(matches!(
            parse_str("swap x mine"),
            Ok(Command::Swap(_, swap::Target::Mine))
        ));
        match parse_str("grade --solutions --exercise a --exercise b --json r.json") {
            Ok(Command::Grade(options)) => {
                assert!(options.solutions);
                assert_eq!(options.exercises, ["a", "b"]);
                assert_eq!(options.json, Some("r.json".into()));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse_str("verify --repeat 3"), Ok(Command::Verify(o)) if o.repeat == 3));
        assert!(matches!(
            parse_str("verify --repeat-wrong 5"),
            Ok(Command::Verify(o)) if o.repeat == 1 && o.repeat_wrong == 5
        ));
    }

    #[test]
    fn rejects_bad_command_lines() {
        for line in [
            "",
            "frobnicate",
            "list extra",
            "check --solutions",
            "swap x",
            "swap x theirs",
            "verify --repeat 0",
            "hint x two",
        ] {
            assert!(matches!(parse_str(line), Err(Error::Usage(_))), "{line}");
        }
    }
}
