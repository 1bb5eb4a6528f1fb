//! The command line: `cargo xtask COMMAND [ARGS]`, parsed with lexopt into a [`Command`].

use std::ffi::OsString;

use lexopt::prelude::*;

use crate::error::{Error, Result};
use crate::{autograder, bench, grade, swap, verify};

pub(crate) const USAGE: &str = "\
usage: cargo xtask COMMAND

  list                                      the exercises in course order, with their status
  check [EXERCISE]                          run the graded tests (all exercises in order if none given)
  hint EXERCISE [N]                         show hint N (default 1) for an exercise
  watch [EXERCISE]                          re-run check whenever a file in exercises/ changes
  swap EXERCISE solution|mine|stub          put the reference, your saved work or a fresh stub in place
  grade [--solutions | --submission DIR | --submissions DIR] [--jobs N] [--exercise NAME]...
        [--json FILE] [--junit FILE] [--gradescope FILE] [--csv FILE] [--classroom FILE]
                                            score this checkout, the reference solutions, one
                                            learner's submission (a course folder, its
                                            exercises/ folder, a .zip or a .tar.gz), or a
                                            folder of them (one per learner)
  verify [--exercise NAME]... [--repeat N] [--repeat-wrong N]
                                            prove every suite sound (for course authors): each
                                            reference passes N runs, each known-wrong variant is
                                            rejected by the same tests in each of its runs
  wrong EXERCISE VARIANT [--save]           write a known-wrong variant's source from its patch,
                                            or (--save) its patch from the edited source
  bench EXERCISE [--quick]                  measure your implementation, the reference and the
                                            established crates side by side: a table, and a
                                            chart in target/bench/EXERCISE.svg (--quick: a
                                            handful of iterations, to see that it runs)
  timelines [--exercise NAME]...            draw the book's timelines from the reference solutions
  book                                      build the course book (docs/) into target/book
  autograder gradescope OUT.zip [--exercise NAME]...
                                            write a Gradescope autograder for this course
  autograder classroom DIR [--exercise NAME]... [--course-repo URL] [--course-ref REF]
                                            write a GitHub Classroom workflow into DIR";

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
    Autograder(autograder::Options),
    Bench(bench::Options),
    Timelines(Vec<String>),
    Book,
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
    let mut junit = None;
    let mut gradescope = None;
    let mut csv = None;
    let mut classroom = None;
    let mut submission = None;
    let mut submissions = None;
    let mut jobs = None;
    let mut course_repo = None;
    let mut course_ref = None;
    let mut repeat = None;
    let mut repeat_wrong = None;
    let mut save = false;
    let mut quick = false;
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help),
            Value(value) => positional.push(string(value)?),
            Long("exercise")
                if matches!(
                    command.as_str(),
                    "grade" | "verify" | "autograder" | "timelines"
                ) =>
            {
                exercises.push(string(parser.value()?)?);
            }
            Long("solutions") if command == "grade" => solutions = true,
            Long("save") if command == "wrong" => save = true,
            Long("quick") if command == "bench" => quick = true,
            Long("json") if command == "grade" => json = Some(parser.value()?.into()),
            Long("junit") if command == "grade" => junit = Some(parser.value()?.into()),
            Long("gradescope") if command == "grade" => gradescope = Some(parser.value()?.into()),
            Long("csv") if command == "grade" => csv = Some(parser.value()?.into()),
            Long("classroom") if command == "grade" => classroom = Some(parser.value()?.into()),
            Long("submission") if command == "grade" => submission = Some(parser.value()?.into()),
            Long("submissions") if command == "grade" => {
                submissions = Some(parser.value()?.into());
            }
            Long("course-repo") if command == "autograder" => {
                course_repo = Some(string(parser.value()?)?);
            }
            Long("course-ref") if command == "autograder" => {
                course_ref = Some(string(parser.value()?)?);
            }
            Long("jobs") if command == "grade" => {
                let text = string(parser.value()?)?;
                jobs = Some(
                    text.parse::<usize>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| {
                            usage_error(format!("--jobs wants a positive number, not `{text}`"))
                        })?,
                );
            }
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
            let sources = usize::from(solutions)
                + usize::from(submission.is_some())
                + usize::from(submissions.is_some());
            if sources > 1 {
                return Err(usage_error(
                    "grade one thing at a time: --solutions, --submission DIR or --submissions DIR",
                ));
            }
            if jobs.is_some() && submissions.is_none() {
                return Err(usage_error("--jobs is for --submissions DIR"));
            }
            Ok(Command::Grade(grade::Options {
                solutions,
                submission,
                submissions,
                jobs: jobs.unwrap_or(1),
                exercises,
                json,
                junit,
                gradescope,
                csv,
                classroom,
            }))
        }
        "book" => {
            too_many(first)?;
            Ok(Command::Book)
        }
        "timelines" => {
            too_many(first)?;
            Ok(Command::Timelines(exercises))
        }
        "autograder" => {
            let engine = match first.as_deref() {
                Some("gradescope") => autograder::Engine::Gradescope,
                Some("classroom") => autograder::Engine::Classroom,
                Some(other) => {
                    return Err(usage_error(format!(
                        "autograder for `{other}`? Choose gradescope or classroom"
                    )));
                }
                None => {
                    return Err(usage_error(
                        "autograder wants an engine and where to write it: \
                         autograder gradescope OUT.zip, or autograder classroom DIR",
                    ));
                }
            };
            let out = second.ok_or_else(|| {
                usage_error("where should the autograder go? (autograder gradescope OUT.zip)")
            })?;
            Ok(Command::Autograder(autograder::Options {
                engine,
                out: out.into(),
                exercises,
                course_repo,
                course_ref,
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
        "bench" => {
            too_many(second)?;
            let exercise = first.ok_or_else(|| {
                usage_error("bench which exercise? (e.g. cargo xtask bench race_counter)")
            })?;
            Ok(Command::Bench(bench::Options { exercise, quick }))
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
            const COMMANDS: [&str; 11] = [
                "list",
                "check",
                "hint",
                "watch",
                "swap",
                "grade",
                "verify",
                "wrong",
                "autograder",
                "bench",
                "help",
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
        match parse_str("grade --submissions s --jobs 2 --junit j.xml --gradescope g --csv c") {
            Ok(Command::Grade(options)) => {
                assert_eq!(options.submissions, Some("s".into()));
                assert_eq!(options.jobs, 2);
                assert_eq!(options.junit, Some("j.xml".into()));
                assert_eq!(options.gradescope, Some("g".into()));
                assert_eq!(options.csv, Some("c".into()));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_str("autograder gradescope a.zip --exercise x"),
            Ok(Command::Autograder(o)) if o.exercises == ["x"]
        ));
        assert!(matches!(parse_str("verify --repeat 3"), Ok(Command::Verify(o)) if o.repeat == 3));
        assert!(matches!(
            parse_str("bench race_counter --quick"),
            Ok(Command::Bench(o)) if o.exercise == "race_counter" && o.quick
        ));
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
            "grade --solutions --submission s",
            "grade --jobs 2",
            "grade --submissions s --jobs 0",
            "autograder",
            "autograder moodle x",
            "autograder gradescope",
            "bench",
            "bench a b",
            "check --quick",
        ] {
            assert!(matches!(parse_str(line), Err(Error::Usage(_))), "{line}");
        }
    }
}
