//! Go's `sync` companions: [`WaitGroup`] and its [`WaitFuture`]; privately, the model-checker
//! switch.
//!
//! The one switch between `std`, `loom` and `shuttle` primitives.
//!
//! Every other module takes its atomics, locks, `Arc` and threads from here, so that a build
//! with `RUSTFLAGS="--cfg loom"` puts the whole synchronization protocol under the model
//! checker, and one with `RUSTFLAGS="--cfg shuttle"` under shuttle's randomized schedulers
//! (the two are never set together). shuttle replaces atomics, `Mutex`, `Condvar` and threads
//! but not `Arc`/`Weak`, which stay std's there. Under shuttle every atomic access behaves as
//! `SeqCst`, `Condvar::wait_timeout` never times out and there is no time: timer channels and
//! deadlines are inert (the timer thread is a real OS thread and must not touch shuttle
//! objects). Locks ignore poisoning: a panic in user code (a `Drop` of a message, a waker)
//! never happens while one of our locks is held, and a poisoned lock would otherwise turn one
//! panic into many.

pub use crate::waitgroup::{WaitFuture, WaitGroup};

#[cfg(all(loom, shuttle))]
compile_error!("`--cfg loom` and `--cfg shuttle` cannot be set together");

#[cfg(not(any(loom, shuttle)))]
#[allow(unused_imports)]
pub(crate) use std::sync::{
    atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    Condvar,
};

#[cfg(not(loom))]
#[allow(unused_imports)]
pub(crate) use std::sync::{Arc, Weak};

#[cfg(shuttle)]
#[allow(unused_imports)]
pub(crate) use shuttle::sync::{
    atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    Condvar,
};

#[cfg(loom)]
#[allow(unused_imports)]
pub(crate) use loom::sync::{
    atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    Arc, Condvar,
};

/// loom has no `Weak`; the context tree keeps weak children. Under loom children are kept
/// strongly (the models are small and never depend on the drop of a child).
#[cfg(loom)]
pub(crate) type Weak<T> = Arc<T>;

#[cfg(not(any(loom, shuttle)))]
pub(crate) use std::thread;

#[cfg(loom)]
pub(crate) use loom::thread;

#[cfg(shuttle)]
pub(crate) use shuttle::thread;

/// A mutex whose `lock` cannot fail: poisoning is ignored (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct Mutex<T> {
    #[cfg(not(any(loom, shuttle)))]
    inner: std::sync::Mutex<T>,
    #[cfg(loom)]
    inner: loom::sync::Mutex<T>,
    #[cfg(shuttle)]
    inner: shuttle::sync::Mutex<T>,
}

#[cfg(not(any(loom, shuttle)))]
pub(crate) type MutexGuard<'a, T> = std::sync::MutexGuard<'a, T>;
#[cfg(loom)]
pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;
#[cfg(shuttle)]
pub(crate) type MutexGuard<'a, T> = shuttle::sync::MutexGuard<'a, T>;

