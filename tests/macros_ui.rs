//! Compile-fail tests for `select!` / `select_blocking!` (trybuild): malformed cases must be
//! rejected with the macro's own message, and wrong handle types with a type error. The
//! expected compiler output is in `tests/ui/*.stderr`; regenerate it with
//! `TRYBUILD=overwrite cargo test --test macros_ui` and review the diff.
//!
//! Two compile-pass checks sit beside them: the select futures are `Send` when the messages
//! are, and `select_blocking!` over messages that are not `Send` compiles.

#[test]
fn select_macro_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/two_defaults.rs");
    t.compile_fail("tests/ui/missing_fat_arrow.rs");
    t.compile_fail("tests/ui/unknown_operation.rs");
    t.compile_fail("tests/ui/send_on_receiver.rs");
    t.compile_fail("tests/ui/recv_on_sender.rs");
}

/// G10: the futures of `select!` and `Select::select()` must be `Send`, so that they can be
/// given to `tokio::spawn` on a multi-thread runtime.
#[test]
fn select_futures_are_send() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass_select_future_is_send.rs");
}

/// `select_blocking!` over a channel of `Rc` (not `Send`) on one thread. The async `select!`
/// and `Select` require `Send` messages (their futures can be spawned); see their docs.
#[test]
fn select_over_non_send_messages() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass_select_non_send_messages.rs");
}
