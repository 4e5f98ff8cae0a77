import type { Migration } from '../migration'

/*
 * The patient cache, the outbox and the sync bookkeeping (DESIGN.md §5 and §8).
 *
 * Supersedes four tables of 0001 that no code ever wrote (identity, administrative, health_resource, outbox):
 * their shape could not hold what a conformant central sends (a Patient without an identity status or a
 * birth date, a search key that has to be a token table to stay fast at 100,000 patients, an outbox without
 * patient, state constraint or error code). Cached rows can be dropped (the next sync refills them); a write
 * cannot, so the step refuses to run if the old outbox holds any row. professional, document, audit_journal
 * and meta are kept as 0001 made them.
 *
 * Segments (CNIL): identity (INS traits + folded name tokens), administrative (where the patient is: IPP,
 * stay, unit, room, bed), reference data (locations), health resources (FHIR JSON with extracted columns),
 * the outbox and its conflict tasks, and sync state. No foreign key ties health data to identity: background
 * sync delivers resources in any order, and a cache must accept an Observation before its Patient.
 *
 * Timestamps are ISO-8601 UTC text (`effective_at` is normalized to UTC so that text order is time order).
 */
const schema = `
DROP TABLE administrative;
DROP TABLE identity;
DROP TABLE health_resource;
DROP TABLE outbox;

CREATE TABLE identity (
  patient_id         TEXT PRIMARY KEY,
  version_id         TEXT,
  last_updated       TEXT,
  identity_status    TEXT CHECK (identity_status IS NULL OR identity_status IN ('PROV', 'RECUP', 'VALI', 'QUAL')),
  ins                TEXT CHECK (ins IS NULL OR length(ins) = 15),
  ins_oid            TEXT,
  family_name        TEXT NOT NULL,
  given_name         TEXT NOT NULL,
  birth_family_name  TEXT,
  birth_given_names  TEXT,
  sex                TEXT NOT NULL CHECK (sex IN ('male', 'female', 'other', 'unknown')),
  birth_date         TEXT,
  sort_key           TEXT NOT NULL,
  json               TEXT NOT NULL CHECK (json_valid(json)),
  fetched_at         TEXT NOT NULL
) STRICT;
-- Only qualified identities are searchable by INS (RNIV: an unqualified INS is not used to identify anyone).
CREATE INDEX identity_ins ON identity (ins) WHERE ins IS NOT NULL AND identity_status = 'QUAL';
CREATE INDEX identity_birth_date ON identity (birth_date, sort_key) WHERE birth_date IS NOT NULL;

-- One row per folded word of every name (usage, birth, given names): a prefix query is a range scan of the
-- primary key, already in display order (matched word, then family and given name), so it stops at its LIMIT.
CREATE TABLE identity_token (
  token       TEXT NOT NULL,
  sort_key    TEXT NOT NULL,
  patient_id  TEXT NOT NULL REFERENCES identity (patient_id) ON DELETE CASCADE,
  PRIMARY KEY (token, sort_key, patient_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX identity_token_patient ON identity_token (patient_id, token);

CREATE TABLE administrative (
  patient_id       TEXT PRIMARY KEY,
  ipp              TEXT,
  encounter_id     TEXT,
  unit_id          TEXT,
  room_id          TEXT,
  bed_id           TEXT,
  bed_key          TEXT,
  admitted_at      TEXT,
  departed_at      TEXT,
  chart_synced_at  TEXT,
  updated_at       TEXT NOT NULL
) STRICT;
CREATE INDEX administrative_ipp ON administrative (ipp) WHERE ipp IS NOT NULL;
CREATE INDEX administrative_bed ON administrative (bed_key) WHERE bed_key IS NOT NULL;
CREATE INDEX administrative_unit ON administrative (unit_id) WHERE unit_id IS NOT NULL;
CREATE INDEX administrative_departed ON administrative (departed_at) WHERE departed_at IS NOT NULL;

CREATE TABLE encounter (
  id            TEXT PRIMARY KEY,
  version_id    TEXT,
  last_updated  TEXT,
  patient_id    TEXT,
  status        TEXT,
  period_start  TEXT,
  json          TEXT NOT NULL CHECK (json_valid(json)),
  fetched_at    TEXT NOT NULL
) STRICT;
CREATE INDEX encounter_patient ON encounter (patient_id, status) WHERE patient_id IS NOT NULL;

CREATE TABLE location (
  id             TEXT PRIMARY KEY,
  version_id     TEXT,
  last_updated   TEXT,
  name           TEXT,
  parent_id      TEXT,
  physical_type  TEXT,
  json           TEXT NOT NULL CHECK (json_valid(json)),
  fetched_at     TEXT NOT NULL
) STRICT;
CREATE INDEX location_parent ON location (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE health_resource (
  resource_type  TEXT NOT NULL,
  id             TEXT NOT NULL,
  version_id     TEXT,
  last_updated   TEXT,
  patient_id     TEXT,
  category       TEXT,
  code           TEXT,
  effective_at   TEXT,
  status         TEXT,
  write_id       TEXT,
  pending        INTEGER NOT NULL DEFAULT 0 CHECK (pending IN (0, 1)),
  json           TEXT NOT NULL CHECK (json_valid(json)),
  fetched_at     TEXT NOT NULL,
  PRIMARY KEY (resource_type, id)
) STRICT;
-- The chart reads (newest vital-sign sets, newest results) walk this index backwards and stop at their LIMIT.
CREATE INDEX health_resource_chart ON health_resource (patient_id, resource_type, category, effective_at)
  WHERE patient_id IS NOT NULL;
CREATE INDEX health_resource_code ON health_resource (patient_id, resource_type, code, effective_at)
  WHERE patient_id IS NOT NULL;
-- Our own writes carry an identifier (urn:chevet:write|<key>): the central's copy replaces the local one.
CREATE INDEX health_resource_write ON health_resource (write_id) WHERE write_id IS NOT NULL;

-- AUTOINCREMENT: a replay order number is never reused, so FIFO order survives deletions.
CREATE TABLE outbox (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key  TEXT NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 100),
  kind             TEXT NOT NULL,
  method           TEXT NOT NULL CHECK (method IN ('POST', 'PUT', 'TRANSACTION')),
  resource_type    TEXT NOT NULL,
  resource_id      TEXT,
  if_match         TEXT,
  patient_id       TEXT,
  body             TEXT NOT NULL CHECK (json_valid(body)),
  state            TEXT NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'sent', 'failed', 'conflict', 'discarded')),
  attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  error_code       TEXT,
  error_message    TEXT,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  sent_at          TEXT,
  CHECK (method != 'PUT' OR resource_id IS NOT NULL)
) STRICT;
CREATE INDEX outbox_state ON outbox (state, seq);
CREATE INDEX outbox_patient ON outbox (patient_id, state) WHERE patient_id IS NOT NULL;

CREATE TABLE conflict_task (
  id                    TEXT PRIMARY KEY,
  outbox_seq            INTEGER NOT NULL REFERENCES outbox (seq),
  resource_type         TEXT NOT NULL,
  resource_id           TEXT NOT NULL,
  patient_id            TEXT,
  local_base_version    TEXT,
  central_version       TEXT,
  central_last_updated  TEXT,
  summary               TEXT NOT NULL,
  created_at            TEXT NOT NULL,
  resolved_at           TEXT,
  resolution            TEXT CHECK (resolution IS NULL OR resolution IN ('keepMine', 'takeTheirs')),
  CHECK ((resolved_at IS NULL) = (resolution IS NULL))
) STRICT;
CREATE INDEX conflict_task_open ON conflict_task (created_at) WHERE resolved_at IS NULL;
CREATE INDEX conflict_task_outbox ON conflict_task (outbox_seq);

-- One row per sync query: its incremental cursor (newest meta.lastUpdated received) and when it last ran whole.
CREATE TABLE sync_state (
  query_key   TEXT PRIMARY KEY,
  patient_id  TEXT,
  cursor      TEXT,
  synced_at   TEXT NOT NULL
) STRICT;
CREATE INDEX sync_state_patient ON sync_state (patient_id) WHERE patient_id IS NOT NULL;
`

const migration: Migration = {
  version: 2,
  name: 'cache',
  up(db) {
    const queued = db.prepare('SELECT count(*) FROM outbox').pluck().get() as number
    if (queued > 0) throw new Error(`l'ancienne file d'envoi contient ${queued} écriture(s) : migration refusée`)
    db.exec(schema)
  },
}

export default migration
