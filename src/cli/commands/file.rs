//! The workspace file itself: `check` (is it intact, which kept copies are) and `restore` (put
//! a kept copy back). Both work on the file, not through an opened workspace: a damaged file may
//! not open.

use crate::cli::output::print_json;
use crate::cli::Res;
use crate::damage;
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub(crate) enum FileCommand {
    /// Put a kept copy back in place of the workspace (the replaced file is kept beside it).
    Restore {
        /// The copy: one of those `baton check` lists.
        copy: PathBuf,
    },
}

/// `baton check`: SQLite's integrity check of the workspace and the quick check of each kept
/// copy; fails when the workspace is damaged.
pub(crate) fn check(db: &Path, json: bool) -> Res {
    if !db.exists() {
        return Err(format!(
            "{} does not exist; there is no workspace to check there",
            db.display()
        )
        .into());
    }
    let c = damage::check(db);
    if json {
        print_json(&c);
    } else if c.problems.is_empty() {
        println!("{}: intact.", db.display());
    } else {
        println!(
            "{}: damaged — SQLite found: {}",
            db.display(),
            c.problems.join("; ")
        );
    }
    if !json {
        if c.copies.is_empty() {
            println!("No copies kept (a copy is taken before each import that changes records).");
        }
        for (copy, ok) in &c.copies {
            let state = if *ok { "intact" } else { "damaged" };
            println!("  {state:<8} {}", copy.display());
        }
        if let (false, Some((copy, _))) =
            (c.problems.is_empty(), c.copies.iter().find(|(_, ok)| *ok))
        {
            println!(
                "Restore the newest intact copy with: baton --db \"{}\" restore \"{}\"",
                db.display(),
                copy.display()
            );
        }
    }
    if c.problems.is_empty() {
        Ok(())
    } else {
        Err(format!("the workspace {} is damaged", db.display()).into())
    }
}

pub(crate) fn run(db: &Path, now: &str, command: FileCommand) -> Res {
    match command {
        FileCommand::Restore { copy } => {
            let aside = damage::restore(db, &copy, now)?;
            match aside {
                Some(a) => println!(
                    "Restored {} from {}; the file it replaced is kept as {}.",
                    db.display(),
                    copy.display(),
                    a.display()
                ),
                None => println!("Restored {} from {}.", db.display(), copy.display()),
            }
            Ok(())
        }
    }
}
