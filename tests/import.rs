//! Importing real-shaped CRM exports through the workspace API.

use baton::import::preset::Source;
use baton::import::ImportOptions;
use baton::{FixedClock, HandoffStatus, RecordKind, Workspace};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn workspace() -> (Workspace, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new("2026-03-05T09:00:00Z".parse().unwrap());
    (
        Workspace::open(&dir.path().join("w.sqlite"), clock).unwrap(),
        dir,
    )
}

#[test]
fn the_real_sample_imports_with_every_closed_won_deal_paused_and_reimport_changes_nothing() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/real/crm_sales_pipeline.csv");
    let (mut ws, _dir) = workspace();
    let r = ws.import_file(&path, &ImportOptions::default()).unwrap();
    assert_eq!((r.rows, r.inserted, r.rejected), (8766, 8766, 0));
    assert_eq!(r.handoffs.fired, 1290);
    assert_eq!(r.handoffs.paused, 1290);
    let paused = ws.handoffs(Some(HandoffStatus::Paused)).unwrap();
    assert_eq!(paused.len(), 1290);
    assert!(paused
        .iter()
        .all(|h| h.missing_fields.len() == baton::fields::DELIVERY_FIELDS.len()));
    assert_eq!(
        ws.records(Some(RecordKind::Deal), None).unwrap().len(),
        8766
    );
    let d0 = ws.find_record("D0").unwrap();
    assert_eq!(d0.stage, "Closed Lost");
    assert_eq!(d0.owner.as_deref(), Some("Agent_8"));
    assert_eq!(d0.fields["amount"], "48173");
    assert_eq!(d0.fields["close_date"], "2024-01-20");

    let again = ws.import_file(&path, &ImportOptions::default()).unwrap();
    assert_eq!(
        (again.inserted, again.updated, again.unchanged),
        (0, 0, 8766)
    );
    assert_eq!(again.handoffs, Default::default());
    assert_eq!(ws.handoffs(None).unwrap().len(), 1290);
}

#[test]
fn a_hubspot_export_with_bom_crlf_and_multiline_notes_keeps_text_verbatim() {
    let (mut ws, _dir) = workspace();
    let r = ws
        .import_file(&fixture("hubspot_deals.csv"), &ImportOptions::default())
        .unwrap();
    assert_eq!(r.source, Source::Hubspot);
    assert_eq!(r.encoding, "UTF-8 BOM");
    assert_eq!((r.rows, r.inserted), (3, 3));
    assert_eq!(r.handoffs.paused, 1, "closedwon is Closed Won");
    let cafe = ws.find_record("1001").unwrap();
    assert_eq!(cafe.name, "Café Olé — rollout");
    assert_eq!(
        cafe.fields["notes"],
        "First call went well.\r\nThey want a \"quick win\" first."
    );
    assert_eq!(cafe.fields["amount"], "12500.5");
    assert_eq!(cafe.fields["created_at"], "2026-01-10");
    assert_eq!(cafe.fields["pipeline"], "Sales Pipeline");
    assert_eq!(
        cafe.fields["buyer_goals"], "Faster onboarding",
        "checklist columns map by their label"
    );
    assert_eq!(
        ws.find_record("1002").unwrap().name,
        "<img src=x onerror=alert(1)>"
    );
    // Owners become people.
    assert!(ws.person("Ana Silva").is_ok());
}

#[test]
fn a_later_export_with_the_fields_filled_resumes_the_paused_handoff() {
    let (mut ws, _dir) = workspace();
    ws.add_person("Dee", baton::Role::Delivery, None, false)
        .unwrap();
    ws.import_file(&fixture("hubspot_deals.csv"), &ImportOptions::default())
        .unwrap();
    let r = ws
        .import_file(
            &fixture("hubspot_deals_later.csv"),
            &ImportOptions::default(),
        )
        .unwrap();
    assert_eq!(
        (r.updated, r.handoffs.resumed, r.handoffs.handed_off),
        (1, 1, 1)
    );
    let h = &ws.handoffs(None).unwrap()[0];
    assert_eq!(h.status, HandoffStatus::HandedOff);
    assert_eq!(h.to_owner.as_deref(), Some("Dee"));
}

#[test]
fn a_pipedrive_excel_resave_in_windows_1252_with_semicolons_reads_won_from_status() {
    let (mut ws, _dir) = workspace();
    let r = ws
        .import_file(
            &fixture("pipedrive_deals_excel.csv"),
            &ImportOptions::default(),
        )
        .unwrap();
    assert_eq!(r.source, Source::Pipedrive);
    assert_eq!(r.delimiter, ";");
    assert_eq!(r.encoding, "windows-1252");
    let won = ws.find_record("7").unwrap();
    assert_eq!(won.name, "Müller & Söhne – Website");
    assert_eq!(won.stage, "Closed Won");
    assert_eq!(won.fields["crm_stage"], "Contract signed");
    assert_eq!(won.fields["amount"], "12500");
    assert_eq!(won.fields["close_date"], "2026-03-31");
    assert_eq!(
        ws.find_record("8").unwrap().fields["close_date"],
        "2026-05-04",
        "day-first inferred for the column"
    );
    assert_eq!(r.handoffs.fired, 1);
}

#[test]
fn a_bad_row_refuses_the_whole_file_unless_skipping_and_dry_run_writes_nothing() {
    let (mut ws, _dir) = workspace();
    let err = ws
        .import_file(&fixture("bad_date.csv"), &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("row 2 (line 3): \"Close Date\" value \"31/02/2025\" is not a date"),
        "{err}"
    );
    assert!(ws.records(None, None).unwrap().is_empty(), "all-or-nothing");

    let dry = ImportOptions {
        skip_bad_rows: true,
        dry_run: true,
        ..Default::default()
    };
    let r = ws.import_file(&fixture("bad_date.csv"), &dry).unwrap();
    assert_eq!((r.inserted, r.rejected, r.handoffs.fired), (2, 1, 1));
    assert!(
        ws.records(None, None).unwrap().is_empty(),
        "a dry run writes nothing"
    );

    let skip = ImportOptions {
        skip_bad_rows: true,
        ..Default::default()
    };
    let r = ws.import_file(&fixture("bad_date.csv"), &skip).unwrap();
    assert_eq!((r.inserted, r.rejected), (2, 1));
    assert_eq!(r.errors[0].line, 3);
    assert_eq!(ws.records(None, None).unwrap().len(), 2);
}

#[test]
fn files_that_are_not_csv_get_one_clear_sentence() {
    let (mut ws, _dir) = workspace();
    let e = ws
        .import_file(&fixture("workbook.csv"), &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Excel workbook") && e.contains("save it as CSV"),
        "{e}"
    );
    let e = ws
        .import_file(&fixture("empty.csv"), &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("the file is empty"), "{e}");
}
