//! What the cases, properties and traces share: a trace of the transfers each thread made and
//! what came of them, a watchdog that runs work on its own threads and fails the test after
//! `patience()` if they do not finish (a deadlock reads as a sentence, not as a hung test), and
//! the bookkeeping check that every successful transfer, and nothing else, moved money.

use bank_transfer::{AccountId, Bank, TransferError};
use course_testkit::{Gate, Latch, Trace, patience};
use std::fmt;
use std::sync::Arc;
use std::thread;

/// What the trace records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// About to call `transfer` (or `try_transfer`).
    Calls(Request),
    /// The call returned.
    Returned(Request, Result<(), TransferError>),
    /// Anything else a test wants to show ("locks account 1").
    Note(String),
}

/// One call: `transfer` if `attempts` is `None`, else `try_transfer` with that many attempts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Request {
    pub(crate) from: AccountId,
    pub(crate) to: AccountId,
    pub(crate) amount: u64,
    pub(crate) attempts: Option<u32>,
}

impl Request {
    pub(crate) const fn transfer(from: AccountId, to: AccountId, amount: u64) -> Self {
        Request {
            from,
            to,
            amount,
            attempts: None,
        }
    }

    pub(crate) const fn try_transfer(
        from: AccountId,
        to: AccountId,
        amount: u64,
        attempts: u32,
    ) -> Self {
        Request {
            from,
            to,
            amount,
            attempts: Some(attempts),
        }
    }

    /// Makes the call on `bank`, recording it and its result in `trace`.
    pub(crate) fn run(self, bank: &Bank, trace: &Trace<Event>) -> Result<(), TransferError> {
        trace.record(Event::Calls(self));
        let result = self.call(bank);
        trace.record(Event::Returned(self, result.clone()));
        result
    }

    /// Makes the call on `bank`, recording nothing.
    pub(crate) fn call(self, bank: &Bank) -> Result<(), TransferError> {
        match self.attempts {
            None => bank.transfer(self.from, self.to, self.amount),
            Some(attempts) => bank.try_transfer(self.from, self.to, self.amount, attempts),
        }
    }
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Request {
            from, to, amount, ..
        } = self;
        match self.attempts {
            None => write!(f, "transfer({from} -> {to}, {amount})"),
            Some(n) => write!(f, "try_transfer({from} -> {to}, {amount}, {n} attempts)"),
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Calls(request) => write!(f, "calls {request}"),
            Event::Returned(request, Ok(())) => write!(f, "{request} done"),
            Event::Returned(request, Err(error)) => write!(f, "{request} failed: {error:?}"),
            Event::Note(note) => f.write_str(note),
        }
    }
}

/// A fresh trace with the test thread named.
pub(crate) fn new_trace() -> Trace<Event> {
    let trace = Trace::new();
    trace.name_thread("test");
    trace
}

/// Runs each of `lists` on a thread of its own ("thread 0", ...), all started together, every
/// call recorded in `trace`. Fails (with `Err`) if they have not all finished within
/// `patience()`: the deadlock watchdog.
pub(crate) fn run_threads(
    bank: &Arc<Bank>,
    trace: &Trace<Event>,
    lists: &[Vec<Request>],
) -> Result<(), String> {
    // Every thread waits at the gate until all are spawned, so they really run at the same
    // time: spawning takes longer than a thousand transfers.
    let (ready, go) = (Arc::new(Latch::new(lists.len())), Arc::new(Gate::new()));
    let done = Arc::new(Latch::new(lists.len()));
    let handles: Vec<_> = lists
        .iter()
        .enumerate()
        .map(|(t, list)| {
            let (bank, trace, ready, go, done, list) = (
                Arc::clone(bank),
                trace.clone(),
                Arc::clone(&ready),
                Arc::clone(&go),
                Arc::clone(&done),
                list.clone(),
            );
            thread::spawn(move || {
                // Counts down even if the code under test panics, so that is reported at once.
                let _done = CountDownOnDrop(done);
                trace.name_thread(format!("thread {t}"));
                ready.count_down();
                go.pass("the test to start the transferring threads");
                for request in list {
                    let _ = request.run(&bank, &trace);
                }
            })
        })
        .collect();
    ready.wait("every transferring thread to start");
    go.open();
    if !done.wait_patiently() {
        return Err(format!(
            "{} of {} transferring threads were still running after {:?}: deadlock suspected \
             (two threads each holding one account and waiting for the other's?)\nlast \
             events:\n{}",
            done.left(),
            lists.len(),
            patience(),
            trace.excerpt(&[])
        ));
    }
    for handle in handles {
        if let Err(panic) = handle.join() {
            std::panic::resume_unwind(panic);
        }
    }
    Ok(())
}

