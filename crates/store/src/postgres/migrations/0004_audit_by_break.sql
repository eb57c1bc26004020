-- Team store, schema 4: the audit log searched by break (its subject), newest first, at any
-- size. Frozen once released.
CREATE INDEX audit_subject ON recon.audit_log (subject, seq);
