import type { ResultOf } from '../../src-main/contract'

type History = ResultOf<'review.patientHistory'>

export interface HistoryLabels {
  title: string
  patient: string
  generatedAt: string
  intro: string
  columns: [string, string, string, string, string, string]
  none: string
  truncated: string
  role: (role: string | null) => string
  action: (action: string) => string
  purpose: (purpose: 'care' | 'btg') => string
  outcome: (outcome: 'success' | 'failure') => string
  dateTime: (iso: string) => string
}

/** The patient's access history (RGPD right of access) as a pdfmake document definition: data only. */
export function historyDocument(history: History, labels: HistoryLabels): object {
  const body = [
    labels.columns.map((text) => ({ text, bold: true })),
    ...history.entries.map((e) => [
      labels.dateTime(e.at),
      e.actorName ?? '—',
      labels.role(e.actorRole),
      labels.action(e.action),
      labels.purpose(e.purpose),
      labels.outcome(e.outcome),
    ]),
  ]
  return {
    info: { title: labels.title },
    pageSize: 'A4',
    pageOrientation: 'landscape',
    content: [
      { text: labels.title, fontSize: 16, bold: true, margin: [0, 0, 0, 8] },
      { text: labels.patient },
      { text: labels.generatedAt, margin: [0, 0, 0, 8] },
      { text: labels.intro, fontSize: 9, margin: [0, 0, 0, 12] },
      history.entries.length
        ? { table: { headerRows: 1, widths: ['auto', '*', 'auto', 'auto', 'auto', 'auto'], body }, fontSize: 9 }
        : { text: labels.none },
      ...(history.truncated ? [{ text: labels.truncated, italics: true, margin: [0, 8, 0, 0] }] : []),
    ],
  }
}
