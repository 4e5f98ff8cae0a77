import { randomUUID } from 'node:crypto'
import type { Migration } from '../migration'

/*
 * The segmented tables of DESIGN.md §5 (CNIL: identity, administrative data, health data, documents,
 * professionals, audit and outbox kept apart, so that each can get its own access rules and retention).
 * Timestamps are ISO-8601 UTC text. JSON columns are checked with json_valid so a bad write fails loudly.
 *
 * health_resource and document carry patient_id without a foreign key on purpose: background sync
 * delivers resources in any order, and a cache must accept an Observation before its Patient.
 */
const schema = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE identity (
  patient_id          TEXT PRIMARY KEY,
  ins_matricule       TEXT CHECK (ins_matricule IS NULL OR length(ins_matricule) = 15),
  ins_oid             TEXT,
  identity_status     TEXT NOT NULL CHECK (identity_status IN ('PROV', 'RECUP', 'VALI', 'QUAL')),
  birth_family_name   TEXT NOT NULL,
  birth_given_names   TEXT NOT NULL,
  used_family_name    TEXT,
  used_given_name     TEXT,
  birth_date          TEXT NOT NULL,
  sex                 TEXT NOT NULL,
  birth_place_cog     TEXT,
  search_key          TEXT NOT NULL,
  updated_at          TEXT NOT NULL,
  CHECK ((ins_matricule IS NULL) = (ins_oid IS NULL))
) STRICT;
CREATE UNIQUE INDEX identity_ins ON identity (ins_oid, ins_matricule) WHERE ins_matricule IS NOT NULL;
CREATE INDEX identity_search ON identity (search_key);
CREATE INDEX identity_birth_date ON identity (birth_date);

CREATE TABLE administrative (
  patient_id  TEXT PRIMARY KEY REFERENCES identity (patient_id) ON DELETE CASCADE,
  ipp         TEXT,
  json        TEXT NOT NULL CHECK (json_valid(json)),
  updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX administrative_ipp ON administrative (ipp) WHERE ipp IS NOT NULL;

CREATE TABLE health_resource (
  resource_type  TEXT NOT NULL,
  id             TEXT NOT NULL,
  patient_id     TEXT,
  version_id     TEXT,
  last_updated   TEXT,
  fetched_at     TEXT NOT NULL,
  json           TEXT NOT NULL CHECK (json_valid(json)),
  PRIMARY KEY (resource_type, id)
) STRICT;
CREATE INDEX health_resource_patient ON health_resource (patient_id, resource_type, last_updated)
  WHERE patient_id IS NOT NULL;

CREATE TABLE document (
  id              TEXT PRIMARY KEY,
  patient_id      TEXT,
  resource_id     TEXT,
  content_type    TEXT NOT NULL,
  title           TEXT,
  sha256          TEXT NOT NULL CHECK (length(sha256) = 64),
  size            INTEGER NOT NULL CHECK (size >= 0),
  created_at      TEXT NOT NULL,
  data            BLOB NOT NULL
) STRICT;
CREATE INDEX document_patient ON document (patient_id, created_at) WHERE patient_id IS NOT NULL;

CREATE TABLE professional (
  id           TEXT PRIMARY KEY,
  national_id  TEXT,
  family_name  TEXT NOT NULL,
  given_name   TEXT,
  json         TEXT NOT NULL CHECK (json_valid(json)),
  updated_at   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX professional_national_id ON professional (national_id) WHERE national_id IS NOT NULL;

-- AUTOINCREMENT: a sequence number is never reused, even after the tail row is gone, so the chain's
-- numbering cannot be silently replayed.
CREATE TABLE audit_journal (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  recorded_at  TEXT NOT NULL,
  actor        TEXT NOT NULL,
  actor_role   TEXT,
  action       TEXT NOT NULL,
  patient_id   TEXT,
  entity       TEXT,
  purpose      TEXT,
  workstation  TEXT,
  detail       TEXT CHECK (detail IS NULL OR json_valid(detail)),
  prev_hash    TEXT NOT NULL CHECK (length(prev_hash) = 64),
  hash         TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
  exported_at  TEXT
) STRICT;
CREATE INDEX audit_journal_patient ON audit_journal (patient_id, recorded_at) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_journal_actor ON audit_journal (actor, recorded_at);
CREATE INDEX audit_journal_unexported ON audit_journal (seq) WHERE exported_at IS NULL;

-- Append-only: only the export mark may change; a retention purge will need its own migration.
CREATE TRIGGER audit_journal_no_delete BEFORE DELETE ON audit_journal
BEGIN
  SELECT RAISE(ABORT, 'audit_journal is append-only');
END;
CREATE TRIGGER audit_journal_no_update
BEFORE UPDATE OF seq, recorded_at, actor, actor_role, action, patient_id, entity, purpose, workstation, detail,
  prev_hash, hash ON audit_journal
BEGIN
  SELECT RAISE(ABORT, 'audit_journal is append-only');
END;

CREATE TABLE outbox (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key  TEXT NOT NULL UNIQUE,
  method           TEXT NOT NULL,
  payload          TEXT NOT NULL CHECK (json_valid(payload)),
  state            TEXT NOT NULL DEFAULT 'pending',
  attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error       TEXT,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
) STRICT;
CREATE INDEX outbox_state ON outbox (state, seq);
`

const migration: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(schema)
    const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)')
    insert.run('created_at', new Date().toISOString())
    // Identifies this workstation's database in audit exports and diagnostics, never a person.
    insert.run('installation_id', randomUUID())
  },
}

export default migration
