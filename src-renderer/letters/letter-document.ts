import type { LetterPerson, LetterPreview, TreatmentLine } from '../../src-main/contract/letters'
import { frenchDate, frenchTypography as t } from './typography'

/*
 * The lettre de liaison as a pdfmake document definition: pure data (no DOM, no Node), so the renderer lays it out
 * for the preview and the signature (src-renderer/pdf/render.ts) and the tests render the very same definition.
 * PDF/A-2b (ISO 19005-2, level B): pdfmake writes the XMP identification and an sRGB output intent, embeds the
 * DejaVu fonts (src-renderer/pdf/fonts.ts); nothing transparent, nothing fetched.
 */

type Node = string | { [key: string]: unknown } | Node[]

const CHANGE_LABEL: Record<TreatmentLine['change'], string> = {
  nouveau: 'Nouveau',
  modifie: 'Modifié',
  arrete: 'Arrêté',
  poursuivi: 'Poursuivi',
}

const MUTED = '#555555'

function patientLine(preview: LetterPreview): string {
  const p = preview.letter.content.patient
  const born = p.sex === 'female' ? 'née le' : 'né le'
  const name = `${p.familyName.toUpperCase()} ${p.givenName}${p.birthName ? ` (né·e ${p.birthName.toUpperCase()})` : ''}`
  const ins = p.identityStatus === 'QUAL' && p.ins ? ` — INS ${p.ins}` : ''
  return `${name}, ${born} ${frenchDate(p.birthDate)}${ins}`
}

function personBlock(role: string, person: LetterPerson | null, fallback: string): Node {
  const lines = person
    ? [person.name, person.rpps ? `RPPS ${person.rpps}` : null, person.mssante, person.detail].filter((x): x is string => Boolean(x))
    : [fallback]
  return { stack: [{ text: role, style: 'label' }, ...lines.map((line) => ({ text: t(line) }))], margin: [0, 0, 0, 6] }
}

function paragraph(text: string, empty = 'Non renseigné.'): Node {
  const lines = text.trim() === '' ? [empty] : text.split('\n')
  return { stack: lines.map((line) => ({ text: t(line) })), margin: [0, 0, 0, 6] }
}

function section(number: number, title: string, body: Node[]): Node {
  return [{ text: `${number}. ${t(title)}`, style: 'section', tocItem: false, headlineLevel: 1 }, ...body]
}

function treatmentsTable(lines: readonly TreatmentLine[]): Node {
  if (lines.length === 0) return paragraph('', 'Aucun traitement à la sortie.')
  return {
    table: {
      headerRows: 1,
      dontBreakRows: true,
      widths: ['20%', '15%', '20%', '25%', '20%'],
      body: [
        ['Médicament', 'Changement', 'Avant l’hospitalisation', 'À la sortie', 'Motif'].map((text) => ({ text, style: 'th' })),
        ...lines.map((line) => [
          { text: t(line.medication), bold: true },
          CHANGE_LABEL[line.change],
          t(line.admission ?? '—'),
          t([line.discharge ?? '—', line.duration ? `Durée : ${line.duration}` : ''].filter(Boolean).join('\n')),
          t(line.reason || '—'),
        ]),
      ],
    },
    layout: 'lightHorizontalLines',
    fontSize: 8.5,
    margin: [0, 0, 0, 8],
  }
}

function letterhead(preview: LetterPreview): Node {
  const head = preview.letterhead
  const lines: Node[] = [
    { text: t(head.name), style: 'establishment' },
    ...(head.unit ? [{ text: `Service : ${t(head.unit)}` }] : []),
    ...head.address.map((line) => ({ text: t(line) })),
    ...(head.finess ? [{ text: `FINESS ${head.finess}`, color: MUTED }] : []),
  ]
  return {
    columns: [
      ...(head.logo ? [{ image: head.logo, fit: [70, 50], width: 80 }] : []),
      { stack: lines, width: '*' },
    ],
    margin: [40, 28, 40, 0],
    fontSize: 9,
  }
}

export interface LetterDocumentOptions {
  /**
   * The PDF/A about to be signed: no draft watermark, and the signature line names the signer and the day. Without
   * it, an unsigned letter is a preview marked BROUILLON.
   */
  signing?: { signer: string; date: string }
}

