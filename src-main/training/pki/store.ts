import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { importCaSigningKey, type CertificateAuthority, type TrainingStaff } from './ca'
import { generateTrainingPki, issueVirtualCard, validateStaff, type TrainingPki, type VirtualCardRecord } from './pki'
import { x509 } from '../../auth/x509'
import { writePrivateFileSync } from '../../fs/private-file'

/**
 * The training PKI on disk, so `chevet training serve --dir DIR` can hand its cards to a workstation running
 * in another process, and a restarted central keeps trusting them. Layout:
 *   ca.pem               root certificate (the trust anchor)
 *   ca-intermediate.pem  issuing CA certificate
 *   ca-keys.json         both CA private keys (to issue cards for staff added later)
 *   cards/<key>.json     one virtual card each: label, holder, PIN hash, tries left, keys, chains
 * Every file holds or sits next to key material: all are 0600, written atomically (a reader in the other
 * process never sees half a file).
 */

const FILES = {
  root: 'ca.pem',
  intermediate: 'ca-intermediate.pem',
  caKeys: 'ca-keys.json',
  cards: 'cards',
} as const

const CARD_FORMAT = 'chevet-virtual-card/1'
const CA_KEYS_FORMAT = 'chevet-training-ca-keys/1'

const cardKeySchema = z.object({ privateKey: z.string(), chain: z.array(z.string()).min(1) })
const cardFileSchema = z.object({
  format: z.literal(CARD_FORMAT),
  key: z.string(),
  slotId: z.string(),
  label: z.string(),
  holder: z.string(),
  idNat: z.string(),
  kind: z.enum(['CPS', 'CPE']),
  pin: z.object({
    algorithm: z.literal('scrypt'),
    N: z.number().int().positive(),
    r: z.number().int().positive(),
    p: z.number().int().positive(),
    salt: z.string(),
    hash: z.string(),
  }),
  pinTriesLeft: z.number().int().min(0),
  authentication: cardKeySchema,
  signature: cardKeySchema,
})
const caKeysSchema = z.object({ format: z.literal(CA_KEYS_FORMAT), root: z.string(), intermediate: z.string() })

function pem(data: Uint8Array, tag: string): string {
  return x509.PemConverter.encode(data, tag)
}

function fromPem(text: string): Uint8Array {
  return new Uint8Array(x509.PemConverter.decodeFirst(text))
}

async function writePrivateFile(file: string, content: string): Promise<void> {
  writePrivateFileSync(file, content, 'replace')
}

function cardFile(dir: string, key: string): string {
  return path.join(dir, FILES.cards, `${key}.json`)
}

/** Writes one card back (its PIN counter changed). */
export async function saveVirtualCard(dir: string, card: VirtualCardRecord): Promise<void> {
  const content: z.infer<typeof cardFileSchema> = {
    format: CARD_FORMAT,
    key: card.key,
    slotId: card.slotId,
    label: card.label,
    holder: card.holder,
    idNat: card.idNat,
    kind: card.kind,
    pin: card.pin,
    pinTriesLeft: card.pinTriesLeft,
    authentication: {
      privateKey: pem(card.authentication.privateKey, 'PRIVATE KEY'),
      chain: card.authentication.chain.map((der) => pem(der, 'CERTIFICATE')),
    },
    signature: {
      privateKey: pem(card.signature.privateKey, 'PRIVATE KEY'),
      chain: card.signature.chain.map((der) => pem(der, 'CERTIFICATE')),
    },
  }
  await writePrivateFile(cardFile(dir, card.key), JSON.stringify(content, null, 2) + '\n')
}

/** Writes the whole PKI to `dir` and remembers `dir`, so PIN counters are written back there from now on. */
export async function saveTrainingPki(dir: string, pki: TrainingPki): Promise<void> {
  await mkdir(path.join(dir, FILES.cards), { recursive: true, mode: 0o700 })
  await writePrivateFile(path.join(dir, FILES.root), pki.root.certificate.toString('pem') + '\n')
  await writePrivateFile(path.join(dir, FILES.intermediate), pki.intermediate.certificate.toString('pem') + '\n')
  const caKeys: z.infer<typeof caKeysSchema> = {
    format: CA_KEYS_FORMAT,
    root: pem(pki.root.privateKey, 'PRIVATE KEY'),
    intermediate: pem(pki.intermediate.privateKey, 'PRIVATE KEY'),
  }
  await writePrivateFile(path.join(dir, FILES.caKeys), JSON.stringify(caKeys, null, 2) + '\n')
  for (const card of pki.cards) await saveVirtualCard(dir, card)
  pki.dir = dir
}

async function loadAuthority(certificateFile: string, privateKeyPem: string): Promise<CertificateAuthority> {
  const certificate = new x509.X509Certificate(await readFile(certificateFile, 'utf8'))
  const privateKey = fromPem(privateKeyPem)
  return { certificate, privateKey, signingKey: await importCaSigningKey(privateKey) }
}

function parseCard(file: string, text: string): VirtualCardRecord {
  let data: z.infer<typeof cardFileSchema>
  try {
    data = cardFileSchema.parse(JSON.parse(text))
  } catch (error) {
    throw new Error(`training card file ${file} is not a ${CARD_FORMAT} file`, { cause: error })
  }
  const key = (k: z.infer<typeof cardKeySchema>) => ({ privateKey: fromPem(k.privateKey), chain: k.chain.map(fromPem) })
  return { ...data, authentication: key(data.authentication), signature: key(data.signature) }
}

export async function loadTrainingPki(dir: string): Promise<TrainingPki> {
  const caKeys = caKeysSchema.parse(JSON.parse(await readFile(path.join(dir, FILES.caKeys), 'utf8')))
  const root = await loadAuthority(path.join(dir, FILES.root), caKeys.root)
  const intermediate = await loadAuthority(path.join(dir, FILES.intermediate), caKeys.intermediate)
  const cardsDir = path.join(dir, FILES.cards)
  const names = (await readdir(cardsDir)).filter((name) => name.endsWith('.json')).sort()
  const cards: VirtualCardRecord[] = []
  for (const name of names) {
    const file = path.join(cardsDir, name)
    cards.push(parseCard(file, await readFile(file, 'utf8')))
  }
  return { root, intermediate, cards, dir }
}

/**
 * What `training serve --dir` needs: the PKI already in `dir` (a restarted central keeps trusting the cards a
 * workstation holds, and their PIN counters), with cards issued for staff that have none yet; or a new one.
 */
export async function loadOrCreateTrainingPki(dir: string, staff: readonly TrainingStaff[]): Promise<TrainingPki> {
  validateStaff(staff)
  if (!existsSync(path.join(dir, FILES.root))) {
    const pki = await generateTrainingPki(staff)
    await saveTrainingPki(dir, pki)
    return pki
  }
  const pki = await loadTrainingPki(dir)
  const known = new Set(pki.cards.map((card) => card.key))
  for (const member of staff.filter((m) => !known.has(m.key))) {
    const card = await issueVirtualCard(pki.intermediate, member)
    await saveVirtualCard(dir, card)
    pki.cards.push(card)
  }
  return pki
}
