//! Importing real-shaped CRM exports through the workspace API, on a workspace file and on a
//! team workspace.

mod common;

use common::Backend;

use baton::import::preset::Source;
use baton::import::{ImportOptions, ImportReport};
use baton::{HandoffStatus, Origin, RecordKind, Workspace};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Imports the fixture `name` with the default options.
fn import(ws: &mut Workspace, name: &str) -> baton::Result<ImportReport> {
    ws.import().file(&fixture(name), &ImportOptions::default())
}

fn workspace(backend: Backend) -> (Workspace, tempfile::TempDir) {
    let (ws, _clock, dir) = common::workspace(backend, "2026-03-05T09:00:00Z", &[]);
    (ws, dir)
}

on_both_workspaces! {
fn the_real_sample_imports_with_every_closed_won_deal_paused_and_reimport_changes_nothing(backend: Backend) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/real/crm_sales_pipeline.csv");
    let (ws, _dir) = workspace(backend);
    let r = ws.import().file(&path, &ImportOptions::default()).unwrap();
    assert_eq!((r.rows, r.inserted, r.rejected), (8766, 8766, 0));
    assert_eq!(r.handoffs.fired, 1290);
    assert_eq!(r.handoffs.paused, 1290);
    let paused = ws.handoffs().list(Some(HandoffStatus::Paused)).unwrap();
    assert_eq!(paused.len(), 1290);
    assert!(paused
        .iter()
        .all(|h| h.missing_fields.len() == baton::fields::DELIVERY_FIELDS.len()));
    assert_eq!(
        ws.records().list(Some(RecordKind::Deal), None).unwrap().len(),
        8766
    );
    let d0 = ws.records().find("D0").unwrap();
    assert_eq!(d0.stage, "Closed Lost");
    assert_eq!(d0.owner.as_deref(), Some("Agent_8"));
    assert_eq!(d0.fields["amount"], "48173");
    assert_eq!(d0.fields["close_date"], "2024-01-20");

    let again = ws.import().file(&path, &ImportOptions::default()).unwrap();
    assert_eq!(
        (again.inserted, again.updated, again.unchanged),
        (0, 0, 8766)
    );
    assert_eq!(again.handoffs, Default::default());
    assert_eq!(ws.handoffs().list(None).unwrap().len(), 1290);
}
}

on_both_workspaces! {
fn a_hubspot_export_with_bom_crlf_and_multiline_notes_keeps_text_verbatim(backend: Backend) {
    let (mut ws, _dir) = workspace(backend);
    let r = import(&mut ws, "hubspot_deals.csv").unwrap();
    assert_eq!(r.source, Source::Hubspot);
    assert_eq!(r.encoding, "UTF-8 BOM");
    assert_eq!((r.rows, r.inserted), (3, 3));
    assert_eq!(r.handoffs.paused, 1, "closedwon is Closed Won");
    let cafe = ws.records().find("1001").unwrap();
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
        ws.records().find("1002").unwrap().name,
        "<img src=x onerror=alert(1)>"
    );
    // Owners become people.
    assert!(ws.team().person("Ana Silva").is_ok());
}
}

on_both_workspaces! {
fn a_later_export_with_the_fields_filled_resumes_the_paused_handoff(backend: Backend) {
    let (mut ws, _dir) = workspace(backend);
    ws.team().add_person("Dee", baton::Role::Delivery, None, false, Origin::Cli)
        .unwrap();
    import(&mut ws, "hubspot_deals.csv").unwrap();
    let r = import(&mut ws, "hubspot_deals_later.csv").unwrap();
    assert_eq!(
        (r.updated, r.handoffs.resumed, r.handoffs.handed_off),
        (1, 1, 1)
    );
    let h = &ws.handoffs().list(None).unwrap()[0];
    assert_eq!(h.status, HandoffStatus::HandedOff);
    assert_eq!(h.to_owner.as_deref(), Some("Dee"));
}
}

on_both_workspaces! {
fn a_pipedrive_excel_resave_in_windows_1252_with_semicolons_reads_won_from_status(backend: Backend) {
    let (mut ws, _dir) = workspace(backend);
    let r = import(&mut ws, "pipedrive_deals_excel.csv").unwrap();
    assert_eq!(r.source, Source::Pipedrive);
    assert_eq!(r.delimiter, ";");
    assert_eq!(r.encoding, "windows-1252");
    let won = ws.records().find("7").unwrap();
    assert_eq!(won.name, "Müller & Söhne – Website");
    assert_eq!(won.stage, "Closed Won");
    assert_eq!(won.fields["crm_stage"], "Contract signed");
    assert_eq!(won.fields["amount"], "12500");
    assert_eq!(won.fields["close_date"], "2026-03-31");
    assert_eq!(
        ws.records().find("8").unwrap().fields["close_date"],
        "2026-05-04",
        "day-first inferred for the column"
    );
    assert_eq!(r.handoffs.fired, 1);
}
}

