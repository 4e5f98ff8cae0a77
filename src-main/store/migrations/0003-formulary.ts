import type { Migration } from '../migration'

/*
 * The formulary: the hospital's import of the ANSM BDPM (docs/formulary.md). Reference data, not patient data:
 * every import replaces the previous one in one transaction, so these tables always hold exactly one complete
 * BDPM (or none). Rows whose CIS is absent from CIS_bdpm.txt are not stored (withdrawn specialities still listed
 * in generic groups), hence the foreign keys.
 *
 * `form_category` is the normalised pharmaceutical form (NULL when no rule classifies it: the prescribing
 * report counts those as missing data). Dates are ISO yyyy-mm-dd.
 */
const schema = `
CREATE TABLE bdpm_import (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  imported_at     TEXT NOT NULL,
  source          TEXT NOT NULL,
  summary         TEXT NOT NULL CHECK (json_valid(summary))
) STRICT;

CREATE TABLE bdpm_speciality (
  cis                     TEXT PRIMARY KEY CHECK (length(cis) = 8),
  denomination            TEXT NOT NULL,
  brand                   TEXT NOT NULL,
  form                    TEXT NOT NULL,
  form_category           TEXT,
  form_rule               TEXT,
  routes                  TEXT NOT NULL,
  amm_status              TEXT NOT NULL,
  procedure_type          TEXT NOT NULL,
  marketing_status        TEXT NOT NULL,
  amm_date                TEXT,
  bdm_status              TEXT NOT NULL,
  eu_authorisation        TEXT NOT NULL,
  holders                 TEXT NOT NULL,
  reinforced_surveillance INTEGER NOT NULL CHECK (reinforced_surveillance IN (0, 1)),
  dc                      TEXT NOT NULL
) STRICT;
CREATE INDEX bdpm_speciality_category ON bdpm_speciality (form_category);

CREATE TABLE bdpm_composition (
  cis               TEXT NOT NULL REFERENCES bdpm_speciality (cis) ON DELETE CASCADE,
  line              INTEGER NOT NULL,
  element           TEXT NOT NULL,
  substance_code    TEXT NOT NULL,
  substance_name    TEXT NOT NULL,
  dosage            TEXT NOT NULL,
  dosage_reference  TEXT NOT NULL,
  nature            TEXT NOT NULL CHECK (nature IN ('SA', 'FT')),
  link_no           INTEGER,
  PRIMARY KEY (cis, line)
) STRICT;
CREATE INDEX bdpm_composition_substance ON bdpm_composition (substance_code);

CREATE TABLE bdpm_presentation (
  cip13               TEXT PRIMARY KEY CHECK (length(cip13) = 13),
  cis                 TEXT NOT NULL REFERENCES bdpm_speciality (cis) ON DELETE CASCADE,
  cip7                TEXT NOT NULL,
  label               TEXT NOT NULL,
  status              TEXT NOT NULL,
  marketing_status    TEXT NOT NULL,
  declared_on         TEXT,
  collectivities      TEXT NOT NULL,
  reimbursement_rate  TEXT NOT NULL,
  price               TEXT NOT NULL
) STRICT;
CREATE INDEX bdpm_presentation_cis ON bdpm_presentation (cis);

CREATE TABLE bdpm_generic (
  group_id     INTEGER NOT NULL,
  group_label  TEXT NOT NULL,
  cis          TEXT NOT NULL REFERENCES bdpm_speciality (cis) ON DELETE CASCADE,
  type         INTEGER NOT NULL CHECK (type IN (0, 1, 2, 4)),
  sort_no      INTEGER NOT NULL,
  PRIMARY KEY (group_id, cis)
) STRICT;
CREATE INDEX bdpm_generic_cis ON bdpm_generic (cis);

-- One row per folded word of a brand name, a substance name or a DC: a prefix query is a range scan. Derived
-- data rebuilt by every import, without foreign key or second index: an import writes 150,000 of these rows.
CREATE TABLE formulary_token (
  token  TEXT NOT NULL,
  kind   TEXT NOT NULL CHECK (kind IN ('dc', 'brand', 'substance')),
  cis    TEXT NOT NULL,
  PRIMARY KEY (token, kind, cis)
) STRICT, WITHOUT ROWID;
`

const formulary: Migration = {
  version: 3,
  name: 'formulary',
  up(db) {
    db.exec(schema)
  },
}

export default formulary
