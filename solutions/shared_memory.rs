//! Shared memory: a counter and an array of counters that several processes update at once,
//! through one file that each of them maps into its memory.
//!
//! Goal: the parent creates a small file, maps it, and starts N child processes that map the
//! same file. The children wait at a start line until all of them are there, then each adds 1
//! to the shared counter M times and spreads M more additions over the array. When the parent
//! has waited for every child, the counter is N x M exactly and every array element holds
//! exactly what was added to it: no update is ever lost, because each one is a single atomic
//! read-modify-write on the mapped memory.
//!
//! The file is the contract between the processes, laid out in native-endian 64-bit words:
//!
//! | word            | holds                                                       |
//! |-----------------|-------------------------------------------------------------|
//! | 0 (`MAGIC_WORD`)   | [`MAGIC`], written last by `create`                       |
//! | 1 (`SLOTS_WORD`)   | how many array elements ("slots") follow the header        |
//! | 2 (`READY_WORD`)   | how many processes reached the start line                  |
//! | 3 (`COUNTER_WORD`) | the shared counter                                         |
//! | 4 ..               | the slots                                                  |
//!
//! What to build in this file:
//!
//! - `SharedCounters::create` and `SharedCounters::open`: make or check the file, and map it;
//!   a file that is not a region (wrong magic) or is shorter than its header says is an
//!   error, never an out-of-bounds access;
//! - `word`: the one `unsafe` function, which turns a word of the mapping into an `&AtomicU64`;
//! - `increment`, `add_to_slot`, `counter`, `slot`: atomic updates and reads;
//! - `wait_at_start_line`: the children's start line, in the shared memory itself;
//! - `run_workers`: start the children, wait for every one, report the first that failed.
//!
//! Chapter: `docs/src/part2/shared_memory.md`.
//! Check your work with `cargo xtask check shared_memory`; stuck? `cargo xtask hint
//! shared_memory`.

use course_sync::atomic::{AtomicU64, Ordering};
use course_sync::thread;
use memmap2::MmapRaw;
use std::ffi::OsStr;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io;
use std::mem::size_of;
use std::path::Path;
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

/// The first word of every region file: the bytes `RSHMEM01` (format and version).
pub const MAGIC: u64 = u64::from_le_bytes(*b"RSHMEM01");
/// Word index of the magic number.
pub const MAGIC_WORD: usize = 0;
/// Word index of the number of slots.
pub const SLOTS_WORD: usize = 1;
/// Word index of the start line's arrival count.
pub const READY_WORD: usize = 2;
/// Word index of the shared counter.
pub const COUNTER_WORD: usize = 3;
/// Words before the first slot.
pub const HEADER_WORDS: usize = 4;
/// Bytes in a word.
pub const WORD_BYTES: usize = size_of::<u64>();

/// The length in bytes of a region file with `slots` slots, or `None` if it does not fit in a
/// `usize`.
pub fn file_len(slots: usize) -> Option<usize> {
    HEADER_WORDS.checked_add(slots)?.checked_mul(WORD_BYTES)
}

/// What can go wrong with a region or its workers.
#[derive(Debug)]
pub enum RegionError {
    /// Creating, opening or mapping the file failed.
    Io(io::Error),
    /// The file does not start with [`MAGIC`]: it is not a region file.
    BadMagic {
        /// The first word of the file.
        found: u64,
    },
    /// The file is shorter than its header says (or than a header).
    TooShort {
        /// The file's length in bytes.
        len: u64,
        /// The length its header calls for (`u64::MAX` if that overflows).
        needed: u64,
    },
    /// A slot index past the end of the array.
    NoSuchSlot {
        /// The index asked for.
        index: usize,
        /// How many slots there are.
        slots: usize,
    },
    /// Not every process reached the start line in time.
    StartTimeout {
        /// How many had arrived.
        arrived: u64,
        /// How many were expected.
        parties: u64,
    },
    /// A child process could not be started.
    Spawn(io::Error),
    /// A child process exited unsuccessfully.
    ChildFailed {
        /// Its index (the order it was started in).
        index: usize,
        /// How it exited.
        status: ExitStatus,
    },
}

impl fmt::Display for RegionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionError::Io(err) => write!(f, "region file: {err}"),
            RegionError::BadMagic { found } => {
                write!(
                    f,
                    "not a region file: first word {found:#018x}, expected {MAGIC:#018x}"
                )
            }
            RegionError::TooShort { len, needed } => {
                write!(
                    f,
                    "region file too short: {len} bytes, its header needs {needed}"
                )
            }
            RegionError::NoSuchSlot { index, slots } => {
                write!(f, "no slot {index}: the region has {slots} slots")
            }
            RegionError::StartTimeout { arrived, parties } => write!(
                f,
                "only {arrived} of {parties} processes reached the start line in time"
            ),
            RegionError::Spawn(err) => write!(f, "could not start a worker: {err}"),
            RegionError::ChildFailed { index, status } => {
                write!(f, "worker {index} failed: {status}")
            }
        }
    }
}