on_both_workspaces! {
fn a_bad_row_refuses_the_whole_file_unless_skipping_and_dry_run_writes_nothing(backend: Backend) {
    let (mut ws, _dir) = workspace(backend);
    let refused = import(&mut ws, "bad_date.csv").unwrap_err();
    let err = refused.to_string();
    assert!(
        err.contains("row 2 (line 3): \"Close Date\" value \"31/02/2025\" is not a date"),
        "{err}"
    );
    // The refusal says where, as values a screen can point at, not only as a sentence.
    let baton::Error::BadRow { file, row } = refused else {
        panic!("not a typed bad row: {err}");
    };
    assert!(file.ends_with("bad_date.csv"), "{file}");
    assert_eq!((row.row, row.line), (2, 3));
    assert_eq!(row.column.as_deref(), Some("Close Date"));
    assert!(ws.records().list(None, None).unwrap().is_empty(), "all-or-nothing");

    let dry = ImportOptions {
        skip_bad_rows: true,
        dry_run: true,
        ..Default::default()
    };
    let r = ws.import().file(&fixture("bad_date.csv"), &dry).unwrap();
    assert_eq!((r.inserted, r.rejected, r.handoffs.fired), (2, 1, 1));
    assert!(
        ws.records().list(None, None).unwrap().is_empty(),
        "a dry run writes nothing"
    );

    let skip = ImportOptions {
        skip_bad_rows: true,
        ..Default::default()
    };
    let r = ws.import().file(&fixture("bad_date.csv"), &skip).unwrap();
    assert_eq!((r.inserted, r.rejected), (2, 1));
    assert_eq!(r.errors[0].line, 3);
    assert_eq!(ws.records().list(None, None).unwrap().len(), 2);
}
}

on_both_workspaces! {
fn files_that_are_not_csv_get_one_clear_sentence(backend: Backend) {
    let (mut ws, _dir) = workspace(backend);
    let e = import(&mut ws, "workbook.csv").unwrap_err().to_string();
    assert!(
        e.contains("Excel workbook") && e.contains("save it as CSV"),
        "{e}"
    );
    let e = import(&mut ws, "empty.csv").unwrap_err().to_string();
    assert!(e.contains("the file is empty"), "{e}");
}
}

on_both_workspaces! {
fn excel_unicode_text_is_utf16_with_tabs_and_salesforce_us_dates_and_dollars(backend: Backend) {
    let (mut ws, _dir) = workspace(backend);
    let r = import(&mut ws, "salesforce_opps_unicode_text.csv").unwrap();
    assert_eq!(r.source, Source::Salesforce);
    assert_eq!(
        (r.encoding.as_str(), r.delimiter.as_str()),
        ("UTF-16LE", "\t")
    );
    assert_eq!((r.inserted, r.handoffs.fired), (2, 1));
    let won = ws.records().find("0065g00000AbCdE").unwrap();
    assert_eq!(won.name, "Åsa Lindqvist AB — Q2 expansion");
    assert_eq!(won.stage, "Closed Won");
    assert_eq!(won.fields["amount"], "12500");
    assert_eq!(
        won.fields["close_date"], "2026-03-14",
        "month-first inferred"
    );
    assert_eq!(
        won.fields["notes"],
        "Signed after a two-week pilot.\nWants weekly check-ins."
    );
    assert_eq!(
        ws.records().find("0065g00000AbCdF").unwrap().fields["notes"],
        "Price \"locked\" for 2026"
    );
}
}

