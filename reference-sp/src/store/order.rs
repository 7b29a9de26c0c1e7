//! Creation order of one resource type, with O(log n) access to the k-th
//! live resource so that a page at any `startIndex` costs O(log n + page).
//!
//! Slots are appended on create and tombstoned on delete; a Fenwick tree
//! over "slot is live" answers "which slot holds the k-th live resource".
//! When tombstones outnumber live slots the vector is compacted, which keeps
//! both memory and the skip-over-tombstones walk bounded.

use std::sync::Arc;

#[derive(Debug, Default)]
pub struct Order {
    slots: Vec<Option<Arc<str>>>,
    tree: Vec<u32>,
    live: usize,
}

impl Order {
    /// Appends an id; returns its slot.
    pub fn push(&mut self, id: Arc<str>) -> usize {
        let slot = self.slots.len();
        self.slots.push(Some(id));
        // Extending a Fenwick tree by one: the new node covers the range
        // (slot - lowbit(slot+1), slot], whose sum is read from its children.
        let i = slot + 1;
        let low = i & i.wrapping_neg();
        let mut sum = 1u32;
        let mut j = i - 1;
        while j > i - low {
            sum += self.tree[j - 1];
            j -= j & j.wrapping_neg();
        }
        self.tree.push(sum);
        self.live += 1;
        slot
    }

    /// Tombstones a slot. Returns true when the caller should [`compact`].
    pub fn remove(&mut self, slot: usize) -> bool {
        if self.slots.get(slot).is_none_or(Option::is_none) {
            return false;
        }
        self.slots[slot] = None;
        let mut i = slot + 1;
        while i <= self.tree.len() {
            self.tree[i - 1] -= 1;
            i += i & i.wrapping_neg();
        }
        self.live -= 1;
        self.slots.len() > 64 && self.live * 2 < self.slots.len()
    }

    pub fn len(&self) -> usize {
        self.live
    }

    /// The slot of the k-th (0-based) live entry.
    fn select(&self, k: usize) -> Option<usize> {
        if k >= self.live {
            return None;
        }
        let n = self.tree.len();
        let mut pos = 0usize;
        let mut remaining = k as u32 + 1;
        let mut step = n.next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next <= n && self.tree[next - 1] < remaining {
                pos = next;
                remaining -= self.tree[next - 1];
            }
            step >>= 1;
        }
        Some(pos)
    }

    /// Live ids from the `skip`-th on, in creation order.
    pub fn iter_from(&self, skip: usize) -> impl Iterator<Item = &Arc<str>> {
        let start = self.select(skip).unwrap_or(self.slots.len());
        self.slots[start..].iter().flatten()
    }

    /// Every live id in creation order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<str>> {
        self.slots.iter().flatten()
    }

    /// Rebuilds without tombstones; returns each live id's new slot so the
    /// caller can update its records.
    pub fn compact(&mut self) -> Vec<(Arc<str>, usize)> {
        let ids: Vec<Arc<str>> = self.slots.drain(..).flatten().collect();
        self.tree.clear();
        self.live = 0;
        ids.into_iter()
            .map(|id| (id.clone(), self.push(id)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_matches_a_naive_scan_through_deletes_and_compaction() {
        let mut o = Order::default();
        let mut model: Vec<Option<String>> = Vec::new();
        let mut slots: Vec<usize> = Vec::new();
        for i in 0..500u32 {
            slots.push(o.push(Arc::from(i.to_string())));
            model.push(Some(i.to_string()));
            if i % 3 == 0 {
                let victim = (i as usize * 7) % slots.len();
                if model[victim].is_some() {
                    o.remove(slots[victim]);
                    model[victim] = None;
                }
            }
        }
        let live: Vec<String> = model.iter().flatten().cloned().collect();
        assert_eq!(o.len(), live.len());
        for skip in [0, 1, 17, live.len() - 1, live.len(), live.len() + 5] {
            let got: Vec<String> = o.iter_from(skip).take(3).map(|s| s.to_string()).collect();
            let want: Vec<String> = live.iter().skip(skip).take(3).cloned().collect();
            assert_eq!(got, want, "skip {skip}");
        }
        o.compact();
        let got: Vec<String> = o.iter_from(10).take(5).map(|s| s.to_string()).collect();
        assert_eq!(got, live[10..15].to_vec());
    }
}
