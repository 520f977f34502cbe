//! Loom models for gochan live in `tests/`; build them with `RUSTFLAGS="--cfg loom"`.
