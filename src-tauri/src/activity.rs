//! Whether someone is at the window, and how often the team workspace is asked anything when
//! nobody is: a serverless database (Neon, Supabase's free plan) suspends after minutes
//! without a query, and a laptop left open must let it.

use crate::Shared;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tauri::{AppHandle, Manager};

/// How long after the window loses the focus someone still counts as at it.
const AWAY_AFTER: Duration = Duration::from_secs(5 * 60);
/// The shortest pause, while nobody is at the window, between two questions to the workspace.
pub(crate) const MINUTE: Duration = Duration::from_secs(60);
/// The longest the workspace goes unasked while nobody is.
const LONGEST: Duration = Duration::from_secs(30 * 60);

/// The window's focus, and since when it has been so.
pub(crate) struct Focus(Mutex<(bool, Instant)>);

impl Default for Focus {
    /// A window just opened counts as looked at.
    fn default() -> Self {
        Focus(Mutex::new((true, Instant::now())))
    }
}

/// The window gained or lost the focus.
pub(crate) fn focused(app: &AppHandle, now: bool) {
    if let Ok(mut f) = app.state::<Shared>().focus.0.lock() {
        if f.0 != now {
            *f = (now, Instant::now());
        }
    }
}

/// Whether someone is at the window: it has the focus, or had it a few minutes ago.
pub(crate) fn active(app: &AppHandle) -> bool {
    app.state::<Shared>()
        .focus
        .0
        .lock()
        .map(|f| f.0 || f.1.elapsed() < AWAY_AFTER)
        .unwrap_or(true)
}

/// When to ask the workspace next: as often as the caller wants while someone is at the
/// window; while nobody is, after that long (a minute at least), then twice as long each
/// time, up to half an hour.
pub(crate) struct Backoff {
    idle: Duration,
    /// When it was last asked; `None`: never, so it is due at once.
    last: Option<Instant>,
}

impl Backoff {
    /// Just asked.
    pub(crate) fn new() -> Backoff {
        Backoff {
            idle: MINUTE,
            last: Some(Instant::now()),
        }
    }

    /// Never asked: due at once.
    pub(crate) fn due_at_once() -> Backoff {
        Backoff {
            idle: MINUTE,
            last: None,
        }
    }

    /// Whether to ask now; `busy` is how often while someone is at the window.
    pub(crate) fn due(&mut self, active: bool, busy: Duration) -> bool {
        self.due_at(Instant::now(), active, busy)
    }

    fn due_at(&mut self, now: Instant, active: bool, busy: Duration) -> bool {
        if active {
            self.idle = busy.max(MINUTE);
        }
        let every = if active { busy } else { self.idle };
        if self
            .last
            .is_some_and(|last| now.saturating_duration_since(last) < every)
        {
            return false;
        }
        self.last = Some(now);
        if !active {
            self.idle = (self.idle * 2).min(LONGEST);
        }
        true
    }

    /// The workspace was just asked (something happened).
    pub(crate) fn asked(&mut self) {
        self.last = Some(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nobody_at_the_window_asks_less_and_less_often_and_someone_back_resets_it() {
        let mut b = Backoff::new();
        let start = b.last.unwrap();
        let at = |secs: u64| start + Duration::from_secs(secs);
        assert!(!b.due_at(at(1), true, MINUTE), "just asked");
        assert!(b.due_at(at(60), false, MINUTE), "a minute on, once");
        assert!(
            !b.due_at(at(150), false, MINUTE),
            "then not before two more"
        );
        assert!(b.due_at(at(180), false, MINUTE));
        assert!(!b.due_at(at(400), false, MINUTE), "then four");
        assert!(b.due_at(at(420), false, MINUTE));
        let mut t = 420;
        for _ in 0..10 {
            t += 1800;
            assert!(b.due_at(at(t), false, MINUTE));
        }
        assert!(
            !b.due_at(at(t + 1799), false, MINUTE),
            "never longer than half an hour"
        );
        assert!(b.due_at(at(t + 1800), false, MINUTE));
        t += 1800;
        assert!(
            b.due_at(at(t + 3), true, Duration::from_secs(3)),
            "someone back: as asked"
        );
        assert!(!b.due_at(at(t + 5), true, Duration::from_secs(3)));
        assert!(
            !b.due_at(at(t + 60), false, MINUTE),
            "and gone again: a minute"
        );
        assert!(b.due_at(at(t + 63), false, MINUTE));
        assert!(Backoff::due_at_once().due(false, MINUTE));
    }
}
