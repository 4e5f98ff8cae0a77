import type { Resource } from '@medplum/fhirtypes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PatientSummary as SummarySchema } from '../../src-main/contract'
import { fold, nameQuery, nameTokens, parseQuery, searchPatients, upsertResources } from '../../src-main/store/cache'
import { FAMILY_NAMES, FEMALE_GIVEN, MALE_GIVEN } from '../../src-main/training/hospital/names'
import { ins, patient, stay, unitTree } from '../fixtures/sync/fhir'
import { openTempStore, type TempStore } from '../fixtures/sync/store'

const HELENE_INS = ins('2460320004123')
const CORSICA_INS = ins('15210' + '2B' + '033045')

function seed(temp: TempStore): void {
  upsertResources(temp.store.db, [
    ...unitTree('loc-cardio', 'Cardiologie', 3),
    ...unitTree('loc-chir', 'Chirurgie', 2, 3),
    patient({ id: 'p-helene', family: 'DURAND', given: ['Hélène', 'Marie'], birthDate: '1946-03-14', ins: HELENE_INS, ipp: '90000001' }),
    patient({ id: 'p-helene-b', family: 'DURANTON', given: ['Hélèna'], birthDate: '1950-01-01', ipp: '90000009' }),
    patient({ id: 'p-francois', family: 'LEFÈVRE', given: ['François', 'Xavier'], sex: 'male', birthDate: '1952-10-02', ins: CORSICA_INS, ipp: '90000002' }),
    patient({ id: 'p-zoe', family: "N'DIAYE", given: ['Zoé', 'Lou'], birthDate: '2026-03-18', ipp: '90000003', status: 'PROV', ins: ins('2260345234001') }),
    patient({ id: 'p-cecile', family: "D'ALMEIDA", usedFamily: 'MÜLLER-BÉRAUD', given: ['Cécile', 'Inès'], birthDate: '1979-05-30', ipp: '90000005' }),
    patient({ id: 'p-oedipe', family: 'ŒDIPE', given: ['Anaïs'], birthDate: '1988-06-03', ipp: '90000006' }),
    patient({ id: 'p-other-unit', family: 'DURAND', given: ['Hervé'], sex: 'male', birthDate: '1946-03-14', ipp: '90000007' }),
    stay('e1', 'p-helene', 'loc-cardio', 'loc-cardio-101-1'),
    stay('e2', 'p-helene-b', 'loc-cardio', 'loc-cardio-101-2'),
    stay('e3', 'p-francois', 'loc-cardio', 'loc-cardio-102-1'),
    stay('e4', 'p-zoe', 'loc-cardio', 'loc-cardio-102-2'),
    stay('e5', 'p-cecile', 'loc-cardio', 'loc-cardio-103-1'),
    stay('e6', 'p-oedipe', 'loc-cardio', 'loc-cardio-103-2'),
    stay('e7', 'p-other-unit', 'loc-chir', 'loc-chir-301-1'),
  ])
}

describe('folding', () => {
  it('folds accents, case, ligatures and punctuation the way a French user types', () => {
    expect(fold('Hélène')).toBe('helene')
    expect(fold('LEFÈVRE')).toBe('lefevre')
    expect(fold('ŒDIPE')).toBe('oedipe')
    expect(fold("N'DIAYE")).toBe('n diaye')
    expect(nameTokens("N'DIAYE")).toEqual(['n', 'diaye', 'ndiaye'])
    expect(nameTokens('MÜLLER-BÉRAUD')).toEqual(['muller', 'beraud', 'mullerberaud'])
  })

  it('reads a birth date in JJ/MM/AAAA or AAAA-MM-JJ and an INS with spaces', () => {
    expect(parseQuery('14/03/1946').birthDate).toBe('1946-03-14')
    expect(parseQuery('1946-03-14').birthDate).toBe('1946-03-14')
    expect(parseQuery('31/02/1946').birthDate).toBeNull()
    expect(parseQuery('dur 14/03/1946')).toMatchObject({ birthDate: '1946-03-14', words: ['dur'] })
    const spaced = `${HELENE_INS.slice(0, 1)} ${HELENE_INS.slice(1, 3)} ${HELENE_INS.slice(3, 5)} ${HELENE_INS.slice(5, 7)} ${HELENE_INS.slice(7, 10)} ${HELENE_INS.slice(10, 13)} ${HELENE_INS.slice(13)}`
    expect(parseQuery(spaced).ins).toBe(HELENE_INS)
  })
})

