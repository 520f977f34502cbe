// select!: at most one `default` case (go-reference E2: "multiple default cases").
fn main() {
    let (_tx, rx) = gochan::bounded::<i32>(1);
    let _ = gochan::select_blocking! {
        recv(rx) -> v => v,
        default => None,
        default => None,
    };
}
