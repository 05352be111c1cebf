//! Whether the calling thread read the disk (not the OS's page cache): what tells a read that
//! waited for the disk from one that was only descheduled, for [`crate::db::Db::read_now`].
//!
//! Linux counts each thread's block input (`ru_inblock` of `getrusage(RUSAGE_THREAD)`): reads
//! the kernel had to fetch from the device. A page SQLite misses in its own cache but the OS
//! has cached (the common case on a large tenant whose file fits in memory) is not counted.

use std::cell::Cell;

thread_local! {
    /// The thread's count when last looked at; `None` until [`baseline`] ran on it.
    static SEEN: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Notes the thread's count the first time it reads inline, so a later
/// [`since_last_look`] has something to compare with. One system call per thread.
pub(crate) fn baseline() {
    if SEEN.get().is_none() {
        SEEN.set(block_input());
    }
}

/// Whether the thread read the disk since it was last looked at (which is now). Unknown
/// (no baseline, or an OS that does not say) counts as read.
pub(crate) fn since_last_look() -> bool {
    let now = block_input();
    match (SEEN.replace(now), now) {
        (Some(before), Some(now)) => now > before,
        _ => true,
    }
}

/// Block input operations of the calling thread so far.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn block_input() -> Option<u64> {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the one `rusage` it is given a pointer to and returns 0 when it
    // did; the zeroed value is a valid `rusage` (plain integers) in any case.
    let usage = unsafe {
        if libc::getrusage(libc::RUSAGE_THREAD, usage.as_mut_ptr()) != 0 {
            return None;
        }
        usage.assume_init()
    };
    u64::try_from(usage.ru_inblock).ok()
}

#[cfg(not(target_os = "linux"))]
fn block_input() -> Option<u64> {
    None
}
