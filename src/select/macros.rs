//! `select!` and `select_blocking!`: Go's `select` statement.
//!
//! Both macros parse the cases into one normalized list and expand to the same code: one
//! typed case per arm, a [`SelectFuture`](crate::__private::SelectFuture) driven by `.await`
//! or by parking the thread, and a `match` on the chosen case in the caller's scope, so that
//! `break`, `continue`, `return`, `?` and `.await` in a body mean what they mean around the
//! macro.

/// Waits on several channel operations in async code and runs exactly one of them: Go's
/// `select` statement.
///
/// ```text
/// select! {
///     recv(rx) -> v => body,          // v: Option<T>; None = closed and drained
///     send(tx, msg) -> res => body,   // res: Result<(), SendError<T>>
///     default => body,                // taken when no case is ready; never waits
/// }
/// ```
///
/// - Cases are tried in a fresh uniformly random order (B2.1); a first line `biased;` tries
///   them in source order instead.
/// - `rx`/`tx` may be `&Receiver<T>`/`&Sender<T>`, an owned `Receiver<T>` (such as
///   [`after`](crate::after)`(d)` or a context's `done()`), or an `Option` of either: `None`
///   is Go's nil channel and never fires.
/// - Every channel expression and every message is evaluated once, in source order, before
///   any case is tried (B1.1). A send case that is not chosen keeps its message; it is dropped
///   with the select and never delivered.
/// - With no case and no `default`, the select waits forever (B6.1).
/// - A select with `default` never waits, but it is briefly visible to peers while it looks
///   (it registers its cases, then withdraws them). So on an unbuffered channel it can meet a
///   concurrent `try_send`, `try_recv` or another select with `default`, which Go's
///   non-blocking select never does. This only adds successes: `default` is still taken only
///   if at one instant no case was ready.
/// - Bodies run in the caller's scope. **Unlike Go**, `break` in a body leaves the enclosing
///   loop, not the select (B6.4); a body that ends is the end of the select anyway.
/// - The messages must be `Send`, so that a future using `select!` is `Send` and can be
///   spawned on any runtime. For messages that are not `Send`, use
///   [`select_blocking!`](crate::select_blocking!) or a plain `recv().await`.
///
/// # Cancel safety
///
/// Dropping the select while it waits commits no case: a message a peer had already handed
/// to a receive case goes back to its channel (G6), and unsent messages are dropped.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use gochan::{after, bounded, select};
///
/// # futures::executor::block_on(async {
/// let (tx, rx) = bounded::<i32>(1);
/// tx.send(1).await.unwrap();
/// let got = select! {
///     recv(rx) -> v => v,
///     recv(after(Duration::from_secs(5))) -> _ => None,
/// };
/// assert_eq!(got, Some(1));
///
/// let taken_default = select! {
///     recv(rx) -> _ => false,
///     default => true,
/// };
/// assert!(taken_default);
/// # });
/// ```
#[macro_export]
macro_rules! select {
    ($($tokens:tt)*) => {
        $crate::__select!(@start async $($tokens)*)
    };
}

