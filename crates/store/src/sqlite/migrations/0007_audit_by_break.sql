-- Schema 7: the audit log searched by break (its subject), newest first, at any size.
CREATE INDEX audit_subject ON audit_log(subject, seq);
