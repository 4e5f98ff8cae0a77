import { createHash } from 'node:crypto'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }

/** Text and attribute values; characters XML 1.0 forbids are dropped rather than breaking the document. */
export function esc(value: string | number): string {
  return String(value)
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/[&<>"']/g, (c) => ESCAPES[c]!)
}

/** HL7 TS with its offset, in UTC: `20261123194500+0000`. */
export function hl7Time(date: Date | string): string {
  const iso = new Date(date).toISOString()
  return iso.slice(0, 19).replace(/[-:T]/g, '') + '+0000'
}

/** `YYYY-MM-DD` → `YYYYMMDD`. */
export function hl7Date(date: string): string {
  return date.slice(0, 10).replace(/-/g, '')
}

/** XDS times are UTC without offset: `20261123194500`. */
export function xdsTime(date: Date | string): string {
  return new Date(date).toISOString().slice(0, 19).replace(/[-:T]/g, '')
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The OID of a UUID (ITU-T X.667, `2.25.<integer>`): XDS uniqueIds must be OIDs in the CI-SIS. */
export function uuidToOid(uuid: string): string {
  if (!UUID.test(uuid)) throw new Error('not a UUID')
  return `2.25.${BigInt('0x' + uuid.replace(/-/g, '')).toString(10)}`
}

/** A stable OID for a URI-named identifier system that has no registered OID (training systems). */
export function oidForUri(uri: string): string {
  const match = /^urn:oid:([0-9.]+)$/.exec(uri)
  if (match) return match[1]!
  const hex = createHash('sha256').update(uri).digest('hex').slice(0, 32)
  return `2.25.${BigInt('0x' + hex).toString(10)}`
}