on_both_workspaces! {
fn close_exports_read_won_from_status_type_and_the_amount_from_value_in_cents(backend: Backend) {
    let (mut ws, _dir) = workspace(backend);
    let r = import(&mut ws, "close_opportunities.csv").unwrap();
    assert_eq!(r.source, Source::Close);
    let won = ws.records().find("oppo_8Yb2").unwrap();
    assert_eq!(won.kind, RecordKind::Deal);
    assert_eq!(won.name, "Fjord & Pine Studio", "named by its lead");
    assert_eq!(won.stage, "Closed Won");
    // `value` is in cents; `value_formatted` beside it is the same figure for display.
    assert_eq!(won.fields["amount"], "18500");
    assert_eq!(won.fields["currency"], "USD");
    assert_eq!(won.fields["value_formatted"], "$18,500", "kept as written");
    assert_eq!(won.fields["close_date"], "2026-03-03");
    assert_eq!(won.owner.as_deref(), Some("Maya Chen"));
    assert_eq!(r.handoffs.fired, 1);
}
}

on_both_workspaces! {
/// Close's export endpoint writes every field of the opportunity object: `value` in cents with
/// `value_currency` and `value_period`, no `value_formatted`, dates in ISO 8601 with an offset.
fn a_close_export_without_value_formatted_still_has_its_amounts(backend: Backend) {
    let (mut ws, _dir) = workspace(backend);
    let preview = ws
        .import().preview(
            &fixture("close_opportunities_api.csv"),
            &Default::default(),
            3,
        )
        .unwrap();
    assert_eq!(preview.mapping["value"].as_deref(), Some("amount_cents"));
    let r = import(&mut ws, "close_opportunities_api.csv").unwrap();
    assert_eq!((r.source, r.inserted, r.rejected), (Source::Close, 3, 0));
    let won = ws.records().find("oppo_2KcLQm8").unwrap();
    assert_eq!(won.stage, "Closed Won");
    assert_eq!(won.fields["amount"], "42500.5");
    assert_eq!(won.fields["currency"], "EUR");
    assert_eq!(won.fields["value_period"], "one_time");
    assert_eq!(won.fields["close_date"], "2026-03-04");
    assert_eq!(
        ws.records().find("oppo_2KcLQm9").unwrap().fields["amount"],
        "4200"
    );
    assert_eq!(
        ws.records().find("oppo_2KcLQn0").unwrap().fields["amount"],
        "0.99"
    );
    // The amount reaches health and the brief like any CRM's.
    let brief = ws.records().brief(won.id).unwrap();
    let amount = brief.facts.iter().find(|l| l.key == "amount").unwrap();
    assert_eq!(amount.value, "42500.5");
}
}

on_both_workspaces! {
fn a_zoho_export_resaved_with_pipes_and_decimal_commas(backend: Backend) {
    let (mut ws, _dir) = workspace(backend);
    let r = import(&mut ws, "zoho_deals_pipe.csv").unwrap();
    assert_eq!((r.source, r.delimiter.as_str()), (Source::Zoho, "|"));
    let cafe = ws.records().find("zcrm_4876876000000333001").unwrap();
    assert_eq!(cafe.name, "Café Lumière – POS roll-out");
    assert_eq!(cafe.fields["amount"], "9800");
    assert_eq!(cafe.fields["close_date"], "2026-02-28");
    assert_eq!(
        cafe.fields["notes"],
        "Needs French-speaking trainer | on site"
    );
    assert_eq!(
        ws.records().find("zcrm_4876876000000333002").unwrap().stage,
        "Closed Lost"
    );
}
}

on_both_workspaces! {
fn hubspot_contacts_are_leads_and_a_sales_qualified_one_fires_the_lead_playbook(backend: Backend) {
    let (mut ws, _dir) = workspace(backend);
    let r = import(&mut ws, "hubspot_contacts.csv").unwrap();
    assert_eq!(r.source, Source::Hubspot);
    let zoe = ws.records().find("501").unwrap();
    assert_eq!(
        (zoe.kind, zoe.name.as_str()),
        (RecordKind::Lead, "Zoë Ångström")
    );
    assert_eq!(zoe.stage, "Sales Qualified");
    assert_eq!(r.handoffs.fired, 1, "only the sales-qualified lead");
}
}

