/// Every field the Sales → Delivery checklist asks for, filled: a deal with these hands off.
#[allow(dead_code)]
pub const CHECKLIST: &[&str] = &[
    "buyer_goals=Faster onboarding",
    "main_contact=Ana Ruiz",
    "contact_email=ana@acme.example",
    "signed_scope=SOW v2",
    "start_date=2026-03-16",
    "promised_deliverables=3 dashboards",
    "pricing_exceptions=None",
    "risk_notes=None",
    "kickoff_preference=Video call",
];
