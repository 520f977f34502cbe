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

/// The lock of the channel state and of the waiter layer's slots and wakers (leaves in the
/// lock order): a test-and-set spin lock whose `unlock` is a plain store, for critical
/// sections of a few dozen instructions that never block. (A parking lock's unlock needs a
/// read-modify-write to find sleepers: two locked instructions per operation instead of one,
/// which measured as about 40% of an uncontended send and receive.) A thread that finds
/// it taken spins with a growing pause, then yields to the scheduler until it is free (a
/// holder that was descheduled gets the core back), and never sleeps: nobody waits on this
/// lock for an event, only for the end of a critical section. Under loom and shuttle it is
/// the model's `Mutex`.
#[derive(Debug, Default)]
pub(crate) struct SpinLock<T> {
    #[cfg(not(any(loom, shuttle)))]
    inner: spin::mutex::SpinMutex<T>,
    #[cfg(any(loom, shuttle))]
    inner: Mutex<T>,
}

#[cfg(not(any(loom, shuttle)))]
pub(crate) type SpinGuard<'a, T> = spin::mutex::SpinMutexGuard<'a, T>;
#[cfg(any(loom, shuttle))]
pub(crate) type SpinGuard<'a, T> = MutexGuard<'a, T>;

impl<T> SpinLock<T> {
    pub(crate) fn new(value: T) -> Self {
        SpinLock {
            #[cfg(not(any(loom, shuttle)))]
            inner: spin::mutex::SpinMutex::new(value),
            #[cfg(any(loom, shuttle))]
            inner: Mutex::new(value),
        }
    }

    #[inline]
    pub(crate) fn lock(&self) -> SpinGuard<'_, T> {
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

    /// The value, through a unique borrow: no locking, except under the model checkers,
    /// whose mutexes are always locked.
    #[cfg(not(any(loom, shuttle)))]
    pub(crate) fn get_mut_or_lock(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    /// See the other `get_mut_or_lock`.
    #[cfg(any(loom, shuttle))]
    pub(crate) fn get_mut_or_lock(&mut self) -> SpinGuard<'_, T> {
        self.inner.lock()
    }

    #[inline(never)]
    fn lock_contended(&self) -> SpinGuard<'_, T> {
        #[cfg(not(any(loom, shuttle)))]
        {
            for i in 0..6u32 {
                for _ in 0..(4u32 << i) {
                    std::hint::spin_loop();
                }
                if let Some(g) = self.inner.try_lock() {
                    return g;
                }
            }
            loop {
                std::thread::yield_now();
                if let Some(g) = self.inner.try_lock() {
                    return g;
                }
            }
        }
        #[cfg(any(loom, shuttle))]
        self.inner.lock()
    }
}

/// A cell whose contents are reached only through raw pointers, inside closures, so that
/// loom can check every access: loom's `UnsafeCell` under loom, a thin wrapper over std's
/// otherwise. Only the waiter layer's `unsafe` code uses it.
#[derive(Debug)]
pub(crate) struct UnsafeCell<T> {
    #[cfg(not(loom))]
    inner: std::cell::UnsafeCell<T>,
    #[cfg(loom)]
    inner: loom::cell::UnsafeCell<T>,
}

impl<T> UnsafeCell<T> {
    pub(crate) fn new(value: T) -> Self {
        UnsafeCell {
            #[cfg(not(loom))]
            inner: std::cell::UnsafeCell::new(value),
            #[cfg(loom)]
            inner: loom::cell::UnsafeCell::new(value),
        }
    }

    /// Runs `f` with a pointer for writing; the caller guarantees exclusive access.
    #[inline]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        #[cfg(not(loom))]
        {
            f(self.inner.get())
        }
        #[cfg(loom)]
        {
            self.inner.with_mut(f)
        }
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
