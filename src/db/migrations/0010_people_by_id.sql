-- 0010: tasks and notifications point at people by id. The names stay beside the ids as they
-- were written (what a task or a notification said at the time); "my tasks" and "my
-- notifications" are found by id, no longer by a case-insensitive name.
ALTER TABLE tasks ADD COLUMN assignee_id INTEGER REFERENCES people(id);
UPDATE tasks SET assignee_id = (SELECT p.id FROM people p WHERE p.name = tasks.assignee COLLATE NOCASE)
 WHERE assignee IS NOT NULL;
CREATE INDEX tasks_assignee_id ON tasks (assignee_id, status);

ALTER TABLE notifications ADD COLUMN recipient_id INTEGER REFERENCES people(id);
UPDATE notifications SET recipient_id = (SELECT p.id FROM people p WHERE p.name = notifications.recipient COLLATE NOCASE)
 WHERE recipient IS NOT NULL;
CREATE INDEX notifications_for ON notifications (recipient_id) WHERE delivered_at IS NULL;
