// Must compile: `select_blocking!` over channels of a type that is not `Send` (here `Rc`),
// on one thread. (The async `select!` and the `Select` builder require `Send` messages, so
// that their futures can be spawned on any runtime: a documented choice.)
use std::rc::Rc;

use gochan::{bounded, select_blocking};

fn main() {
    let (tx, rx) = bounded::<Rc<i32>>(1);

    tx.try_send(Rc::new(1)).unwrap();
    let v = select_blocking! { recv(rx) -> v => v };
    assert_eq!(v.as_deref(), Some(&1));

    let w = select_blocking! {
        recv(rx) -> v => v,
        send(tx, Rc::new(3)) -> _ => None,
    };
    assert!(w.is_none() || rx.try_recv().is_ok());
}