/// Runs `work` on a thread of its own and returns its result; `Err` if it is not done within
/// `patience()` (the message says it was `doing` something).
pub(crate) fn within_patience<T: Send + 'static>(
    doing: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let (sender, receiver) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let _ = sender.send(work());
    });
    receiver
        .recv_timeout(patience())
        .map_err(|error| match error {
            std::sync::mpsc::RecvTimeoutError::Timeout => format!(
                "{doing} and was still at it after {:?}: deadlock suspected",
                patience()
            ),
            std::sync::mpsc::RecvTimeoutError::Disconnected => {
                format!("{doing} and panicked (its message is printed above)")
            }
        })
}

/// Checks the books after all the traced calls returned: each account's balance must be its
/// initial balance plus what successful transfers moved in, minus what they moved out, and the
/// total must not have changed.
pub(crate) fn check_books(
    bank: &Bank,
    initial: &[u64],
    trace: &Trace<Event>,
) -> Result<(), String> {
    let mut expected: Vec<i128> = initial.iter().map(|&b| i128::from(b)).collect();
    let mut last_touch: Vec<Option<usize>> = vec![None; initial.len()];
    for event in trace.events() {
        if let Event::Returned(request, Ok(())) = event.what {
            expected[request.from] -= i128::from(request.amount);
            expected[request.to] += i128::from(request.amount);
            last_touch[request.from] = Some(event.seq);
            last_touch[request.to] = Some(event.seq);
        }
    }
    let total: u64 = initial.iter().sum();
    let actual_total = bank.total();
    if actual_total != total {
        return Err(format!(
            "the bank started with {total} in all and now holds {actual_total}: money was {} \
             (a transfer must move money, never create or destroy it)\ntrace:\n{}",
            if actual_total > total {
                "created"
            } else {
                "destroyed"
            },
            trace.excerpt(&[])
        ));
    }
    for (id, &want) in expected.iter().enumerate() {
        let got = bank
            .balance(id)
            .map_err(|e| format!("balance({id}) failed: {e:?}"))?;
        if i128::from(got) != want {
            let focus: Vec<usize> = last_touch[id].into_iter().collect();
            return Err(format!(
                "account {id} holds {got}, but the successful transfers recorded in the trace \
                 leave it with {want}: a transfer moved money it did not report, or reported \
                 success without moving it, or a failed one changed a balance\ntrace:\n{}",
                trace.excerpt(&focus)
            ));
        }
    }
    Ok(())
}

/// The test locks account 0; a thread calls `transfer(0 -> 1, 10)`, which must wait; the test
/// calls `try_transfer(1 -> 0, 5, 3 attempts)`, which must give up; the test lets go, and the
/// waiting transfer completes. Returns the trace, the bank and the waiting request.
pub(crate) fn busy_account_scenario() -> Result<(Trace<Event>, Arc<Bank>, Request), String> {
    let trace = new_trace();
    let bank = Arc::new(Bank::new([100, 100]));
    let waited = Request::transfer(0, 1, 10);
    let locked = Arc::new(Gate::new());
    let started = Arc::new(Latch::new(1));
    let finished = Arc::new(Latch::new(1));
    {
        let (bank, trace, locked, started, finished) = (
            Arc::clone(&bank),
            trace.clone(),
            Arc::clone(&locked),
            Arc::clone(&started),
            Arc::clone(&finished),
        );
        thread::spawn(move || {
            let _finished = CountDownOnDrop(finished);
            trace.name_thread("transferrer");
            locked.pass("the test to lock account 0");
            trace.record(Event::Calls(waited));
            started.count_down();
            let result = waited.call(&bank);
            trace.record(Event::Returned(waited, result));
        });
    }
    // The test thread locks account 0 and then makes only calls that never wait (try_transfer),
    // so it cannot deadlock itself; the watchdog covers the rest.
    let probe = {
        let (bank, trace) = (Arc::clone(&bank), trace.clone());
        within_patience(
            "the test locked account 0 and called try_transfer",
            move || {
                trace.name_thread("test");
                let guard = bank
                    .lock_account(0)
                    .map_err(|e| format!("lock_account(0) failed: {e:?}"))?;
                trace.record(Event::Note(format!(
                    "locks account 0 (holding {})",
                    guard.balance()
                )));
                locked.open();
                if !started.wait_patiently() {
                    return Err("the transferring thread never started".to_owned());
                }
                let _ = Request::try_transfer(1, 0, 5, 3).run(&bank, &trace);
                trace.record(Event::Note("releases account 0".into()));
                drop(guard);
                Ok(())
            },
        )
    };
    probe.and_then(|inner| inner)?;
    if !finished.wait_patiently() {
        return Err(format!(
            "the test released account 0, but {waited} never returned: deadlock suspected\n\
             trace:\n{}",
            trace.excerpt(&[])
        ));
    }
    Ok((trace, bank, waited))
}

pub(crate) use course_testkit::OrFail;

pub(crate) use course_testkit::CountDownOnDrop;
