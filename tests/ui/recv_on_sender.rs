// select!: a `recv` case needs a Receiver, not a Sender (a type error).
fn main() {
    let (tx, _rx) = gochan::bounded::<i32>(1);
    gochan::select_blocking! {
        recv(tx) -> _ => {},
        default => {},
    }
}
