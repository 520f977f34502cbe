//! Static checks of the public types' auto traits and error-type conventions (STYLE.md 7):
//! handles are `Send + Sync + Clone` for `T: Send` (even when `T` is not `Sync`), futures are
//! `Send` and `Unpin`, and errors are `std::error::Error` with lowercase `Display` without a
//! final period and a `Debug` that does not need `T: Debug`.

use std::cell::Cell;
use std::error::Error;
use std::fmt::{Debug, Display};

use gochan::{
    bounded, unbounded, IntoIter, Iter, Receiver, RecvFuture, RecvTimeoutError, SendError,
    SendFuture, SendTimeoutError, Sender, TryIter, TryRecvError, TrySendError,
};

fn send_sync_clone<T: Send + Sync + Clone>() {}
fn send<T: Send>() {}
fn sync<T: Sync>() {}
fn unpin<T: Unpin>() {}
fn error<T: Error + Display + Debug + Send + Sync + 'static>() {}
fn future_is_send<F: std::future::Future + Send + Unpin>(_: &F) {}
fn stream<S: futures::Stream<Item = T> + Unpin, T>() {}
fn sink<S: futures::Sink<T>, T>() {}

/// `Send` but not `Sync` and not `Debug`.
struct SendOnly(#[allow(dead_code)] Cell<u32>);

/// Neither `Debug` nor `Clone`, but `Send + Sync`.
struct Opaque;

#[test]
fn handles_are_send_sync_clone() {
    send_sync_clone::<Sender<SendOnly>>();
    send_sync_clone::<Receiver<SendOnly>>();
    send_sync_clone::<Sender<Opaque>>();
    send_sync_clone::<Receiver<Opaque>>();
    send_sync_clone::<Sender<Box<dyn Send>>>();
    unpin::<Sender<std::marker::PhantomPinned>>();
    unpin::<Receiver<std::marker::PhantomPinned>>();
    send::<Iter<'static, SendOnly>>();
    send::<TryIter<'static, SendOnly>>();
    send::<IntoIter<SendOnly>>();
}

#[test]
fn futures_are_send_and_unpin() {
    send::<SendFuture<'static, SendOnly>>();
    send::<RecvFuture<'static, SendOnly>>();
    sync::<RecvFuture<'static, Opaque>>();
    unpin::<SendFuture<'static, std::marker::PhantomPinned>>();
    unpin::<RecvFuture<'static, std::marker::PhantomPinned>>();
    let (tx, rx) = bounded::<SendOnly>(1);
    future_is_send(&tx.send(SendOnly(Cell::new(1))));
    future_is_send(&rx.recv());
    let (tx, rx) = unbounded::<SendOnly>();
    future_is_send(&tx.send(SendOnly(Cell::new(1))));
    future_is_send(&rx.recv());
}

#[test]
fn stream_and_sink() {
    stream::<Receiver<SendOnly>, SendOnly>();
    sink::<Sender<SendOnly>, SendOnly>();
}

#[test]
fn errors_are_errors_without_t_debug() {
    error::<SendError<Opaque>>();
    error::<TrySendError<Opaque>>();
    error::<SendTimeoutError<Opaque>>();
    error::<TryRecvError>();
    error::<RecvTimeoutError>();
    // `?` into a boxed error works for a message type without Debug.
    fn boxed() -> Result<(), Box<dyn Error + Send + Sync>> {
        let (tx, rx) = bounded::<Opaque>(0);
        drop(rx);
        tx.send_blocking(Opaque)?;
        Ok(())
    }
    assert!(boxed().is_err());
}

fn check_message(e: &dyn Error) {
    let s = e.to_string();
    assert!(!s.is_empty(), "empty Display");
    let first = s.chars().next().unwrap();
    assert!(
        !first.is_uppercase(),
        "Display starts with a capital: {s:?}"
    );
    assert!(!s.ends_with('.'), "Display ends with a period: {s:?}");
    assert!(!format!("{e:?}").is_empty(), "empty Debug");
}

#[test]
fn error_messages_follow_the_house_style() {
    check_message(&SendError(Opaque));
    check_message(&TrySendError::Full(Opaque));
    check_message(&TrySendError::Closed(Opaque));
    check_message(&SendTimeoutError::Timeout(Opaque));
    check_message(&SendTimeoutError::Closed(Opaque));
    check_message(&TryRecvError::Empty);
    check_message(&TryRecvError::Closed);
    check_message(&RecvTimeoutError::Timeout);
    check_message(&RecvTimeoutError::Closed);
    // The two kinds of each error say different things.
    assert_ne!(
        TrySendError::Full(Opaque).to_string(),
        TrySendError::Closed(Opaque).to_string()
    );
    assert_ne!(
        SendTimeoutError::Timeout(Opaque).to_string(),
        SendTimeoutError::Closed(Opaque).to_string()
    );
    assert_ne!(
        TryRecvError::Empty.to_string(),
        TryRecvError::Closed.to_string()
    );
    assert_ne!(
        RecvTimeoutError::Timeout.to_string(),
        RecvTimeoutError::Closed.to_string()
    );
}

#[test]
fn send_errors_give_the_message_back() {
    assert_eq!(SendError(5).into_inner(), 5);
    assert_eq!(SendError(5).0, 5);
    let (tx, rx) = bounded::<String>(0);
    drop(rx);
    let e = tx.send_blocking("hello".to_string()).unwrap_err();
    assert_eq!(e.into_inner(), "hello");
}

#[test]
fn handles_debug_without_t_debug() {
    let (tx, rx) = bounded::<Opaque>(1);
    assert!(!format!("{tx:?}").is_empty());
    assert!(!format!("{rx:?}").is_empty());
}

/// A future using `select!` is `Send` when its messages are, so it can be spawned.
#[test]
fn select_futures_are_send() {
    fn assert_send<F: Send>(f: F) -> F {
        f
    }
    let fut = assert_send(async {
        let (tx, rx) = gochan::bounded::<u32>(1);
        gochan::select! {
            recv(rx) -> v => v,
            send(tx, 1) -> _ => None,
        }
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let out = rt.block_on(async { tokio::spawn(fut).await.unwrap() });
    assert!(out.is_none() || out == Some(1));
    let (_tx, rx) = gochan::bounded::<u32>(1);
    let mut sel = gochan::Select::new();
    sel.recv(&rx);
    drop(assert_send(sel.select()));
}