on_both_workspaces! {
fn an_undecidable_date_column_is_reported_not_guessed(backend: Backend) {
    let (mut ws, _dir) = workspace(backend);
    let e = import(&mut ws, "ambiguous_dates.csv")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("\"Close Date\" column")
            && e.contains("\"03/04/2026\"")
            && e.contains("--dayfirst"),
        "{e}"
    );
    assert!(ws.records().list(None, None).unwrap().is_empty());
    let skipping = ImportOptions {
        skip_bad_rows: true,
        ..Default::default()
    };
    let e = ws
        .import().file(&fixture("ambiguous_dates.csv"), &skipping)
        .unwrap_err()
        .to_string();
    assert!(e.contains("--dayfirst"), "not a bad row to skip: {e}");
    assert!(ws.records().list(None, None).unwrap().is_empty());
    let p = ws
        .import().preview(
            &fixture("ambiguous_dates.csv"),
            &ImportOptions::default(),
            5,
        )
        .unwrap();
    assert_eq!(p.warnings.len(), 1, "the preview says so too");
    let day_first = ImportOptions {
        date_order: Some(baton::import::values::DateOrder::DayFirst),
        ..Default::default()
    };
    ws.import().file(&fixture("ambiguous_dates.csv"), &day_first)
        .unwrap();
    assert_eq!(
        ws.records().find("A1").unwrap().fields["close_date"],
        "2026-04-03"
    );
}
}

on_both_workspaces! {
fn a_date_order_settled_late_in_the_file_reads_the_earlier_cells_that_way_too(backend: Backend) {
    let (mut ws, _dir) = workspace(backend);
    // Close Date reads both ways until row 3 (25/04/2026: day first); Start Date never says
    // and follows the file; Create Date is ISO.
    let r = import(&mut ws, "late_decided_dates.csv").unwrap();
    assert_eq!(r.inserted, 3);
    let d1 = ws.records().find("D1").unwrap();
    assert_eq!(
        (
            d1.fields["close_date"].as_str(),
            d1.fields["start_date"].as_str(),
            d1.fields["created_at"].as_str()
        ),
        ("2026-04-03", "2026-05-02", "2025-12-01")
    );
    let d2 = ws.records().find("D2").unwrap();
    assert_eq!(
        (
            d2.fields["close_date"].as_str(),
            d2.fields["created_at"].as_str()
        ),
        ("2026-07-06", "2025-12-02")
    );
    assert_eq!(
        ws.records().find("D3").unwrap().fields["start_date"],
        "2026-06-01"
    );
}
}

on_both_workspaces! {
fn a_record_listed_twice_in_a_first_import_is_one_record_updated_by_its_later_row(backend: Backend) {
    let (mut ws, _dir) = workspace(backend);
    // Deal 2001 appears again further down, won; the walk-in without an id twice by name.
    let r = import(&mut ws, "hubspot_deals_repeated.csv").unwrap();
    assert_eq!((r.rows, r.inserted, r.updated), (5, 3, 2));
    assert_eq!(ws.records().list(None, None).unwrap().len(), 3);
    let won = ws.records().find("2001").unwrap();
    assert_eq!(
        (won.stage.as_str(), won.fields["amount"].as_str()),
        ("Closed Won", "4800")
    );
    let history: Vec<String> = ws
        .records().detail(won.id)
        .unwrap()
        .history
        .into_iter()
        .map(|c| c.to)
        .collect();
    assert_eq!(history, ["Contract Sent", "Closed Won"]);
    assert_eq!(r.handoffs.fired, 1);
    let walk_in = ws
        .records().list(None, Some("Closed Lost"))
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect::<Vec<_>>();
    assert_eq!(walk_in, ["Walk-in — workshop"]);
}
}

on_both_workspaces! {
fn ragged_rows_and_unclosed_quotes_refuse_the_file_with_row_and_line(backend: Backend) {
    let (mut ws, _dir) = workspace(backend);
    let e = import(&mut ws, "ragged.csv").unwrap_err().to_string();
    assert!(
        e.contains("row 2 (line 3): has 3 cells but the header has 4"),
        "{e}"
    );
    let e = import(&mut ws, "unclosed_quote.csv")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("row 2 (line 3): a quoted cell is never closed"),
        "{e}"
    );
    let skip = ImportOptions {
        skip_bad_rows: true,
        ..Default::default()
    };
    assert!(
        ws.import().file(&fixture("unclosed_quote.csv"), &skip)
            .is_err(),
        "skipping cannot save rows swallowed by the open quote"
    );
    assert!(ws.records().list(None, None).unwrap().is_empty());
    let garbage = _dir.path().join("garbage.csv");
    std::fs::write(
        &garbage,
        b"Deal\x00\x01\x02\x03\x04\x05\x06\xff\xfe\x00\x00",
    )
    .unwrap();
    let e = ws
        .import().file(&garbage, &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a text file"), "{e}");
}
}