/** The letter's pdfmake definition. */
export function letterDocument(preview: LetterPreview, options: LetterDocumentOptions = {}): Record<string, unknown> {
  const { letter } = preview
  const c = letter.content
  const signature = options.signing ?? (letter.signedAt ? { signer: letter.signedBy ?? letter.authorName, date: letter.signedAt.slice(0, 10) } : null)
  const signed = signature !== null
  const doctor = c.hospitalDoctor?.name ?? letter.authorName
  return {
    pageSize: 'A4',
    pageMargins: [40, 110, 40, 60],
    version: '1.7',
    subset: 'PDF/A-2b',
    tagged: true,
    language: 'fr-FR',
    info: {
      title: 'Lettre de liaison de sortie',
      author: doctor,
      subject: `Lettre de liaison — ${c.stay.unit ?? preview.letterhead.name}`,
      creator: 'Chevet',
      producer: 'Chevet (pdfmake)',
      keywords: `LOINC 11490-0; setId ${letter.setId}; version ${letter.version}`,
    },
    ...(signed ? {} : { watermark: { text: 'BROUILLON', opacity: 0.12, color: '#5a6b7a', bold: true } }),
    header: (currentPage: number) =>
      currentPage === 1 ? letterhead(preview) : { text: t(preview.letterhead.name), margin: [40, 28, 40, 0], fontSize: 8, color: MUTED },
    footer: (currentPage: number, pageCount: number) => ({
      margin: [40, 16, 40, 0],
      fontSize: 8,
      columns: [
        { text: t(patientLine(preview)), width: '*' },
        { text: `page ${currentPage} / ${pageCount}`, width: 'auto', alignment: 'right' },
      ],
    }),
    defaultStyle: { fontSize: 9.5, lineHeight: 1.15 },
    styles: {
      establishment: { fontSize: 12, bold: true },
      title: { fontSize: 15, bold: true, margin: [0, 0, 0, 2] },
      section: { fontSize: 11, bold: true, margin: [0, 10, 0, 4] },
      label: { bold: true, fontSize: 9 },
      th: { bold: true },
    },
    content: [
      { text: 'Lettre de liaison à la sortie', style: 'title' },
      { text: t(`Version ${letter.version} — établie le ${frenchDate(letter.updatedAt.slice(0, 10))}`), color: MUTED, margin: [0, 0, 0, 10] },
      section(1, 'Identification', [
        {
          columns: [
            personBlock('Patient', { name: patientLine(preview), rpps: null, mssante: null, detail: c.patient.ipp ? `IPP ${c.patient.ipp}` : null }, ''),
            personBlock('Médecin traitant', c.medecinTraitant, 'Non renseigné'),
          ],
          columnGap: 12,
        },
        {
          columns: [
            personBlock('Médecin adresseur', c.adresseur, 'Sans objet'),
            personBlock('Médecin hospitalier', c.hospitalDoctor, 'Non renseigné'),
          ],
          columnGap: 12,
        },
        {
          table: {
            widths: ['25%', '25%', '50%'],
            body: [
              ['', { text: 'Date', style: 'th' }, { text: 'Mode', style: 'th' }],
              [{ text: 'Entrée', style: 'th' }, c.stay.admissionDate ?? '—', t(c.stay.admissionMode ?? '—')],
              [{ text: 'Sortie', style: 'th' }, c.stay.dischargeDate ?? '—', t(c.stay.dischargeMode ?? '—')],
            ],
          },
          layout: 'lightHorizontalLines',
          margin: [0, 2, 0, 4],
        },
        ...(c.stay.unit ? [{ text: t(`Service : ${c.stay.unit}`) }] : []),
      ]),
      section(2, 'Motif de l’hospitalisation', [paragraph(c.reason)]),
      section(3, 'Synthèse médicale du séjour', [
        paragraph(c.summary.synthesis),
        { text: 'Événements indésirables', style: 'label' },
        paragraph(c.summary.adverseEvents),
        { text: 'Bactéries multirésistantes ou émergentes', style: 'label' },
        paragraph(c.summary.multiResistantOrganisms),
        { text: 'Produits sanguins administrés', style: 'label' },
        paragraph(c.summary.bloodProducts),
        { text: 'Dispositifs médicaux implantés', style: 'label' },
        paragraph(c.summary.implantedDevices),
      ]),
      section(4, 'Traitements à la sortie', [treatmentsTable(c.treatments)]),
      section(5, 'Résultats en attente', [paragraph(c.pendingResults, 'Aucun.')]),
      section(6, 'Suites à donner', [paragraph(c.followUp)]),
      {
        margin: [0, 16, 0, 0],
        unbreakable: true,
        stack: signature
          ? [{ text: t(doctor), bold: true }, { text: t(`Signé électroniquement par ${signature.signer} le ${frenchDate(signature.date)}`) }]
          : [{ text: t(doctor), bold: true }, { text: 'Document non signé', color: MUTED }],
      },
    ],
  }
}
