import type { PaediatricFormReport } from '../../src-main/contract'

/** The report as CSV (`;` and CRLF, for a French spreadsheet): the figures, then the DCs, then the unclassified lines. */
export function reportCsv(report: PaediatricFormReport, labels: { summary: string; dcs: string[]; unclassified: string[] }): string {
  const cell = (value: string | number | null): string => {
    const text = value === null ? '' : String(value)
    return /[;"\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
  }
  const line = (values: (string | number | null)[]): string => values.map(cell).join(';')
  const rows = [
    labels.summary,
    line([report.from, report.to, report.children, report.childrenWithOralSolid, report.percent, report.lines, report.oralSolidLines, report.unclassifiedLines]),
    '',
    line(labels.dcs),
    ...report.dcs.map((d) => line([d.dc, d.lines, d.oralSolidLines])),
    '',
    line(labels.unclassified),
    ...report.unclassified.map((u) => line([u.orderId, u.label, u.form])),
  ]
  return rows.join('\r\n') + '\r\n'
}
