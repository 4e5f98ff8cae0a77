import type { Migration } from '../migration'

/*
 * Lettres de liaison (issue 9): one row per version. A letter is its set (set_id); each change to a signed version
 * makes a new row with version + 1, so what was signed and sent is never overwritten. The signed PDF/A is kept
 * with its version (what was sent is what the DMP and the recipients hold). One row per recipient for the
 * MSSanté/DMP deliveries, with their own status.
 */
const schema = `
CREATE TABLE letter (
  id             TEXT PRIMARY KEY,
  set_id         TEXT NOT NULL,
  version        INTEGER NOT NULL CHECK (version >= 1),
  patient_id     TEXT NOT NULL,
  encounter_id   TEXT,
  unit_id        TEXT,
  status         TEXT NOT NULL CHECK (status IN ('brouillon', 'a-valider', 'signee', 'a-envoyer', 'envoyee', 'erreur')),
  content        TEXT NOT NULL CHECK (json_valid(content)),
  author_id      TEXT NOT NULL,
  author_name    TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  signed_at      TEXT,
  signed_by      TEXT,
  signed_pdf     BLOB,
  pdf_sha256     TEXT CHECK (pdf_sha256 IS NULL OR length(pdf_sha256) = 64),
  UNIQUE (set_id, version),
  CHECK ((status IN ('brouillon', 'a-valider')) = (signed_at IS NULL))
) STRICT;
CREATE INDEX letter_queue ON letter (status, updated_at);
CREATE INDEX letter_patient ON letter (patient_id, set_id);

CREATE TABLE letter_delivery (
  letter_id   TEXT NOT NULL REFERENCES letter (id),
  recipient   TEXT NOT NULL CHECK (recipient IN ('medecin-traitant', 'adresseur', 'patient', 'dmp')),
  address     TEXT,
  status      TEXT NOT NULL CHECK (status IN ('a-envoyer', 'envoyee', 'erreur')),
  detail      TEXT,
  attempts    INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (letter_id, recipient)
) STRICT;
`

const letters: Migration = {
  version: 4,
  name: 'letters',
  up(db) {
    db.exec(schema)
  },
}

export default letters