impl std::error::Error for RegionError {}

impl From<io::Error> for RegionError {
    fn from(err: io::Error) -> Self {
        RegionError::Io(err)
    }
}

/// A region file mapped into this process: a counter and `slots` counters, shared with every
/// other process that maps the same file.
///
/// Every access to the mapped words, here and in the other processes, is an atomic operation
/// on an aligned 64-bit word: that is what makes sharing them sound (see [`Self::word`]).
#[derive(Debug)]
pub struct SharedCounters {
    /// The mapping. `MmapRaw` hands out raw pointers only, never `&[u8]`: the other processes
    /// change these bytes under us, which a Rust slice reference would promise cannot happen.
    map: MmapRaw,
    /// How many slots follow the header; `map` is at least `file_len(slots)` bytes long.
    slots: usize,
}

impl SharedCounters {
    /// Creates a new region file at `path` (which must not exist yet) with `slots` slots, all
    /// counters 0, and maps it.
    ///
    /// Refusing an existing file is deliberate: truncating a file that another process has
    /// mapped makes its next access to the lost pages crash with SIGBUS.
    pub fn create(path: &Path, slots: usize) -> Result<Self, RegionError> {
        let len = file_len(slots).ok_or(RegionError::TooShort {
            len: 0,
            needed: u64::MAX,
        })?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)?;
        // A new file is extended with zeros: every counter starts at 0.
        file.set_len(len as u64)?;
        let map = MmapRaw::map_raw(&file)?;
        let region = SharedCounters { map, slots };
        // The slot count first, the magic last, with Release: a process that reads the magic
        // with Acquire (in `open`) also sees the slot count. A file without the magic yet is
        // refused, never half-read.
        region
            .word(SLOTS_WORD)
            .store(slots as u64, Ordering::Relaxed);
        region.word(MAGIC_WORD).store(MAGIC, Ordering::Release);
        Ok(region)
    }

    /// Maps the existing region file at `path`, after checking that it is one: it starts with
    /// [`MAGIC`] and is as long as its slot count says.
    pub fn open(path: &Path) -> Result<Self, RegionError> {
        let file = File::options().read(true).write(true).open(path)?;
        let map = MmapRaw::map_raw(&file)?;
        let len = map.len();
        let header = file_len(0).expect("the header's length fits");
        if len < header {
            return Err(RegionError::TooShort {
                len: len as u64,
                needed: header as u64,
            });
        }
        // Until the slot count is checked, only the header's words may be touched: `word`
        // checks indexes against `HEADER_WORDS + slots`.
        let mut region = SharedCounters { map, slots: 0 };
        // Acquire pairs with `create`'s Release store of the magic: seeing the magic means
        // seeing the slot count written before it.
        let found = region.word(MAGIC_WORD).load(Ordering::Acquire);
        if found != MAGIC {
            return Err(RegionError::BadMagic { found });
        }
        let slots = region.word(SLOTS_WORD).load(Ordering::Relaxed);
        let needed = usize::try_from(slots).ok().and_then(file_len);
        match needed {
            Some(needed) if needed <= len => {}
            _ => {
                return Err(RegionError::TooShort {
                    len: len as u64,
                    needed: needed.map_or(u64::MAX, |n| n as u64),
                });
            }
        }
        region.slots = slots as usize;
        Ok(region)
    }

    /// The word at `index` (counting from the start of the file) as an atomic.
    ///
    /// Panics if `index` is past the end of the region: callers check slot indexes first and
    /// turn them into [`RegionError::NoSuchSlot`].
    fn word(&self, index: usize) -> &AtomicU64 {
        assert!(
            index < HEADER_WORDS + self.slots,
            "word {index} is outside the region ({} words)",
            HEADER_WORDS + self.slots
        );
        let base = self.map.as_mut_ptr().cast::<u64>();
        // SAFETY: `AtomicU64::from_ptr` needs a pointer that is aligned, valid for reads and
        // writes for the returned lifetime, and only ever accessed atomically meanwhile.
        // - Aligned: a mapping starts on a page boundary, and `index` counts whole 8-byte
        //   words from there, so the address is a multiple of 8 = align_of::<AtomicU64>().
        // - In bounds: `index < HEADER_WORDS + slots` (asserted above), and `create` and `open`
        //   made sure the mapping holds `file_len(slots)` bytes, so all 8 bytes are mapped.
        // - Valid long enough: the reference borrows `self`, which owns the mapping, so it
        //   cannot outlive it (the mapping is only unmapped when `self` is dropped).
        // - Only atomic accesses: this module never reads or writes the mapping except through
        //   this function, and every process sharing the file runs this module. (A program
        //   that truncated the file or wrote it with `write(2)` meanwhile would break this;
        //   the region files are private to the processes of one run.)
        unsafe { AtomicU64::from_ptr(base.add(index)) }
    }

    /// Adds `n` to the word at `index` as one atomic read-modify-write; returns the old value.
    fn add(&self, index: usize, n: u64) -> u64 {
        // One `fetch_add`, never a load followed by a store: between those two, another
        // process's addition would be overwritten and lost. Release publishes what this
        // process wrote before; a reader's Acquire (`counter`, `slot`) pairs with it.
        self.word(index).fetch_add(n, Ordering::AcqRel)
    }

    /// How many slots the region has.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Adds 1 to the shared counter; returns its value before.
    pub fn increment(&self) -> u64 {
        self.add(COUNTER_WORD, 1)
    }

    /// Adds `n` to slot `index`; returns its value before.
    pub fn add_to_slot(&self, index: usize, n: u64) -> Result<u64, RegionError> {
        self.check_slot(index)?;
        Ok(self.add(HEADER_WORDS + index, n))
    }

    /// The shared counter's current value.
    pub fn counter(&self) -> u64 {
        self.word(COUNTER_WORD).load(Ordering::Acquire)
    }

    /// Slot `index`'s current value.
    pub fn slot(&self, index: usize) -> Result<u64, RegionError> {
        self.check_slot(index)?;
        Ok(self.word(HEADER_WORDS + index).load(Ordering::Acquire))
    }

    fn check_slot(&self, index: usize) -> Result<(), RegionError> {
        if index < self.slots {
            Ok(())
        } else {
            Err(RegionError::NoSuchSlot {
                index,
                slots: self.slots,
            })
        }
    }

    /// Counts this process in at the start line, then waits until `parties` processes have
    /// arrived, or fails once `patience` has passed (a process that died on the way would
    /// otherwise keep the others waiting forever).
    ///
    /// Starting together is what makes the processes' updates overlap: started one by one,
    /// each could finish before the next one begins.
    pub fn wait_at_start_line(&self, parties: u64, patience: Duration) -> Result<(), RegionError> {
        let ready = self.word(READY_WORD);
        // AcqRel: Release publishes this process's arrival; Acquire, with the loads below,
        // sees every arrival counted before.
        ready.fetch_add(1, Ordering::AcqRel);
        let deadline = Instant::now() + patience;
        loop {
            let arrived = ready.load(Ordering::Acquire);
            if arrived >= parties {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(RegionError::StartTimeout { arrived, parties });
            }
            // No condition variable works across processes here: spin politely, giving the
            // CPU to the processes still on their way.
            thread::yield_now();
        }
    }
}

