import type { Provenance, Resource } from '@medplum/fhirtypes'
import type { IncomingHttpHeaders } from 'node:http'
import { can, type Action, type Category } from '../../access/matrix'
import type { Role } from '../../contract/session'
import { categoriesOfType, categoryOf } from './categories'
import { locationIdOf } from './care-units'
import { patientIdOf, patientLinks } from './patient-links'
import type { TrainingRepository } from './repository'
import type { SearchScope } from './search'

export interface TrainingUser {
  /** The professional's Practitioner id (AuditEvent agents reference it). */
  id: string
  /** Unit Location ids (`Location/x` or `x`). */
  units: string[]
  role: string
  /** Break the glass: the token's purpose of use; its AuditEvents carry it as purposeOfEvent. */
  purposeOfUse?: 'BTG'
  /**
   * Patients the token names beyond the care relationship (a BTG token: one), each still subject to `allowPatient`.
   * Given (even empty), searches keep the fast care-set path; absent, `allowPatient` is consulted for any patient.
   */
  grantedPatients?: readonly string[]
}

export type AccessDecision =
  | { ok: true; user: TrainingUser }
  | { ok: false; status: 401 | 403; reason: string }

export interface AuthorizeRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
}

/** Decides who is calling; the server does not know how tokens are made. */
export type Authorize = (request: AuthorizeRequest) => Promise<AccessDecision>

/**
 * Extra grant consulted when the user has no care relationship with the patient. Break the glass comes here:
 * return true for the patient named in a BTG token while it lasts.
 */
export type AllowPatient = (user: TrainingUser, patientId: string) => boolean

/** Who may read AuditEvents (the access log of every patient). Anyone may create one: workstations export theirs. */
export const AUDIT_READER_ROLES: ReadonlySet<string> = new Set(['dpo'])

/**
 * The care relationship of DESIGN.md §9 as the training central enforces it: a user reaches a patient's data only
 * while the patient has an in-progress Encounter located in one of the user's units (or a room or bed below it), or
 * left one less than CARE_AFTER_DISCHARGE_MS ago (letter, late results), or when `allowPatient` grants it.
 */
export class PatientAccess {
  private readonly units: ReadonlySet<string>
  private care: Set<string> | undefined

  constructor(
    private readonly repo: TrainingRepository,
    readonly user: TrainingUser,
    private readonly allowPatientHook?: AllowPatient,
  ) {
    this.units = new Set(user.units.map((u) => locationIdOf(u)).filter((u): u is string => u !== undefined))
  }

  private careSet(): Set<string> {
    this.care ??= this.repo.careUnits.patientsInUnits(this.units)
    return this.care
  }

  allowPatient(patientId: string): boolean {
    return this.careSet().has(patientId) || this.allowPatientHook?.(this.user, patientId) === true
  }

  /** Patients a resource belongs to; undefined when it is not patient data. */
  patientsOf(resource: Resource): string[] | undefined {
    const links = patientLinks(resource)
    if (resource.resourceType !== 'Provenance' || (links && links.length > 0)) return links
    // A Provenance points at what it attests (a Composition, an Observation): it belongs to their patients.
    const patients = new Set<string>()
    for (const target of (resource as Provenance).target ?? []) {
      const direct = patientIdOf(target.reference)
      if (direct) patients.add(direct)
      const [type, id] = (target.reference ?? '').split('/')
      const stored = type && id ? this.repo.current(type, id) : undefined
      for (const patientId of stored ? (patientLinks(stored) ?? []) : []) patients.add(patientId)
    }
    return [...patients]
  }

  canRead(resource: Resource): boolean {
    if (resource.resourceType === 'AuditEvent') return AUDIT_READER_ROLES.has(this.user.role)
    if (!this.roleMay(resource, 'lire')) return false
    // The journal's reader identifies the patient of an entry (matrix: identité, lire) without caring for them.
    if (resource.resourceType === 'Patient' && AUDIT_READER_ROLES.has(this.user.role)) return true
    return this.canTouch(resource)
  }

  /** Writes: an AuditEvent may name any patient (a workstation exporting its log); the rest needs the patient. */
  canWrite(resource: Resource, action: 'creer' | 'modifier' = 'creer'): boolean {
    if (resource.resourceType === 'AuditEvent') return true
    return this.roleMay(resource, action) && this.canTouch(resource)
  }

  /**
   * The habilitation matrix for this resource: its category (a Provenance: every target's) allows the action. Reads
   * by id and writes it refuses are 403; searches leave such resources out (a workstation's chart prefetch asks for
   * every type, whatever the role).
   */
  roleMay(resource: Resource, action: Action): boolean {
    // AuditEvents have their own rule (canRead / canWrite): every workstation exports its journal, whatever the role.
    if (resource.resourceType === 'AuditEvent') return action === 'lire' ? AUDIT_READER_ROLES.has(this.user.role) : true
    return this.categoriesOf(resource).every((category) => can(this.user.role as Role, category, action))
  }

  private categoriesOf(resource: Resource): Category[] {
    if (resource.resourceType !== 'Provenance') {
      const category = categoryOf(resource)
      return category ? [category] : []
    }
    const categories = new Set<Category>()
    for (const target of (resource as Provenance).target ?? []) {
      const [type, id] = (target.reference ?? '').split('/')
      const stored = type && id ? this.repo.current(type, id) : undefined
      const category = stored ? categoryOf(stored) : type ? categoriesOfType(type)[0] : undefined
      if (category) categories.add(category)
    }
    return [...categories]
  }

  private canTouch(resource: Resource): boolean {
    const patients = this.patientsOf(resource)
    if (patients === undefined) return true
    // Patient data that names no patient cannot be placed in anyone's care: refused rather than shown to all.
    return patients.length > 0 && patients.every((p) => this.allowPatient(p))
  }

  /** The search view: the care set bounds patient-compartment scans; the key lets results be cached per units. */
  scope(): SearchScope {
    const hook = this.allowPatientHook
    // The journal's reader finds patients by identity across the hospital (canRead still filters every resource).
    const unbounded = hook !== undefined || AUDIT_READER_ROLES.has(this.user.role)
    return {
      key: hook ? undefined : `role:${this.user.role};units:${[...this.units].sort().join(',')}`,
      patients: unbounded ? undefined : this.careSet(),
      visible: (resource) => this.canRead(resource),
    }
  }
}