impl<T> Mutex<T> {
    pub(crate) fn new(value: T) -> Self {
        Mutex {
            #[cfg(not(any(loom, shuttle)))]
            inner: std::sync::Mutex::new(value),
            #[cfg(loom)]
            inner: loom::sync::Mutex::new(value),
            #[cfg(shuttle)]
            inner: shuttle::sync::Mutex::new(value),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The lock of the channel state (and of the waiter layer's slots and wakers, leaves in the
/// lock order): its critical sections are a few dozen instructions, and it is taken once or
/// twice per message. parking_lot's lock is a byte whose uncontended
/// `lock` and `unlock` are one inlined compare-and-swap each, with no poisoning to track
/// (std's costs a call and two panic-count checks per lock). Under loom and shuttle it is
/// the model's `Mutex`.
#[derive(Debug, Default)]
pub(crate) struct Lock<T> {
    #[cfg(not(any(loom, shuttle)))]
    inner: parking_lot::Mutex<T>,
    #[cfg(any(loom, shuttle))]
    inner: Mutex<T>,
}

#[cfg(not(any(loom, shuttle)))]
pub(crate) type LockGuard<'a, T> = parking_lot::MutexGuard<'a, T>;
#[cfg(any(loom, shuttle))]
pub(crate) type LockGuard<'a, T> = MutexGuard<'a, T>;

impl<T> Lock<T> {
    pub(crate) fn new(value: T) -> Self {
        Lock {
            #[cfg(not(any(loom, shuttle)))]
            inner: parking_lot::Mutex::new(value),
            #[cfg(any(loom, shuttle))]
            inner: Mutex::new(value),
        }
    }

    /// Locks, first spinning on `try_lock` with a growing pause (about a microsecond in all):
    /// a contended channel lock is usually free again within the spin, while a sleeping
    /// `lock` costs two system calls and a context switch.
    #[inline]
    pub(crate) fn lock(&self) -> LockGuard<'_, T> {
        #[cfg(not(any(loom, shuttle)))]
        if let Some(g) = self.inner.try_lock() {
            return g;
        }
        self.lock_contended()
    }

    /// The value, through a unique borrow (no locking).
    #[cfg(not(any(loom, shuttle)))]
    pub(crate) fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    #[inline(never)]
    fn lock_contended(&self) -> LockGuard<'_, T> {
        #[cfg(not(any(loom, shuttle)))]
        for i in 0..6u32 {
            for _ in 0..(4u32 << i) {
                std::hint::spin_loop();
            }
            if let Some(g) = self.inner.try_lock() {
                return g;
            }
        }
        self.inner.lock()
    }
}

/// A condition variable for a [`Lock`].
#[derive(Debug, Default)]
pub(crate) struct LockCondvar {
    #[cfg(not(any(loom, shuttle)))]
    inner: parking_lot::Condvar,
    #[cfg(any(loom, shuttle))]
    inner: Condvar,
}

impl LockCondvar {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Releases `guard`'s lock, waits for a notification, and locks again.
    #[allow(unused_mut)]
    pub(crate) fn wait<'a, T>(&self, mut guard: LockGuard<'a, T>) -> LockGuard<'a, T> {
        #[cfg(not(any(loom, shuttle)))]
        {
            self.inner.wait(&mut guard);
            guard
        }
        #[cfg(any(loom, shuttle))]
        wait(&self.inner, guard)
    }

    pub(crate) fn notify_all(&self) {
        self.inner.notify_all();
    }
}

/// Waits on `cv`, ignoring poisoning.
pub(crate) fn wait<'a, T>(cv: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    cv.wait(guard).unwrap_or_else(|e| e.into_inner())
}

/// Waits on `cv` for at most `dur` (a plain wait under loom, which has no time; shuttle's
/// `wait_timeout` never times out either).
pub(crate) fn wait_timeout<'a, T>(
    cv: &Condvar,
    guard: MutexGuard<'a, T>,
    dur: std::time::Duration,
) -> MutexGuard<'a, T> {
    #[cfg(not(loom))]
    {
        cv.wait_timeout(guard, dur)
            .map(|(g, _)| g)
            .unwrap_or_else(|e| e.into_inner().0)
    }
    #[cfg(loom)]
    {
        let _ = dur;
        wait(cv, guard)
    }
}

/// A hint inside a bounded spin; under loom and shuttle it yields so the checked execution
/// can make progress (a busy spin is invisible to their schedulers).
pub(crate) fn spin_hint() {
    #[cfg(not(any(loom, shuttle)))]
    std::hint::spin_loop();
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(shuttle)]
    shuttle::hint::spin_loop();
}

/// `Weak::new`-free downgrade and upgrade that also work under loom (which has no `Weak`:
/// there the "weak" pointer is strong, which only matters for memory, never for a model).
pub(crate) fn downgrade<T>(a: &Arc<T>) -> Weak<T> {
    #[cfg(not(loom))]
    {
        Arc::downgrade(a)
    }
    #[cfg(loom)]
    {
        a.clone()
    }
}

/// See [`downgrade`].
pub(crate) fn upgrade<T>(w: &Weak<T>) -> Option<Arc<T>> {
    #[cfg(not(loom))]
    {
        w.upgrade()
    }
    #[cfg(loom)]
    {
        Some(w.clone())
    }
}

/// Primitives that are never modelled: the process-wide timer thread, which lives outside
/// every loom model and shuttle execution (a `static` cannot hold loom types, and shuttle
/// objects are tied to one execution). Loom models drive timer channels through `Chan::pump`
/// instead ("the deadline fires now" as an explicit branch); under shuttle they never fire.
pub(crate) mod real {
    pub(crate) use std::sync::{Condvar, Mutex, OnceLock};
    pub(crate) use std::thread;
}
