// Check-digit arithmetic for French health identifiers. Pure functions, shared with the real client (identity
// checks on INS typed or received), hence general and strict: callers normalise first (normalizeNir).

// sex(1) year(2) month(2) birthplace(5, department 2A/2B allowed) order(3); NIA and temporary numbers start 7/8.
const NIR13 = /^[1-478]\d{4}(?:\d{2}|2A|2B)\d{6}$/
const NIR15 = /^([1-478]\d{4}(?:\d{2}|2A|2B)\d{6})(\d{2})$/

/** Removes spaces and dots and upper-cases (a NIR is often written "2 95 10 2A …"). */
export function normalizeNir(input: string): string {
  return input.replace(/[\s.]/g, '').toUpperCase()
}

/**
 * Key of a 13-character NIR: 97 − (NIR mod 97). Corsica's departments 2A and 2B count as 19 and 18
 * (INSEE rule, DOMAIN.md §2). Throws on anything that is not a 13-character NIR.
 */
export function nirKey(nir13: string): string {
  if (!NIR13.test(nir13)) throw new RangeError('not a 13-character NIR')
  const numeric = nir13.slice(0, 5) + corsicaDigits(nir13.slice(5, 7)) + nir13.slice(7)
  // 13 digits stay below 2^53: plain numbers are exact here.
  const key = 97 - (Number(numeric) % 97)
  return String(key).padStart(2, '0')
}

function corsicaDigits(department: string): string {
  if (department === '2A') return '19'
  if (department === '2B') return '18'
  return department
}

/** True when ins15 is a 15-character matricule INS (NIR or NIA) whose key matches. */
export function isValidNir(ins15: string): boolean {
  const match = NIR15.exec(ins15)
  if (!match) return false
  const [, body, key] = match
  return body !== undefined && nirKey(body) === key
}

/** Luhn check over a string of digits (the RPPS number's last digit is a Luhn key). */
export function luhnValid(digits: string): boolean {
  if (!/^\d{2,}$/.test(digits)) return false
  return luhnSum(digits) % 10 === 0
}

function luhnSum(digits: string): number {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum
}

/** Luhn check digit to append to a payload of digits. */
export function luhnCheckDigit(payload: string): string {
  if (!/^\d+$/.test(payload)) throw new RangeError('Luhn payload must be digits')
  return String((10 - (luhnSum(payload + '0') % 10)) % 10)
}

/** An 11-digit RPPS number from its first 10 digits. */
export function rppsWithKey(base10: string): string {
  if (!/^\d{10}$/.test(base10)) throw new RangeError('an RPPS base has 10 digits')
  return base10 + luhnCheckDigit(base10)
}

/** True for an 11-digit RPPS number with a valid Luhn key. */
export function isValidRpps(rpps: string): boolean {
  return /^\d{11}$/.test(rpps) && luhnValid(rpps)
}

/** National professional id (idNat_PS) of an RPPS professional: prefix 8 (TRE_G08), then the RPPS number. */
export function idNatFromRpps(rpps: string): string {
  if (!isValidRpps(rpps)) throw new RangeError('not a valid RPPS number')
  return '8' + rpps
}