describe('search', () => {
  let temp: TempStore
  const find = (query: string, allowedUnitIds?: string[]) =>
    searchPatients(temp.store.db, query, allowedUnitIds ? { allowedUnitIds } : {}).map((p) => p.id)

  beforeAll(() => {
    temp = openTempStore()
    seed(temp)
  })
  afterAll(() => temp.cleanup())

  it('finds by name prefixes, whatever the accents and the case, every word a prefix of some name', () => {
    expect(find('helene dur')).toEqual(['p-helene'])
    // Ordered by the word the longest query word matched (hélèna < hélène), then by name.
    expect(find('hel dur')).toEqual(['p-helene-b', 'p-helene'])
    expect(find('HÉLÈNE DURAND')).toEqual(['p-helene'])
    expect(find('dur hel')).toEqual(['p-helene', 'p-helene-b'])
    expect(find('lefevre')).toEqual(['p-francois'])
    expect(find('xavier')).toEqual(['p-francois'])
    expect(find('oedipe')).toEqual(['p-oedipe'])
    expect(find('helene durandx')).toEqual([])
  })

  it("finds N'DIAYE as n'diaye, n diaye and ndiaye, and a usage or a birth name", () => {
    expect(find("n'diaye")).toEqual(['p-zoe'])
    expect(find('n diaye')).toEqual(['p-zoe'])
    expect(find('ndiaye zoe')).toEqual(['p-zoe'])
    expect(find('muller')).toEqual(['p-cecile'])
    expect(find('mullerberaud')).toEqual(['p-cecile'])
    expect(find("d'almeida cecile")).toEqual(['p-cecile'])
    expect(find('ines')).toEqual(['p-cecile'])
  })

  it('finds by birth date, alone or with a name', () => {
    expect(find('14/03/1946')).toEqual(['p-helene', 'p-other-unit'])
    expect(find('1946-03-14 herve')).toEqual(['p-other-unit'])
  })

  it('finds by INS (qualified identities only), IPP and bed', () => {
    expect(find(HELENE_INS)).toEqual(['p-helene'])
    expect(find(HELENE_INS.replace(/(\d{1})(\d{2})(\d{2})(\d{2})(\d{3})(\d{3})(\d{2})/, '$1 $2 $3 $4 $5 $6 $7'))).toEqual(['p-helene'])
    expect(find(CORSICA_INS.toLowerCase())).toEqual(['p-francois'])
    expect(find(ins('2260345234001'))).toEqual([])
    expect(find('90000003')).toEqual(['p-zoe'])
    expect(find('102-2')).toEqual(['p-zoe'])
    expect(find('lit 102-1')).toEqual(['p-francois'])
  })

  it('keeps to the allowed units and answers in the contract shape', () => {
    expect(find('durand', ['loc-cardio'])).toEqual(['p-helene'])
    expect(find('durand', ['loc-chir'])).toEqual(['p-other-unit'])
    expect(find('durand', [])).toEqual([])
    expect(find('durand')).toEqual(['p-helene', 'p-other-unit'])
    const [summary] = searchPatients(temp.store.db, 'helene durand')
    expect(SummarySchema.parse(summary)).toMatchObject({ familyName: 'DURAND', givenName: 'Hélène', ins: HELENE_INS, bed: '101-1', room: '101' })
    expect(searchPatients(temp.store.db, 'zoe')[0]).toMatchObject({ ins: null, identityStatus: 'PROV' })
    expect(searchPatients(temp.store.db, 'cecile')[0]).toMatchObject({ familyName: 'MÜLLER-BÉRAUD', birthName: "D'ALMEIDA" })
  })
})

