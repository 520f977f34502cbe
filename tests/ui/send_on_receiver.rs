// select!: a `send` case needs a Sender, not a Receiver (a type error).
fn main() {
    let (_tx, rx) = gochan::bounded::<i32>(1);
    gochan::select_blocking! {
        send(rx, 1) -> _ => {},
        default => {},
    }
}
