import type { CodeableConcept, Coding, Quantity, Reference, Resource, ResourceType } from '@medplum/fhirtypes'
import { UCUM } from './systems'

export const HOUR = 3_600_000
export const DAY = 24 * HOUR
export const YEAR = 365.25 * DAY

type ResourceOf<K extends ResourceType> = Extract<Resource, { resourceType: K }>

export function ref<K extends ResourceType>(type: K, id: string, display?: string): Reference<ResourceOf<K>> {
  return display === undefined ? { reference: `${type}/${id}` } : { reference: `${type}/${id}`, display }
}

/** FHIR dateTime/instant to the minute, in UTC. */
export function dateTime(ms: number): string {
  return new Date(Math.floor(ms / 60_000) * 60_000).toISOString().replace('.000Z', 'Z')
}

export function date(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

export function dateMs(isoDate: string): number {
  return Date.parse(`${isoDate}T00:00:00Z`)
}

export function coding(system: string, code: string, display?: string): Coding {
  return display === undefined ? { system, code } : { system, code, display }
}

export function concept(system: string, code: string, display: string, text = display): CodeableConcept {
  return { coding: [{ system, code, display }], text }
}

export function ucum(value: number, unit: string, code = unit): Quantity {
  return { value, unit, system: UCUM, code }
}

export function round(value: number, decimals: number): number {
  const f = 10 ** decimals
  return Math.round(value * f) / f
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value))
}

/** Years between a birth date and an instant (age in completed years). */
export function ageAt(birthDate: string, ms: number): number {
  const birth = new Date(dateMs(birthDate))
  const at = new Date(ms)
  let age = at.getUTCFullYear() - birth.getUTCFullYear()
  const beforeBirthday =
    at.getUTCMonth() < birth.getUTCMonth() ||
    (at.getUTCMonth() === birth.getUTCMonth() && at.getUTCDate() < birth.getUTCDate())
  if (beforeBirthday) age--
  return age
}

/** A birth date at which someone is exactly `age` at `atMs`, their birthday `daysAgo` (1…364) days past. */
export function birthDateAtAge(atMs: number, age: number, daysAgo: number): string {
  const at = new Date(atMs)
  const anniversary = Date.UTC(at.getUTCFullYear() - age, at.getUTCMonth(), at.getUTCDate())
  return date(anniversary - Math.round(daysAgo) * DAY)
}

export function pad(n: number, width = 4): string {
  return String(n).padStart(width, '0')
}

/** Latin letters without diacritics, lower case (for e-mail addresses). */
export function asciiLower(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
}
