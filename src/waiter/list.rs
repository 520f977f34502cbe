//! A FIFO wait list with O(1) removal by key (go-reference B10.9, test/chanlinear.go).
//!
//! Nodes live in a slab (`Vec`) and are linked by index. A [`Key`] carries a generation that
//! is never reused within one list, so removing by a stale key (an entry a peer already took)
//! is a harmless no-op. When the list empties, a large slab is given back.

const NIL: usize = usize::MAX;

/// Identifies one entry of a [`WaitList`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key {
    index: usize,
    generation: u64,
}

#[derive(Debug)]
struct Node<E> {
    value: Option<E>,
    generation: u64,
    prev: usize,
    next: usize,
}

/// A queue of waiters in arrival order.
#[derive(Debug)]
pub(crate) struct WaitList<E> {
    nodes: Vec<Node<E>>,
    /// Head of the chain of free nodes (linked through `next`).
    free: usize,
    head: usize,
    tail: usize,
    len: usize,
    generation: u64,
}

impl<E> Default for WaitList<E> {
    fn default() -> Self {
        WaitList {
            nodes: Vec::new(),
            free: NIL,
            head: NIL,
            tail: NIL,
            len: 0,
            generation: 0,
        }
    }
}

impl<E> WaitList<E> {
    /// Number of queued entries.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends `value` at the tail.
    pub(crate) fn push_back(&mut self, value: E) -> Key {
        self.generation += 1;
        let generation = self.generation;
        let index = if self.free != NIL {
            let i = self.free;
            self.free = self.nodes[i].next;
            self.nodes[i] = Node {
                value: Some(value),
                generation,
                prev: self.tail,
                next: NIL,
            };
            i
        } else {
            self.nodes.push(Node {
                value: Some(value),
                generation,
                prev: self.tail,
                next: NIL,
            });
            self.nodes.len() - 1
        };
        if self.tail == NIL {
            self.head = index;
        } else {
            self.nodes[self.tail].next = index;
        }
        self.tail = index;
        self.len += 1;
        Key { index, generation }
    }

    /// Removes the entry `key` names, if it is still queued.
    pub(crate) fn remove(&mut self, key: Key) -> Option<E> {
        let node = self.nodes.get(key.index)?;
        if node.generation != key.generation || node.value.is_none() {
            return None;
        }
        Some(self.unlink(key.index))
    }

    /// The entry `key` names, if it is still queued.
    pub(crate) fn get_mut(&mut self, key: Key) -> Option<&mut E> {
        let node = self.nodes.get_mut(key.index)?;
        if node.generation != key.generation {
            return None;
        }
        node.value.as_mut()
    }

    /// Removes and returns the first entry for which `pick` says [`Pick::Take`], dropping the
    /// entries it calls [`Pick::Discard`] (stale selects) and keeping those it calls
    /// [`Pick::Skip`] (the caller's own entries), in queue order.
    #[inline]
    pub(crate) fn take_first(&mut self, mut pick: impl FnMut(&E) -> Pick) -> Option<E> {
        if self.head == NIL {
            return None;
        }
        let mut i = self.head;
        while i != NIL {
            let next = self.nodes[i].next;
            let value = self.nodes[i]
                .value
                .as_ref()
                .expect("linked nodes hold values");
            match pick(value) {
                Pick::Take => return Some(self.unlink(i)),
                Pick::Discard => drop(self.unlink(i)),
                Pick::Skip => {}
            }
            i = next;
        }
        None
    }

    /// Whether some entry satisfies `pred` (used to see a peer without claiming it).
    pub(crate) fn any(&self, mut pred: impl FnMut(&E) -> bool) -> bool {
        let mut i = self.head;
        while i != NIL {
            if pred(
                self.nodes[i]
                    .value
                    .as_ref()
                    .expect("linked nodes hold values"),
            ) {
                return true;
            }
            i = self.nodes[i].next;
        }
        false
    }

    /// Removes every entry, in queue order.
    pub(crate) fn drain(&mut self) -> Vec<E> {
        let mut out = Vec::with_capacity(self.len);
        while self.head != NIL {
            out.push(self.unlink(self.head));
        }
        out
    }

    fn unlink(&mut self, i: usize) -> E {
        let (prev, next) = (self.nodes[i].prev, self.nodes[i].next);
        if prev == NIL {
            self.head = next;
        } else {
            self.nodes[prev].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.nodes[next].prev = prev;
        }
        let value = self.nodes[i]
            .value
            .take()
            .expect("linked nodes hold values");
        self.nodes[i].next = self.free;
        self.free = i;
        self.len -= 1;
        if self.len == 0 && self.nodes.len() > 64 {
            // Give a large slab back once nobody waits; generations keep counting up, so old
            // keys cannot match new nodes.
            self.nodes = Vec::new();
            self.free = NIL;
        }
        value
    }
}

/// What [`WaitList::take_first`] does with one entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pick {
    /// Remove it and return it.
    Take,
    /// Remove it and keep looking.
    Discard,
    /// Leave it and keep looking.
    Skip,
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn fifo_and_remove_by_key() {
        let mut l = WaitList::default();
        let a = l.push_back(1);
        let b = l.push_back(2);
        let _c = l.push_back(3);
        assert_eq!(l.get_mut(b), Some(&mut 2));
        assert_eq!(l.remove(b), Some(2));
        assert_eq!(l.remove(b), None, "a stale key removes nothing");
        assert_eq!(l.get_mut(b), None, "a stale key names nothing");
        assert_eq!(l.take_first(|_| Pick::Take), Some(1));
        assert_eq!(l.remove(a), None);
        let d = l.push_back(4); // reuses a freed node with a new generation
        assert_eq!(l.remove(a), None);
        assert_eq!(l.drain(), vec![3, 4]);
        assert_eq!(l.remove(d), None);
        assert_eq!(l.len(), 0);
    }

    #[test]
    fn take_first_skips_and_discards() {
        let mut l = WaitList::default();
        for i in 0..5 {
            l.push_back(i);
        }
        let got = l.take_first(|&v| match v {
            0 => Pick::Skip,
            1 => Pick::Discard,
            _ => Pick::Take,
        });
        assert_eq!(got, Some(2));
        assert_eq!(l.drain(), vec![0, 3, 4]);
    }

    #[test]
    fn slab_is_given_back_when_empty() {
        let mut l = WaitList::default();
        let keys: Vec<_> = (0..1000).map(|i| l.push_back(i)).collect();
        for k in &keys {
            l.remove(*k);
        }
        assert_eq!(l.nodes.capacity(), 0);
        assert_eq!(l.remove(keys[3]), None);
    }
}
