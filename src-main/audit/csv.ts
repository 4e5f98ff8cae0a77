/**
 * CSV for the DPO's spreadsheet (RFC 4180 quoting, CRLF). French Excel expects `;` as separator (the comma is the
 * decimal mark) and only reads UTF-8 with a byte order mark, so both are used. A cell that starts like a formula
 * (= + - @, tab, CR) is prefixed with an apostrophe: a journal entry must never run as a formula (CSV injection).
 */
export const CSV_SEPARATOR = ';'
export const CSV_BOM = '\uFEFF'

export function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[;"\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return CSV_BOM + [header, ...rows].map((row) => row.map(csvCell).join(CSV_SEPARATOR)).join('\r\n') + '\r\n'
}
