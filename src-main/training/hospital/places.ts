// Birth places by their INSEE COG code (5 characters), which is also the birthplace part of the NIR.
// Corsica (2A/2B) is over-represented on purpose: its letters change the NIR key computation.

export interface BirthPlace {
  readonly cog: string
  readonly name: string
  /** ISO 3166 alpha-3 country of birth. */
  readonly country: string
}

const FR = 'FRA'

export const BIRTH_PLACES: readonly (readonly [BirthPlace, number])[] = [
  [{ cog: '45234', name: 'Orléans', country: FR }, 30],
  [{ cog: '37261', name: 'Tours', country: FR }, 6],
  [{ cog: '75112', name: 'Paris 12e Arrondissement', country: FR }, 5],
  [{ cog: '75114', name: 'Paris 14e Arrondissement', country: FR }, 5],
  [{ cog: '69381', name: 'Lyon 1er Arrondissement', country: FR }, 3],
  [{ cog: '13201', name: 'Marseille 1er Arrondissement', country: FR }, 3],
  [{ cog: '33063', name: 'Bordeaux', country: FR }, 2],
  [{ cog: '31555', name: 'Toulouse', country: FR }, 2],
  [{ cog: '59350', name: 'Lille', country: FR }, 2],
  [{ cog: '44109', name: 'Nantes', country: FR }, 2],
  [{ cog: '67482', name: 'Strasbourg', country: FR }, 2],
  [{ cog: '35238', name: 'Rennes', country: FR }, 2],
  [{ cog: '06088', name: 'Nice', country: FR }, 2],
  [{ cog: '21231', name: 'Dijon', country: FR }, 2],
  [{ cog: '63113', name: 'Clermont-Ferrand', country: FR }, 2],
  [{ cog: '29019', name: 'Brest', country: FR }, 2],
  [{ cog: '87085', name: 'Limoges', country: FR }, 2],
  [{ cog: '38185', name: 'Grenoble', country: FR }, 2],
  [{ cog: '86194', name: 'Poitiers', country: FR }, 2],
  [{ cog: '2A004', name: 'Ajaccio', country: FR }, 2],
  [{ cog: '2B033', name: 'Bastia', country: FR }, 2],
  [{ cog: '2A247', name: 'Porto-Vecchio', country: FR }, 1],
  [{ cog: '2B096', name: 'Corte', country: FR }, 1],
  [{ cog: '97411', name: 'Saint-Denis', country: FR }, 1],
  [{ cog: '97209', name: 'Fort-de-France', country: FR }, 1],
  [{ cog: '97120', name: 'Pointe-à-Pitre', country: FR }, 1],
  // Born abroad: department 99 and the INSEE country code, as in the NIR.
  [{ cog: '99350', name: 'Maroc', country: 'MAR' }, 2],
  [{ cog: '99352', name: 'Algérie', country: 'DZA' }, 2],
  [{ cog: '99139', name: 'Portugal', country: 'PRT' }, 2],
  [{ cog: '99341', name: 'Sénégal', country: 'SEN' }, 1],
  [{ cog: '99127', name: 'Italie', country: 'ITA' }, 1],
]

export function placeByCog(cog: string): BirthPlace {
  const found = BIRTH_PLACES.find(([p]) => p.cog === cog)
  if (!found) throw new RangeError(`unknown birth place ${cog}`)
  return found[0]
}

export function bornAbroad(place: BirthPlace): boolean {
  return place.cog.startsWith('99')
}