on_both_workspaces! {
fn preview_reports_format_source_mapping_and_raw_rows_and_writes_nothing(backend: Backend) {
    let (ws, _dir) = workspace(backend);
    let p = ws
        .import().preview(&fixture("hubspot_deals.csv"), &ImportOptions::default(), 2)
        .unwrap();
    assert_eq!(p.source, Source::Hubspot);
    assert!(p.confidence > 0.5 && p.confidence <= 1.0);
    assert_eq!(p.headers[0], "Record ID");
    assert_eq!(p.mapping["Deal Stage"].as_deref(), Some("stage"));
    assert_eq!(p.rows.len(), 2);
    assert_eq!(
        p.rows[1]["Deal Stage"], "closedwon",
        "raw cells, not mapped values"
    );
    assert_eq!(p.rows[1]["Deal Name"], "<img src=x onerror=alert(1)>");
    assert!(ws.records().list(None, None).unwrap().is_empty());
    assert!(ws.import().list().unwrap().is_empty());
}
}

on_both_workspaces! {
fn a_mapping_the_user_chose_is_reused_for_the_same_header_row(backend: Backend) {
    let (mut ws, _dir) = workspace(backend);
    let chosen = ImportOptions {
        maps: vec![("Notes".into(), "risk_notes".into())],
        ..Default::default()
    };
    let r = ws
        .import().file(&fixture("hubspot_deals.csv"), &chosen)
        .unwrap();
    assert!(!r.mapping_reused);
    assert!(ws.records().find("1001").unwrap().fields["risk_notes"].starts_with("First call"));
    let p = ws
        .import().preview(&fixture("hubspot_deals.csv"), &ImportOptions::default(), 1)
        .unwrap();
    assert!(p.mapping_reused);
    assert_eq!(p.mapping["Notes"].as_deref(), Some("risk_notes"));
    let again = import(&mut ws, "hubspot_deals.csv").unwrap();
    assert!(again.mapping_reused);
    assert_eq!(again.unchanged, 3, "same mapping, nothing changes");
    // Another header row does not inherit it.
    let other = ws
        .import().preview(
            &fixture("hubspot_deals_later.csv"),
            &ImportOptions::default(),
            1,
        )
        .unwrap();
    assert!(!other.mapping_reused);
}
}

// On a file only: it checks the copy a file keeps before an import (a team workspace keeps none).
#[test]
fn an_import_is_undone_from_the_change_log_unless_its_records_changed_since() {
    use sha2::Digest;
    let (mut ws, _dir) = workspace(Backend::File);
    ws.team()
        .add_person("Dee", baton::Role::Delivery, None, false, Origin::Cli)
        .unwrap();
    let first = import(&mut ws, "hubspot_deals.csv").unwrap();
    let bytes = std::fs::read(fixture("hubspot_deals.csv")).unwrap();
    let sha: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(first.sha256, sha);
    assert!(first
        .backup
        .as_deref()
        .is_some_and(|b| Path::new(b).exists()));
    let second = import(&mut ws, "hubspot_deals_later.csv").unwrap();
    assert_eq!(
        ws.handoffs()
            .list(Some(HandoffStatus::HandedOff))
            .unwrap()
            .len(),
        1
    );

    // The later export changed the first one's records: undoing the first would lose that.
    let e = ws
        .import()
        .undo(first.import_id, Origin::Cli)
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot be undone"), "{e}");
    assert!(e.contains(&format!("import {}", second.import_id)), "{e}");
    assert!(
        e.contains("#2 <img src=x onerror=alert(1)>"),
        "names the record: {e}"
    );

    let undo = ws.import().undo(second.import_id, Origin::Cli).unwrap();
    assert_eq!(undo.restored, 1);
    let h = &ws.handoffs().list(None).unwrap()[0];
    assert_eq!(
        h.status,
        HandoffStatus::Paused,
        "back to before the later export"
    );
    assert!(!ws
        .records()
        .find("1002")
        .unwrap()
        .fields
        .contains_key("signed_scope"));
    let history = ws.import().list().unwrap();
    assert!(
        history[0].undone_at.is_some(),
        "the undone import stays in the history"
    );
    let e = ws
        .import()
        .undo(second.import_id, Origin::Cli)
        .unwrap_err()
        .to_string();
    assert!(e.contains("already undone"), "{e}");

    // Work done after an import keeps it from being undone, and says who did it.
    let cafe = ws.records().find("1001").unwrap().id;
    ws.records()
        .set_fields(
            cafe,
            &[("risk_notes".into(), "Tight".into())],
            baton::Origin::App,
        )
        .unwrap();
    let e = ws
        .import()
        .undo(first.import_id, Origin::Cli)
        .unwrap_err()
        .to_string();
    assert!(e.contains("changed after it"), "{e}");
    assert!(e.contains("(app)") || e.contains("app"), "{e}");
    assert_eq!(ws.records().list(None, None).unwrap().len(), 3);
}

