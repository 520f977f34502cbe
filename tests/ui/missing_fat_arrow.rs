// select!: a case without `=>` between the pattern and the body.
fn main() {
    let (_tx, rx) = gochan::bounded::<i32>(1);
    let _ = gochan::select_blocking! {
        recv(rx) -> v v,
        default => None,
    };
}
