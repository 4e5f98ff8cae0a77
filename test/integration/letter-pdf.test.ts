import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Organization, Resource } from '@medplum/fhirtypes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LetterContent, LetterPreview } from '../../src-main/contract/letters'
import { letterheadFromCache, prefillSourcesFromCache } from '../../src-main/letters/cache-source'
import { missingItems } from '../../src-main/letters/model'
import { prefillLetter } from '../../src-main/letters/prefill'
import { getLetter, markSigned, saveLetter } from '../../src-main/letters/repository'
import { openStore, type Store } from '../../src-main/store'
import { upsertResources } from '../../src-main/store/cache'
import { letterDocument } from '../../src-renderer/letters/letter-document'
import { renderPdfNode } from '../helpers/render-pdf'
import { syntheticDischarge } from '../helpers/letter-discharge'

/*
 * The letter of a synthetic discharge, from the training hospital's data through the encrypted cache, the prefill,
 * a doctor's completion and the store, laid out by the renderer's document definition and read back with poppler.
 */

const OUT = path.resolve('test-results/letters')

function completed(content: LetterContent): LetterContent {
  return {
    ...content,
    summary: {
      synthesis: `${content.summary.synthesis}\nÉvolution favorable sous traitement ; reprise d'une marche autonome.`,
      adverseEvents: 'Aucun événement indésirable grave.',
      multiResistantOrganisms: 'Aucune bactérie multirésistante ni émergente (BMR, BHRe) identifiée.',
      bloodProducts: 'Aucun produit sanguin labile administré.',
      implantedDevices: 'Aucun dispositif implanté.',
    },
    treatments: content.treatments.map((line) =>
      line.change === 'poursuivi' || line.reason ? line : { ...line, reason: line.change === 'modifie' ? 'Fréquence cardiaque mal contrôlée' : 'Insuffisance cardiaque : cœur à préserver' },
    ),
    followUp: `${content.followUp}\nPesée quotidienne: consulter si "prise de plus de 2 kg en 3 jours"!`,
  }
}