/// Waits on several channel operations on a thread and runs exactly one of them: Go's
/// `select` statement for code outside async.
///
/// The syntax and rules are those of [`select!`](crate::select!); bodies cannot `.await`.
///
/// # Blocking
///
/// Parks the thread (after a short spin) until a case can proceed, using no CPU.
///
/// # Examples
///
/// ```
/// use gochan::{bounded, select_blocking};
///
/// let (a_tx, a) = bounded::<&str>(0);
/// let (b_tx, b) = bounded::<&str>(0);
/// std::thread::spawn(move || b_tx.send_blocking("from b").unwrap());
/// let got = select_blocking! {
///     recv(a) -> v => v,
///     recv(b) -> v => v,
/// };
/// assert_eq!(got, Some("from b"));
/// drop(a_tx);
/// ```
#[macro_export]
macro_rules! select_blocking {
    ($($tokens:tt)*) => {
        $crate::__select!(@start blocking $($tokens)*)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select {
    // Entry: an optional `biased;`, and the identifiers the cases will use.
    (@start $mode:ident biased; $($t:tt)*) => {
        $crate::__select!(@ids $mode true $($t)*)
    };
    (@start $mode:ident $($t:tt)*) => {
        $crate::__select!(@ids $mode false $($t)*)
    };
    (@ids $mode:ident $biased:tt $($t:tt)*) => {
        $crate::__select!(@parse $mode $biased [] []
            [(__c0 __a0 0) (__c1 __a1 1) (__c2 __a2 2) (__c3 __a3 3) (__c4 __a4 4)
             (__c5 __a5 5) (__c6 __a6 6) (__c7 __a7 7) (__c8 __a8 8) (__c9 __a9 9)
             (__c10 __a10 10) (__c11 __a11 11) (__c12 __a12 12) (__c13 __a13 13)
             (__c14 __a14 14) (__c15 __a15 15) (__c16 __a16 16) (__c17 __a17 17)
             (__c18 __a18 18) (__c19 __a19 19) (__c20 __a20 20) (__c21 __a21 21)
             (__c22 __a22 22) (__c23 __a23 23) (__c24 __a24 24) (__c25 __a25 25)
             (__c26 __a26 26) (__c27 __a27 27) (__c28 __a28 28) (__c29 __a29 29)
             (__c30 __a30 30) (__c31 __a31 31)]
            $($t)*)
    };

    // All cases parsed.
    (@parse $mode:ident $biased:tt [$($c:tt)*] [$($d:tt)*] [$($ids:tt)*]) => {
        $crate::__select!(@emit $mode $biased [$($c)*] [$($d)*])
    };

    // recv(rx) -> pat => body
    (@parse $mode:ident $biased:tt [$($c:tt)*] [$($d:tt)*] [($id:ident $a:ident $n:tt) $($ids:tt)*]
        recv($rx:expr) -> $p:pat => $body:block, $($rest:tt)*) => {
        $crate::__select!(@parse $mode $biased [$($c)* (recv $id $a $n ($rx) $p $body)] [$($d)*] [$($ids)*] $($rest)*)
    };
    (@parse $mode:ident $biased:tt [$($c:tt)*] [$($d:tt)*] [($id:ident $a:ident $n:tt) $($ids:tt)*]
        recv($rx:expr) -> $p:pat => $body:block $($rest:tt)*) => {
        $crate::__select!(@parse $mode $biased [$($c)* (recv $id $a $n ($rx) $p $body)] [$($d)*] [$($ids)*] $($rest)*)
    };
    (@parse $mode:ident $biased:tt [$($c:tt)*] [$($d:tt)*] [($id:ident $a:ident $n:tt) $($ids:tt)*]
        recv($rx:expr) -> $p:pat => $body:expr, $($rest:tt)*) => {
        $crate::__select!(@parse $mode $biased [$($c)* (recv $id $a $n ($rx) $p $body)] [$($d)*] [$($ids)*] $($rest)*)
    };
    (@parse $mode:ident $biased:tt [$($c:tt)*] [$($d:tt)*] [($id:ident $a:ident $n:tt) $($ids:tt)*]
        recv($rx:expr) -> $p:pat => $body:expr) => {
        $crate::__select!(@parse $mode $biased [$($c)* (recv $id $a $n ($rx) $p $body)] [$($d)*] [$($ids)*])
    };

    // send(tx, msg) -> pat => body
    (@parse $mode:ident $biased:tt [$($c:tt)*] [$($d:tt)*] [($id:ident $a:ident $n:tt) $($ids:tt)*]
        send($tx:expr, $msg:expr) -> $p:pat => $body:block, $($rest:tt)*) => {
        $crate::__select!(@parse $mode $biased [$($c)* (send $id $a $n ($tx, $msg) $p $body)] [$($d)*] [$($ids)*] $($rest)*)
    };
    (@parse $mode:ident $biased:tt [$($c:tt)*] [$($d:tt)*] [($id:ident $a:ident $n:tt) $($ids:tt)*]
        send($tx:expr, $msg:expr) -> $p:pat => $body:block $($rest:tt)*) => {
        $crate::__select!(@parse $mode $biased [$($c)* (send $id $a $n ($tx, $msg) $p $body)] [$($d)*] [$($ids)*] $($rest)*)
    };
    (@parse $mode:ident $biased:tt [$($c:tt)*] [$($d:tt)*] [($id:ident $a:ident $n:tt) $($ids:tt)*]
        send($tx:expr, $msg:expr) -> $p:pat => $body:expr, $($rest:tt)*) => {
        $crate::__select!(@parse $mode $biased [$($c)* (send $id $a $n ($tx, $msg) $p $body)] [$($d)*] [$($ids)*] $($rest)*)
    };
    (@parse $mode:ident $biased:tt [$($c:tt)*] [$($d:tt)*] [($id:ident $a:ident $n:tt) $($ids:tt)*]
        send($tx:expr, $msg:expr) -> $p:pat => $body:expr) => {
        $crate::__select!(@parse $mode $biased [$($c)* (send $id $a $n ($tx, $msg) $p $body)] [$($d)*] [$($ids)*])
    };

    // default => body (at most one)
    (@parse $mode:ident $biased:tt [$($c:tt)*] [] [$($ids:tt)*]
        default => $body:block, $($rest:tt)*) => {
        $crate::__select!(@parse $mode $biased [$($c)*] [$body] [$($ids)*] $($rest)*)
    };
    (@parse $mode:ident $biased:tt [$($c:tt)*] [] [$($ids:tt)*]
        default => $body:block $($rest:tt)*) => {
        $crate::__select!(@parse $mode $biased [$($c)*] [$body] [$($ids)*] $($rest)*)
    };
    (@parse $mode:ident $biased:tt [$($c:tt)*] [] [$($ids:tt)*]
        default => $body:expr, $($rest:tt)*) => {
        $crate::__select!(@parse $mode $biased [$($c)*] [$body] [$($ids)*] $($rest)*)
    };
    (@parse $mode:ident $biased:tt [$($c:tt)*] [] [$($ids:tt)*]
        default => $body:expr) => {
        $crate::__select!(@parse $mode $biased [$($c)*] [$body] [$($ids)*])
    };

    // Malformed input: clear messages.
    (@parse $mode:ident $biased:tt [$($c:tt)*] [$($d:tt)+] [$($ids:tt)*] default $($rest:tt)*) => {
        ::core::compile_error!("select!: more than one `default` case")
    };
    (@parse $mode:ident $biased:tt [$($c:tt)*] [$($d:tt)*] [] recv $($rest:tt)*) => {
        ::core::compile_error!("select!: too many cases (at most 32; use `gochan::Select` for more)")
    };
    (@parse $mode:ident $biased:tt [$($c:tt)*] [$($d:tt)*] [] send $($rest:tt)*) => {
        ::core::compile_error!("select!: too many cases (at most 32; use `gochan::Select` for more)")
    };
    (@parse $mode:ident $biased:tt [$($c:tt)*] [$($d:tt)*] [$($ids:tt)*] recv $($rest:tt)*) => {
        ::core::compile_error!("select!: expected `recv(receiver) -> pattern => body`")
    };
    (@parse $mode:ident $biased:tt [$($c:tt)*] [$($d:tt)*] [$($ids:tt)*] send $($rest:tt)*) => {
        ::core::compile_error!("select!: expected `send(sender, message) -> pattern => body`")
    };
    (@parse $mode:ident $biased:tt [$($c:tt)*] [$($d:tt)*] [$($ids:tt)*] default $($rest:tt)*) => {
        ::core::compile_error!("select!: expected `default => body`")
    };
    (@parse $mode:ident $biased:tt [$($c:tt)*] [$($d:tt)*] [$($ids:tt)*] $op:ident $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "select!: unknown operation `", ::core::stringify!($op),
            "`; expected `recv`, `send` or `default`"
        ))
    };
    (@parse $mode:ident $biased:tt [$($c:tt)*] [$($d:tt)*] [$($ids:tt)*] $($rest:tt)+) => {
        ::core::compile_error!("select!: expected a case: `recv(..) -> pattern => body`, `send(.., ..) -> pattern => body` or `default => body`")
    };

    // Expansion.
    (@emit $mode:ident $biased:tt [$(($kind:ident $id:ident $a:ident $n:tt $args:tt $p:tt $body:tt))*] []) => {
        $crate::__select!(@body $mode $biased false
            [$(($kind $id $a $n $args $p $body))*]
            { ::core::unreachable!("a select without `default` returned no case") })
    };
    (@emit $mode:ident $biased:tt [$(($kind:ident $id:ident $a:ident $n:tt $args:tt $p:tt $body:tt))*] [$d:tt]) => {
        $crate::__select!(@body $mode $biased true
            [$(($kind $id $a $n $args $p $body))*]
            $d)
    };
    (@body $mode:ident $biased:tt $has_default:tt
        [$(($kind:ident $id:ident $a:ident $n:tt $args:tt $p:tt $body:tt))*] $default:tt) => {{
        $(
            let $a = $crate::__select!(@arg $kind $args);
            #[allow(unused_mut)]
            let mut $id = $crate::__select!(@case $kind $a $args);
        )*
        let __outcome = $crate::__select!(@run $mode [$($id)*], $has_default, $biased);
        match __outcome {
            $(
                $crate::__private::Outcome::Case($n) => {
                    let $p = $id.take();
                    $body
                }
            )*
            $crate::__private::Outcome::Default => $default,
            #[allow(unreachable_patterns)]
            _ => ::core::unreachable!("select chose a case it does not have"),
        }
    }};

    // The channel operand is borrowed, so `recv(rx)` does not move `rx`, and a temporary such
    // as `after(d)` lives until the select ends.
    (@arg recv ($rx:expr)) => { &$rx };
    (@arg send ($tx:expr, $msg:expr)) => { &$tx };
    (@case recv $a:ident ($rx:expr)) => { $crate::__private::RecvArg::recv_case($a) };
    (@case send $a:ident ($tx:expr, $msg:expr)) => { $crate::__private::SendArg::send_case($a, $msg) };

    // Async cases are `Send`, so that the select's future can be spawned.
    (@run async [$($id:ident)*], $has_default:tt, $biased:tt) => {{
        let __cases: &mut [&mut (dyn $crate::__private::Case + ::core::marker::Send)] =
            &mut [$(&mut $id as &mut (dyn $crate::__private::Case + ::core::marker::Send)),*];
        $crate::__private::SelectFuture::new(__cases, $has_default, $biased).await
    }};
    (@run blocking [$($id:ident)*], $has_default:tt, $biased:tt) => {{
        let __cases: &mut [&mut dyn $crate::__private::Case] =
            &mut [$(&mut $id as &mut dyn $crate::__private::Case),*];
        $crate::__private::select_blocking(__cases, $has_default, $biased)
    }};
}