describe('search at 100,000 patients', () => {
  let temp: TempStore
  const PATIENTS = 100_000

  beforeAll(() => {
    temp = openTempStore()
    seed(temp)
    // Deterministic spread of the training hospital's French names (no Math.random: same data every run).
    let x = 20261123
    const next = (n: number): number => {
      // xorshift32: the low bits of a plain LCG repeat too soon and would pair names in lockstep.
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      return (x >>> 0) % n
    }
    const resources: Resource[] = []
    for (let i = 0; i < PATIENTS; i++) {
      const female = next(2) === 0
      const pool = female ? FEMALE_GIVEN : MALE_GIVEN
      const given = [pool[next(pool.length)]!, ...(next(3) === 0 ? [pool[next(pool.length)]!] : [])]
      const year = 1930 + next(95)
      const birthDate = `${year}-${String(1 + next(12)).padStart(2, '0')}-${String(1 + next(28)).padStart(2, '0')}`
      const nir13 = `${female ? 2 : 1}${String(year).slice(2)}${birthDate.slice(5, 7)}45234${String(i % 1000).padStart(3, '0')}`
      resources.push(
        patient({
          id: `bulk-${i}`,
          family: FAMILY_NAMES[next(FAMILY_NAMES.length)]!,
          ...(female && next(3) === 0 ? { usedFamily: FAMILY_NAMES[next(FAMILY_NAMES.length)]! } : {}),
          given,
          sex: female ? 'female' : 'male',
          birthDate,
          ins: ins(nir13),
          ipp: `8${String(i).padStart(7, '0')}`,
        }),
      )
    }
    const t = performance.now()
    upsertResources(temp.store.db, resources)
    console.log(`search bench: ${PATIENTS} patients inserted in one transaction in ${Math.round(performance.now() - t)} ms`)
  }, 300_000)
  afterAll(() => temp.cleanup())

  function plan(query: string): string {
    const named = nameQuery(parseQuery(query))!
    const rows = temp.store.db.prepare(`EXPLAIN QUERY PLAN ${named.text}`).all(...named.params) as { detail: string }[]
    return rows.map((r) => r.detail).join(' | ')
  }

  it('uses index range scans, never a scan of all patients', () => {
    for (const query of ['helene dur', 'd', '14/03/1946', 'dur 14/03/1946']) {
      const detail = plan(query)
      expect(detail, query).toMatch(/SEARCH (t|i) USING (COVERING INDEX|INDEX|PRIMARY KEY)/)
      expect(detail, query).not.toMatch(/SCAN (t|i|identity|identity_token)\b(?! USING)/)
    }
    // The primary key's order is the display order: no sort of the matches before the LIMIT.
    expect(plan('helene dur')).toMatch(/SEARCH t USING PRIMARY KEY \(token>\? AND token<\?\)/)
    expect(plan('d')).not.toMatch(/TEMP B-TREE/)
    const exact = (sql: string, value: string) =>
      (temp.store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(value) as { detail: string }[]).map((r) => r.detail).join(' | ')
    expect(exact("SELECT patient_id FROM identity WHERE ins = ? AND identity_status = 'QUAL'", HELENE_INS)).toMatch(/USING INDEX identity_ins/)
    expect(exact('SELECT patient_id FROM administrative WHERE ipp = ?', '90000001')).toMatch(/USING (COVERING )?INDEX administrative_ipp/)
    expect(exact('SELECT patient_id FROM administrative WHERE bed_key = ?', '101 1')).toMatch(/USING (COVERING )?INDEX administrative_bed/)
  })

  it('still finds the named patients among 100,000, and prints the time per query', () => {
    expect(searchPatients(temp.store.db, 'helene durand').map((p) => p.id)).toContain('p-helene')
    expect(searchPatients(temp.store.db, HELENE_INS).map((p) => p.id)).toEqual(['p-helene'])
    expect(searchPatients(temp.store.db, '80004242').map((p) => p.id)).toEqual(['bulk-4242'])
    const queries = [
      'helene dur', 'durand', 'lefevre', 'lef fr', 'n diaye', 'ndiaye', 'muller', 'giraud jean', 'anais', 'zoe',
      'ma', 'd', 'jean-noel', 'cecile ines', 'beguin eloise', '14/03/1946', 'durand 1946-03-14', HELENE_INS,
      '80012345', '101-1', 'martin', 'petit an', 'roux mick', 'diallo', 'francois xavier',
    ]
    const times: number[] = []
    for (let round = 0; round < 4; round++) {
      for (const query of queries) {
        const t = performance.now()
        const found = searchPatients(temp.store.db, query, { limit: 20 })
        times.push(performance.now() - t)
        expect(found.length, query).toBeGreaterThan(0)
      }
    }
    times.sort((a, b) => a - b)
    const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2)
    console.log(`search bench (${PATIENTS} patients, ${times.length} queries): p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, max ${p(1)} ms`)
  })
})
