export { generateHospital, DEFAULT_NOW, DEFAULT_SEED, DEFAULT_PAST_PATIENTS, DEFAULT_HEAVY_OBSERVATIONS, type HospitalOptions } from './hospital'
export type { TrainingHospital, StaffMember, StaffKey, Unit, UnitCode, CurrentStay, GeneralPractitioner } from './types'
export { isValidNir, isValidRpps, luhnValid, nirKey, normalizeNir, rppsWithKey, idNatFromRpps, luhnCheckDigit } from './identifiers'
export * as systems from './systems'