/// Starts `workers` children running `program`, each with the arguments
/// `PATH INDEX WORKERS INCREMENTS` (INDEX from 0), and waits for every one of them.
///
/// Returns the first failure: a child that could not be started (the ones already running are
/// killed) or one that exited unsuccessfully. Every child started is waited for, on every path.
pub fn run_workers(
    program: impl AsRef<OsStr>,
    path: &Path,
    workers: usize,
    increments: u64,
) -> Result<(), RegionError> {
    let mut children: Vec<Child> = Vec::with_capacity(workers);
    for index in 0..workers {
        let spawned = Command::new(program.as_ref())
            .arg(path)
            .arg(index.to_string())
            .arg(workers.to_string())
            .arg(increments.to_string())
            .spawn();
        match spawned {
            Ok(child) => children.push(child),
            Err(err) => {
                // The children already started wait at the start line for one that will never
                // come: stop them, and reap them.
                for mut child in children {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                return Err(RegionError::Spawn(err));
            }
        }
    }
    // Wait for every child, even after one failed: a child never waited for stays a zombie.
    let mut first_failure = None;
    for (index, mut child) in children.into_iter().enumerate() {
        let failure = match child.wait() {
            Ok(status) if status.success() => continue,
            Ok(status) => RegionError::ChildFailed { index, status },
            Err(err) => RegionError::Io(err),
        };
        first_failure.get_or_insert(failure);
    }
    match first_failure {
        None => Ok(()),
        Some(failure) => Err(failure),
    }
}
