import type { Migration } from '../migration'
import initial from './0001-initial'
import cache from './0002-cache'
import formulary from './0003-formulary'
import letters from './0004-letters'

/** Every schema step, in order. Listed by hand (no directory scan) so that the main bundle carries them. */
export const migrations: readonly Migration[] = [initial, cache, formulary, letters]
