import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

/** A PIN stored as an scrypt hash, so a card file left on disk does not give its PIN away at a glance. */
export interface PinHash {
  algorithm: 'scrypt'
  N: number
  r: number
  p: number
  salt: string
  hash: string
}

// 2^14 costs ~30 ms: negligible at login, and a 4-digit PIN still is not the real protection — the try
// counter is (as on a real card).
const COST = { N: 16384, r: 8, p: 1 } as const
const HASH_BYTES = 32

function derive(pin: Uint8Array, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pin, salt, HASH_BYTES, { ...params, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    )
  })
}

export async function hashPin(pin: Uint8Array): Promise<PinHash> {
  const salt = randomBytes(16)
  const hash = await derive(pin, salt, COST)
  return { algorithm: 'scrypt', ...COST, salt: salt.toString('base64'), hash: hash.toString('base64') }
}

export async function pinMatches(stored: PinHash, pin: Uint8Array): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64')
  const actual = await derive(pin, Buffer.from(stored.salt, 'base64'), stored)
  try {
    return actual.length === expected.length && timingSafeEqual(actual, expected)
  } finally {
    actual.fill(0)
  }
}
