import { execFile } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HOLDERS, createTestCa } from '../fixtures/cps-pki'
import { SOFTHSM_MODULE, cardObjects, createSoftHsm, softHsmAvailable, type SoftHsm } from '../fixtures/softhsm'

/** `npx chevet card list` as hospital IT runs it: a separate process, the module from CHEVET_PKCS11_MODULE. */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const launcher = path.join(root, 'bin', 'chevet.mjs')
const run = promisify(execFile)

const unavailable = softHsmAvailable()
if (unavailable) console.warn(`chevet card list tests skipped: ${unavailable}`)

let hsm: SoftHsm

function env(): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CHEVET_')))
  return { ...clean, ...hsm.env, CHEVET_DATA_DIR: path.join(hsm.dir, 'data'), CHEVET_PKCS11_MODULE: SOFTHSM_MODULE }
}

async function chevet(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [launcher, ...args], { env: env(), cwd: hsm.dir, timeout: 60_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
  }
}

describe.skipIf(unavailable !== null)('chevet card list (SoftHSM2)', () => {
  beforeAll(async () => {
    hsm = createSoftHsm()
    const ca = await createTestCa()
    hsm.createToken({ label: 'CPS MEDECIN', pin: '1234', objects: await cardObjects({ holder: HOLDERS.medecin, ca: ca.intermediate }) })
    hsm.createToken({ label: 'CPE ACCUEIL', pin: '4321', objects: await cardObjects({ holder: HOLDERS.cpe, ca: ca.intermediate, signature: false }) })
  }, 120_000)

  afterAll(() => hsm?.cleanup())

  it('prints the readers and cards in French, with the holder and the PIN state, and the spare slot as ignored', async () => {
    const { code, stdout } = await chevet(['card', 'list'])
    expect(code).toBe(0)
    const lines = stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(new RegExp(`^Module PKCS#11 : ${SOFTHSM_MODULE} \\(.*SoftHSM.*\\)$`))
    expect(stdout).toMatch(/^Lecteur pkcs11:\d+ — SoftHSM slot ID 0x[0-9a-f]+ : carte « CPS MEDECIN » \(n° de série [0-9a-f]+\)$/m)
    expect(stdout).toContain(`    titulaire : JEANNE LEFEBVRE-ESSAI — CPS, idNat ${HOLDERS.medecin.idNat}`)
    expect(stdout).toContain(`    titulaire : CLAIRE ROUSSEL-ESSAI — CPE, idNat ${HOLDERS.cpe.idNat}`)
    expect(stdout).toContain('    code porteur : utilisable')
    expect(stdout).toMatch(/^Lecteur pkcs11:\d+ — SoftHSM slot ID 0x[0-9a-f]+ : carte non initialisée \(ignorée\)$/m)
    expect(lines[lines.length - 1]).toBe('3 lecteur(s), 2 carte(s) utilisable(s).')
  })

  it('prints the same as JSON with --json, and shows a missed PIN try', async () => {
    // A wrong PIN typed with OpenSC's tool, as a user at another application would.
    await run('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', 'CPS MEDECIN', '--login', '--pin', '0000', '--list-objects'], {
      env: env(),
    }).catch(() => undefined)
    const { code, stdout } = await chevet(['card', 'list', '--json'])
    expect(code).toBe(0)
    const report = JSON.parse(stdout) as { module: string; slots: { token: Record<string, unknown> | null }[] }
    expect(report.module).toBe(SOFTHSM_MODULE)
    const medecin = report.slots.find((slot) => slot.token?.label === 'CPS MEDECIN')?.token
    expect(medecin).toMatchObject({ initialized: true, holder: 'JEANNE LEFEBVRE-ESSAI', idNat: HOLDERS.medecin.idNat, kind: 'CPS', pinState: 'countLow', triesLeft: 2 })
    const text = await chevet(['card', 'list'])
    expect(text.stdout).toContain('    code porteur : au moins un essai manqué, il reste au plus 2 essais')
  })

  it('says which module it could not load', async () => {
    const { code, stderr } = await chevet(['card', 'list', '--module', path.join(hsm.dir, 'absent.so')])
    expect(code).toBe(1)
    expect(stderr).toContain(`aucun module PKCS#11 trouvé (cherché : ${path.join(hsm.dir, 'absent.so')})`)
  })
})
