-- 0004: the health figures read handoffs by the week their trigger fired.
CREATE INDEX handoffs_triggered ON handoffs (triggered_at);