// On a file only: backups are a file's (a team workspace's are the database's own).
#[test]
fn only_imports_that_change_records_take_a_backup_and_five_are_kept() {
    let (mut ws, dir) = workspace(Backend::File);
    let backups = || {
        std::fs::read_dir(dir.path().join("backups"))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    import(&mut ws, "hubspot_deals.csv").unwrap();
    assert_eq!(backups(), 1);
    let again = import(&mut ws, "hubspot_deals.csv").unwrap();
    assert_eq!((again.unchanged, again.backup), (3, None));
    ws.import()
        .file(
            &fixture("hubspot_deals_later.csv"),
            &ImportOptions {
                dry_run: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(backups(), 1, "an unchanged file and a dry run take none");
    for n in 0..7 {
        let csv = dir.path().join(format!("more{n}.csv"));
        std::fs::write(
            &csv,
            format!(
                "Record ID,Deal Name,Deal Stage\n{},Deal {n},Contract Sent\n",
                5000 + n
            ),
        )
        .unwrap();
        ws.import().file(&csv, &ImportOptions::default()).unwrap();
    }
    assert_eq!(backups(), baton::KEEP_BACKUPS);
}

on_both_workspaces! {
fn progress_reaches_the_whole_file(backend: Backend) {
    let (ws, _dir) = workspace(backend);
    let path = fixture("hubspot_deals.csv");
    let mut seen = vec![];
    ws.import().file_with_progress(&path, &ImportOptions::default(), &mut |p| seen.push(p))
        .unwrap();
    let last = seen.last().unwrap();
    assert_eq!(last.bytes, std::fs::metadata(&path).unwrap().len());
    assert_eq!((last.total_bytes, last.rows), (last.bytes, 3));
}
}

on_both_workspaces! {
fn a_later_export_is_saved_like_any_edit_and_clears_a_flag_it_no_longer_carries(backend: Backend) {
    let (ws, dir) = workspace(backend);
    let csv = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(
            &p,
            format!("Record ID,Deal Name,Deal Stage,Buyer Goals,Flags\n{body}"),
        )
        .unwrap();
        p
    };
    let first = csv("a.csv", "77,Acme,Contract Sent,Grow,Custom Scope\n");
    ws.import().file(&first, &ImportOptions::default()).unwrap();
    let acme = ws.records().find("77").unwrap();
    assert!(acme.flags.contains(&baton::ExceptionFlag::CustomScope));

    let later = csv("b.csv", "77,Acme,Proposal Sent,Grow faster,\n");
    let r = ws.import().file(&later, &ImportOptions::default()).unwrap();
    assert_eq!(r.updated, 1);
    let detail = ws.records().detail(acme.id).unwrap();
    assert!(
        detail.record.flags.is_empty(),
        "the export no longer carries it"
    );
    let kinds: Vec<(&str, &str)> = detail
        .events
        .iter()
        .map(|e| (e.kind.as_str(), e.actor.as_str()))
        .collect();
    // On a team workspace the import is a person's: the login's.
    let by = match ws.team().login() {
        Some(login) => format!("{} (import)", login.person.as_deref().unwrap()),
        None => "import".to_string(),
    };
    for kind in ["moved", "edited", "unflagged"] {
        assert!(
            kinds.contains(&(kind, by.as_str())),
            "{kind} by the import: {kinds:?}"
        );
    }
    assert_eq!(detail.history.last().unwrap().to, "Proposal Sent");
    assert_eq!(detail.history.last().unwrap().origin, baton::Origin::Import);

    // A file without a flags column says nothing about flags.
    ws.records().set_flag(acme.id, "delivery_risk", true, Origin::Cli)
        .unwrap();
    let p = dir.path().join("c.csv");
    std::fs::write(
        &p,
        "Record ID,Deal Name,Deal Stage\n77,Acme,Contract Sent\n",
    )
    .unwrap();
    ws.import().file(&p, &ImportOptions::default()).unwrap();
    assert!(ws
        .records().find("77")
        .unwrap()
        .flags
        .contains(&baton::ExceptionFlag::DeliveryRisk));
}
}
