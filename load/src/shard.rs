//! `--shard i/n`: one process's slice of the seeded directory. Every
//! process generates the same directory from the seed and takes a
//! contiguous slice, so n processes push each user and group exactly once.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based, below `count`.
    pub index: usize,
    pub count: usize,
}

impl Default for Shard {
    fn default() -> Self {
        Shard { index: 0, count: 1 }
    }
}

impl Shard {
    /// This shard's part of `len` items: slices differ in size by at most
    /// one and together cover `0..len` exactly once.
    pub fn range(&self, len: usize) -> Range<usize> {
        let start = len * self.index / self.count;
        let end = len * (self.index + 1) / self.count;
        start..end
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?}: expected i/n with 0 <= i < n, such as 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;

    quickcheck! {
        fn shards_cover_everything_once(len: u16, n: u8) -> bool {
            let (len, n) = (len as usize, (n as usize % 16) + 1);
            let mut next = 0;
            for i in 0..n {
                let r = Shard { index: i, count: n }.range(len);
                if r.start != next {
                    return false;
                }
                next = r.end;
            }
            next == len
        }
    }

    #[test]
    fn parses_and_refuses() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["4/4", "1/0", "x/2", "3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
