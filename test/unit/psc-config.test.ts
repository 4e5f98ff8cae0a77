import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PSC_ENDPOINTS, resolvePscSettings } from '../../src-main/auth/psc'
import { trainingServeCommand } from '../../src-main/cli/training'
import { EXIT_USAGE } from '../../src-main/cli/io'
import { loadConfig } from '../../src-main/config'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-psc-config-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function withFile(psc: unknown): string {
  const file = path.join(dir, 'chevet.config.json')
  writeFileSync(file, JSON.stringify({ psc }))
  return file
}

describe('Pro Santé Connect configuration', () => {
  it('offers no e-CPS without a client id', () => {
    expect(loadConfig({ CHEVET_DATA_DIR: dir }).psc).toBeNull()
  })

  it('defaults to production, the wallet discovery document and a public client', () => {
    const config = loadConfig({ CHEVET_DATA_DIR: dir, CHEVET_PSC_CLIENT_ID: 'chevet-ch-orleans' })
    expect(config.psc).toEqual({
      environment: 'production',
      issuer: null,
      discoveryUrl: null,
      clientId: 'chevet-ch-orleans',
      clientSecret: null,
      clientAuth: null,
    })
    expect(resolvePscSettings(config.psc!)).toEqual({
      issuer: 'https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet',
      discoveryUrl: 'https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet/.well-known/wallet-openid-configuration',
      jwksUri: 'https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet/protocol/openid-connect/certs',
      clientId: 'chevet-ch-orleans',
      clientSecret: null,
      clientAuth: 'none',
    })
  })

  it('reads the file, lets the environment win, and uses HTTP Basic when a secret is given', () => {
    withFile({ environment: 'bac-a-sable', clientId: 'from-file', clientSecret: 's3cret' })
    const config = loadConfig({ CHEVET_DATA_DIR: dir, CHEVET_PSC_CLIENT_ID: 'from-env' })
    expect(config.psc).toMatchObject({ environment: 'bac-a-sable', clientId: 'from-env', clientSecret: 's3cret' })
    const settings = resolvePscSettings(config.psc!)
    expect(settings).toMatchObject({ issuer: PSC_ENDPOINTS['bac-a-sable'].issuer, clientAuth: 'client_secret_basic' })
    expect(settings.discoveryUrl).toMatch(/^https:\/\/auth\.bas\.psc\.esante\.gouv\.fr\/.+\/wallet-openid-configuration$/)
  })

  it('takes an issuer of its own, discovered at the standard place unless a document is given', () => {
    const own = loadConfig({ CHEVET_DATA_DIR: dir, CHEVET_PSC_CLIENT_ID: 'c', CHEVET_PSC_ISSUER: 'https://auth.bas.esw.esante.gouv.fr/auth/realms/esante-wallet' })
    expect(resolvePscSettings(own.psc!)).toMatchObject({
      issuer: 'https://auth.bas.esw.esante.gouv.fr/auth/realms/esante-wallet',
      discoveryUrl: null,
      jwksUri: null,
    })
    const local = loadConfig({ CHEVET_DATA_DIR: dir, CHEVET_PSC_CLIENT_ID: 'c', CHEVET_PSC_ISSUER: 'http://127.0.0.1:4000', CHEVET_PSC_CLIENT_AUTH: 'none' })
    expect(local.psc).toMatchObject({ issuer: 'http://127.0.0.1:4000', clientAuth: 'none' })
  })

  it.each([
    [{ CHEVET_PSC_CLIENT_ID: 'c', CHEVET_PSC_ENV: 'recette' }, /CHEVET_PSC_ENV invalide : « recette » \(production ou bac-a-sable\)/],
    [{ CHEVET_PSC_CLIENT_ID: 'c', CHEVET_PSC_ISSUER: 'pas une url' }, /CHEVET_PSC_ISSUER invalide/],
    [{ CHEVET_PSC_CLIENT_ID: 'c', CHEVET_PSC_ISSUER: 'http://psc.example' }, /l’émetteur doit être en https/],
    [{ CHEVET_PSC_CLIENT_ID: 'c', CHEVET_PSC_CLIENT_AUTH: 'client_secret_post' }, /client_secret_post demande un secret client/],
    [{ CHEVET_PSC_CLIENT_ID: 'c', CHEVET_PSC_CLIENT_AUTH: 'private_key_jwt' }, /CHEVET_PSC_CLIENT_AUTH invalide/],
    [{ CHEVET_PSC_ISSUER: 'https://psc.example' }, /CHEVET_PSC_ISSUER est défini mais CHEVET_PSC_CLIENT_ID manque/],
  ])('refuses %o with a French message', (env, message) => {
    expect(() => loadConfig({ CHEVET_DATA_DIR: dir, ...env })).toThrow(message)
  })

  it.each([
    [{ clientId: 'c', environment: 'recette' }, /« psc\.environment » — valeur attendue : production, bac-a-sable/],
    [{ clientId: 'c', scope: 'openid' }, /« psc » — clé inconnue : scope/],
    [{ environment: 'production' }, /« psc\.clientId »/],
  ])('refuses the file section %o with a French message', (psc, message) => {
    withFile(psc)
    expect(() => loadConfig({ CHEVET_DATA_DIR: dir })).toThrow(message)
  })
})

describe('chevet training serve --psc-issuer', () => {
  it('documents the flag and refuses an issuer that is not a URL before starting anything', async () => {
    expect(trainingServeCommand.help).toMatch(/--psc-issuer URL .*\n.*RFC 8693.*CHEVET_PSC_ISSUER/)
    for (const [args, env] of [
      [['--psc-issuer', 'pas une url'], {}],
      [[], { CHEVET_PSC_ISSUER: 'pas une url' }],
    ] as const) {
      const err: string[] = []
      const code = await trainingServeCommand.run([...args], { out: () => undefined, err: (text) => err.push(text), env })
      expect(code).toBe(EXIT_USAGE)
      expect(err.join('\n')).toContain('émetteur Pro Santé Connect invalide « pas une url »')
    }
  })
})
