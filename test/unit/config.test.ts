import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError, defaultTokenUrl, loadConfig } from '../../src-main/config'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-config-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('configuration', () => {
  it('reads the environment, with the data dir and a free port by default', () => {
    const config = loadConfig({ CHEVET_DATA_DIR: dir })
    expect(config).toMatchObject({ dataDir: dir, port: 0, centralUrl: null, tokenUrl: null, configFile: null, inactivityMinutes: 10 })
  })

  it('derives the token endpoint from the central URL unless one is given', () => {
    expect(defaultTokenUrl('https://dpi.example/fhir')).toBe('https://dpi.example/auth/token')
    expect(defaultTokenUrl('https://dpi.example/api/fhir/')).toBe('https://dpi.example/api/auth/token')
    expect(defaultTokenUrl('https://dpi.example/r4')).toBe('https://dpi.example/r4/auth/token')
    const config = loadConfig({ CHEVET_DATA_DIR: dir, CHEVET_CENTRAL_URL: 'https://dpi.example/fhir', CHEVET_TOKEN_URL: 'https://sso.example/token' })
    expect(config.tokenUrl).toBe('https://sso.example/token')
  })

  it('lets the environment win over the file', () => {
    writeFileSync(path.join(dir, 'chevet.config.json'), JSON.stringify({ centralUrl: 'https://file.example/fhir', inactivityMinutes: 5 }))
    const config = loadConfig({ CHEVET_DATA_DIR: dir, CHEVET_CENTRAL_URL: 'https://env.example/fhir' })
    expect(config.centralUrl).toBe('https://env.example/fhir')
    expect(config.inactivityMinutes).toBe(5)
    expect(config.configFile).toBe(path.join(dir, 'chevet.config.json'))
  })

  it.each([
    [{ CHEVET_PORT: '70000' }, /CHEVET_PORT invalide/],
    [{ CHEVET_DB_KEY: 'abc' }, /CHEVET_DB_KEY invalide/],
    [{ CHEVET_CENTRAL_URL: 'pas une url' }, /CHEVET_CENTRAL_URL invalide/],
    [{ CHEVET_CONFIG: '/nonexistent/chevet.json' }, /fichier absent/],
  ])('refuses %o with a French message', (env, message) => {
    expect(() => loadConfig({ CHEVET_DATA_DIR: dir, ...env })).toThrow(message)
  })

  it.each([
    [{ inactivityMinutes: 0 }, /inactivityMinutes.*trop petite/],
    [{ proxy: 'x' }, /clé inconnue : proxy/],
    [{ establishment: { name: 'CHU', finess: '12' } }, /establishment\.finess.*format invalide/],
    [{ externalLinkHosts: ['https://evil'] }, /externalLinkHosts\.0/],
  ])('refuses the file %o, saying where and why in French', (file, message) => {
    writeFileSync(path.join(dir, 'chevet.config.json'), JSON.stringify(file))
    let caught: unknown
    try {
      loadConfig({ CHEVET_DATA_DIR: dir })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ConfigError)
    expect((caught as Error).message).toMatch(message)
  })
})
