//! A small seeded generator (xorshift64*): the same seed gives the same choices, so a failing
//! run can be replayed with `DURABILITY_SEED`.

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Zero is xorshift's one fixed point; spread nearby seeds apart.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low + 1)
    }

    /// One item of `items`, or `None` if there is none.
    pub fn pick<I: ExactSizeIterator>(&mut self, mut items: I) -> Option<I::Item> {
        let len = items.len() as u64;
        if len == 0 {
            return None;
        }
        items.nth(self.below(len) as usize)
    }
}
