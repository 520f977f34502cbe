// Must compile: an async `select!` and `Select::select()` can run inside `tokio::spawn` on a
// multi-thread runtime (DESIGN G10), so the futures they create must be `Send`.
use gochan::{bounded, select, Select};

fn assert_send<T: Send>(_: &T) {}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().build().unwrap();
    let (tx, rx) = bounded::<i32>(0);
    let (tx2, rx2) = bounded::<i32>(0);

    let macro_form = async move {
        select! {
            recv(rx) -> v => v,
            send(tx2, 1) -> _ => None,
        }
    };
    assert_send(&macro_form);
    let h = rt.spawn(macro_form);

    let builder_form = async move {
        let mut sel = Select::new();
        sel.recv(&rx2);
        sel.send(&tx, 2);
        sel.select().await.index()
    };
    assert_send(&builder_form);
    let h2 = rt.spawn(builder_form);
    drop((h, h2));
}
