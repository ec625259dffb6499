//! The workspace by concept: `ws.records()`, `ws.handoffs()`, `ws.import()`, `ws.reach()`,
//! `ws.team()` and `ws.health()`. Each is a view of the one workspace (its connection, its
//! clock, its write funnel) whose methods live with their concept: `records/`, `handoffs/`,
//! `import/`, `reach/`, `team/`, `health/`. What is the workspace's own (opening it, who is
//! using it, the time, its file) stays on [`super::Workspace`].

use super::Workspace;

/// Declares one concept's view and the workspace's accessor for it.
macro_rules! concept {
    ($(#[$doc:meta])* $name:ident, $accessor:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct $name<'w>(&'w Workspace);

        impl std::ops::Deref for $name<'_> {
            type Target = Workspace;

            fn deref(&self) -> &Workspace {
                self.0
            }
        }

        impl std::fmt::Debug for $name<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($name)).field(self.0).finish()
            }
        }

        impl Workspace {
            $(#[$doc])*
            pub fn $accessor(&self) -> $name<'_> {
                $name(self)
            }
        }
    };
}

concept!(
    /// The records: find, list, add, move and edit them; their briefs; the board.
    Records,
    records
);
concept!(
    /// Handoffs and their tasks: the wizard, decisions on exceptions, playbooks, reminders,
    /// what a playbook would change.
    Handoffs,
    handoffs
);
concept!(
    /// Imports: a CSV file, its preview, the imports so far and their undo, the watched folder.
    Import,
    import
);
concept!(
    /// What reaches people outside the workspace: welcome emails, calendar invitations, the
    /// notification inbox, chat webhooks, write-back to the CRM.
    Reach,
    reach
);
concept!(
    /// The team: its people and holidays, and copying a laptop workspace up to a team one.
    Team,
    team
);
concept!(
    /// Handoff health: the weekly figures, the records behind them, the leak check.
    Health,
    health
);
