//! The course book's chapters as doc comments, so `cargo test -p course_book` compiles (and
//! runs) every Rust code block in `docs/`: no snippet in the book can rot.
//!
//! Add each new chapter here. Blocks that are not Rust (`text`, `python`, `console`) are not
//! compiled; Rust blocks that must not run use `no_run`.

#[doc = include_str!("../../../docs/src/introduction.md")]
pub mod introduction {}

/// Part 5. Classic problems.
pub mod part5 {
    #[doc = include_str!("../../../docs/src/part5/deferred_callback.md")]
    pub mod deferred_callback {}
}