describe('letter PDF/A of a synthetic discharge', () => {
  let dir: string
  let store: Store
  let pdfFile: string
  let preview: LetterPreview
  let pages: number

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chevet-letter-'))
    store = openStore({ file: path.join(dir, 'chevet.db'), key: randomBytes(32) })
    const { hospital, sources, now } = syntheticDischarge()
    const organization = hospital.resources.find((r): r is Organization => r.resourceType === 'Organization' && r.id === hospital.establishment.organizationId)!
    const locations = hospital.resources.filter((r) => r.resourceType === 'Location')
    upsertResources(store.db, [organization, ...locations, ...sources.practitioners, sources.patient, sources.encounter!, ...(sources.resources as Resource[])])

    const fromCache = prefillSourcesFromCache(store.db, sources.patient.id!, sources.encounter!.id)
    expect(fromCache).not.toBeNull()
    const prefilled = prefillLetter({ ...fromCache!, now })
    expect(missingItems(prefilled).length).toBeGreaterThan(0)
    const content = completed(prefilled)
    expect(missingItems(content)).toEqual([])

    const author = { practitionerId: 'pr-test', displayName: 'Dr Hélène Test' }
    const draft = saveLetter(store.db, { patientId: sources.patient.id!, content, unitId: 'loc-cardio', author })
    const establishment = { name: hospital.establishment.name, finess: hospital.establishment.finess }
    const letterhead = letterheadFromCache(store.db, establishment, content.stay.unit)
    preview = { letterhead, letter: getLetter(store.db, draft.id) }

    const pdf = await renderPdfNode(letterDocument(preview, { signing: { signer: author.displayName, date: now.toISOString().slice(0, 10) } }))
    fs.mkdirSync(OUT, { recursive: true })
    pdfFile = path.join(OUT, 'lettre-de-liaison.pdf')
    fs.writeFileSync(pdfFile, pdf)
    // The store keeps what was signed; a later change makes version 2 and leaves version 1 as it was.
    markSigned(store.db, draft.id, { pdf, signedBy: author.displayName })
    pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdfFile], { encoding: 'utf8' }))![1])
  }, 120_000)

  afterAll(() => {
    store?.close()
    if (dir) fs.rmSync(dir, { recursive: true, force: true })
  })

  it('prints the six items of CSP R1112-1-2 with their accents', () => {
    // Table cells wrap: compare with line breaks as plain spaces (no-break spaces are kept: they are the point).
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', pdfFile, '-'], { encoding: 'utf8' }).replace(/[ \t\r\n\f]+/g, ' ')
    for (const heading of [
      '1. Identification',
      '2. Motif de l’hospitalisation',
      '3. Synthèse médicale du séjour',
      '4. Traitements à la sortie',
      '5. Résultats en attente',
      '6. Suites à donner',
    ]) {
      expect(text).toContain(heading)
    }
    const c = preview.letter.content
    expect(text).toContain(c.patient.familyName.toUpperCase())
    expect(text).toContain(c.medecinTraitant!.name)
    expect(text).toContain('Médecin adresseur')
    expect(text).toContain('Retour à domicile')
    expect(text).toContain('Événements indésirables')
    expect(text).toContain('Bactéries multirésistantes ou émergentes')
    expect(text).toContain('Arrêté')
    expect(text).toContain('Modifié')
    expect(text).toContain('Nouveau')
    expect(text).toContain('Insuffisance rénale aiguë')
    expect(text).toContain('hépatite E')
    expect(text).toContain('Œhlenschläger')
    expect(text).toContain('cœur à préserver')
    expect(text).toContain('Centre hospitalier de formation Chevet')
    expect(text).toContain('FINESS 990000010')
    expect(text).toContain('Chevet-sur-Loire')
    expect(text).toContain('Signé électroniquement par Dr Hélène Test')
    // French typography (typed with straight quotes and no spaces): poppler gives no-break spaces back as spaces.
    expect(text).toContain('Pesée quotidienne : consulter si « prise de plus de 2 kg en 3 jours » !')
    expect(text).toContain('d’une marche')
    expect(text).not.toMatch(/Ã|â€|\uFFFD/)
  })

  it('shows the patient identity and "page x / y" on every page', () => {
    const c = preview.letter.content.patient
    expect(c.identityStatus).toBe('QUAL')
    for (let page = 1; page <= pages; page++) {
      const text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-f', String(page), '-l', String(page), pdfFile, '-'], { encoding: 'utf8' })
      expect(text, `page ${page}`).toContain(`${c.familyName.toUpperCase()} ${c.givenName}`)
      expect(text, `page ${page}`).toContain(`INS ${c.ins}`)
      expect(text, `page ${page}`).toContain(`page ${page} / ${pages}`)
    }
  })

  it('embeds every font', () => {
    const rows = execFileSync('pdffonts', [pdfFile], { encoding: 'utf8' }).trim().split('\n').slice(2)
    expect(rows.length).toBeGreaterThan(0)
    for (const row of rows) {
      const [emb] = row.trim().split(/\s+/).slice(-5)
      expect(emb, row).toBe('yes')
    }
  })

  it('identifies itself as PDF/A-2b in its XMP metadata, with title and author', () => {
    const xmp = execFileSync('pdfinfo', ['-meta', pdfFile], { encoding: 'utf8' })
    expect(xmp).toMatch(/<pdfaid:part>2<\/pdfaid:part>/)
    expect(xmp).toMatch(/<pdfaid:conformance>B<\/pdfaid:conformance>/)
    expect(xmp).toContain('Lettre de liaison de sortie')
    expect(xmp).toContain(preview.letter.content.hospitalDoctor!.name)
    const raw = fs.readFileSync(pdfFile).toString('latin1')
    expect(raw).toContain('/OutputIntents')
    expect(raw.startsWith('%PDF-1.7')).toBe(true)
  })

  it('renders page 1 to PNG under test-results/letters', () => {
    const prefix = path.join(OUT, 'lettre-de-liaison-page')
    execFileSync('pdftoppm', ['-png', '-r', '100', '-f', '1', '-l', '1', '-singlefile', pdfFile, prefix])
    const png = fs.readFileSync(`${prefix}.png`)
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG')
    expect(png.length).toBeGreaterThan(20_000)
  })

  it('locks the signed version: a change makes version 2 of the same set', () => {
    const signed = getLetter(store.db, preview.letter.id)
    expect(signed).toMatchObject({ status: 'signee', locked: true, version: 1 })
    const edited = saveLetter(store.db, {
      patientId: signed.patientId,
      letterId: signed.id,
      content: { ...signed.content, followUp: 'Consultation avancée.' },
      unitId: 'loc-cardio',
      author: { practitionerId: 'pr-test', displayName: 'Dr Hélène Test' },
    })
    expect(edited).toMatchObject({ setId: signed.setId, version: 2, status: 'brouillon', locked: false })
    expect(getLetter(store.db, signed.id).content.followUp).toBe(signed.content.followUp)
    expect(edited.versions.map((v) => [v.version, v.status])).toEqual([
      [1, 'signee'],
      [2, 'brouillon'],
    ])
  })
})
