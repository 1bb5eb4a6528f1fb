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

// The scaffolding below is not used until you write the code that uses it. Delete this line
// when you are done: the compiler's warnings then point at anything left unused.
#![allow(dead_code, unused_imports, unused_variables)]

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
    /// The mapping. TODO: why `MmapRaw`, which hands out raw pointers only, and not `MmapMut`,
    /// which derefs to `&[u8]` and `&mut [u8]`?
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
        // TODO: open with `create_new`, `set_len` to `file_len(slots)` (new bytes are zeros),
        // map with `MmapRaw::map_raw`, then store the slot count and, last, MAGIC: in which
        // order, and with which orderings, so that `open` never sees the magic without the
        // count?
        todo!("SharedCounters::create")
    }

    /// Maps the existing region file at `path`, after checking that it is one: it starts with
    /// [`MAGIC`] and is as long as its slot count says.
    pub fn open(path: &Path) -> Result<Self, RegionError> {
        // TODO: map the file; refuse a mapping shorter than a header (TooShort), a first word
        // that is not MAGIC (BadMagic), a slot count whose `file_len` does not fit in the
        // mapping or overflows (TooShort). Touch no word past the header before that.
        todo!("SharedCounters::open")
    }

    /// The word at `index` (counting from the start of the file) as an atomic.
    ///
    /// Panics if `index` is past the end of the region: callers check slot indexes first and
    /// turn them into [`RegionError::NoSuchSlot`].
    fn word(&self, index: usize) -> &AtomicU64 {
        // TODO: assert that `index` is inside the region, then `AtomicU64::from_ptr` on the
        // address of word `index` of the mapping, in an `unsafe` block with a `// SAFETY:`
        // comment saying why the pointer is aligned, in bounds, valid for as long as the
        // returned reference, and only ever accessed atomically.
        todo!("SharedCounters::word")
    }

    /// Adds `n` to the word at `index` as one atomic read-modify-write; returns the old value.
    fn add(&self, index: usize, n: u64) -> u64 {
        // TODO: one atomic operation. Why is a load followed by a store not enough, when each of
        // them is atomic?
        todo!("SharedCounters::add")
    }

    /// How many slots the region has.
    pub fn slots(&self) -> usize {
        // TODO
        todo!("SharedCounters::slots")
    }

    /// Adds 1 to the shared counter; returns its value before.
    pub fn increment(&self) -> u64 {
        // TODO
        todo!("SharedCounters::increment")
    }

    /// Adds `n` to slot `index`; returns its value before.
    pub fn add_to_slot(&self, index: usize, n: u64) -> Result<u64, RegionError> {
        // TODO: check the index, then add to its word (slots come after the header).
        todo!("SharedCounters::add_to_slot")
    }

    /// The shared counter's current value.
    pub fn counter(&self) -> u64 {
        // TODO: which ordering pairs with the updates' Release?
        todo!("SharedCounters::counter")
    }

    /// Slot `index`'s current value.
    pub fn slot(&self, index: usize) -> Result<u64, RegionError> {
        // TODO
        todo!("SharedCounters::slot")
    }

    fn check_slot(&self, index: usize) -> Result<(), RegionError> {
        // TODO: `NoSuchSlot` past the end.
        todo!("SharedCounters::check_slot")
    }

    /// Counts this process in at the start line, then waits until `parties` processes have
    /// arrived, or fails once `patience` has passed (a process that died on the way would
    /// otherwise keep the others waiting forever).
    ///
    /// Starting together is what makes the processes' updates overlap: started one by one,
    /// each could finish before the next one begins.
    pub fn wait_at_start_line(&self, parties: u64, patience: Duration) -> Result<(), RegionError> {
        // TODO: add 1 to the READY word, then wait until it reaches `parties`. There is no
        // condition variable across processes here: what do you do between two looks?
        todo!("SharedCounters::wait_at_start_line")
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
    // TODO: spawn every child; if a spawn fails, kill and wait for the ones already started.
    // Then wait for every child (also after one failed) and return the first failure.
    todo!("run_workers")
}
