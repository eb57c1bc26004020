//! Memory: what the app does so that it and its WebKit web process stay small on a desk that
//! keeps a year of breaks (figures in the README, `make app-figures`).
//!
//! Measured on this VM (no GPU, software rendering) with 100,000 breaks after the figures walk,
//! proportional set size (each shared library counted once between the two processes):
//! app 223 + web process 375 = 599 MiB as WebKitGTK starts by default. The three web process
//! settings below brought the web process to 176 MiB (and made scrolling 3-4x faster), and
//! returning freed heap to the system brought the app from 157 to 44 MiB of heap.

/// WebKitGTK settings the web process starts with, each unless the environment already sets it
/// (a person with a GPU may want compositing back): name, value, why.
pub const WEB_PROCESS_ENV: [(&str, &str, &str); 3] = [
    (
        "WEBKIT_DISABLE_COMPOSITING_MODE",
        "1",
        "accelerated compositing keeps a layer tree and GL buffers; with software rendering it cost ~160 MiB and made each scrolled frame 4x slower",
    ),
    ("JSC_useDFGJIT", "0", "the optimising JIT tiers compile and keep code this UI does not need (~75 MiB); the baseline JIT stays"),
    ("JSC_useFTLJIT", "0", "as above, for the top tier"),
];

/// Sets [`WEB_PROCESS_ENV`] for the web process (it inherits this process's environment). Call
/// first in `main`, before any other thread exists.
pub fn set_web_process_env() {
    for (name, value, _) in WEB_PROCESS_ENV {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, value);
        }
    }
}

/// How often the heap's free space is looked at.
pub const TRIM_CHECK: std::time::Duration = std::time::Duration::from_secs(2);

/// Free heap kept before it is handed back: below this, trimming is not worth a wakeup's work.
pub const TRIM_ABOVE_BYTES: usize = 16 << 20;

/// Starts a thread that hands freed heap back to the system. glibc keeps what a thread freed in
/// that thread's arena for reuse; the blocking threads that serve the screens' queries each grow
/// an arena and leave it full of free space (113 of 157 MiB after scrolling 100,000 breaks).
/// Every [`TRIM_CHECK`] the thread reads how much of the heap is free (`mallinfo2`, a walk of
/// the arenas' counters) and, above [`TRIM_ABOVE_BYTES`], calls `malloc_trim`, which returns
/// free pages only (a few milliseconds).
pub fn start_trimming() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let _ = std::thread::Builder::new().name("malloc-trim".into()).spawn(|| loop {
            std::thread::sleep(TRIM_CHECK);
            // SAFETY: both only read or release glibc's own free lists; they have no
            // preconditions and may be called from any thread at any time.
            unsafe {
                if libc::mallinfo2().fordblks > TRIM_ABOVE_BYTES {
                    libc::malloc_trim(0);
                }
            }
        });
    }
}
