// select!: only `recv`, `send` and `default` are cases.
fn main() {
    let (_tx, rx) = gochan::bounded::<i32>(1);
    let _ = gochan::select_blocking! {
        foo(rx) -> v => v,
        default => None,
    };
}
