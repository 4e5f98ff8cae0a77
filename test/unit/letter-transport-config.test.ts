import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src-main/config'
import { isTemporary, mssanteTransportSettings, resolveMssanteTransport } from '../../src-main/letters/transport'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-mssante-config-'))
  mkdirSync(path.join(dir, 'pki'))
  writeFileSync(path.join(dir, 'pki', 'client.pem'), 'CERT')
  writeFileSync(path.join(dir, 'pki', 'client.key'), 'KEY')
  writeFileSync(path.join(dir, 'pki', 'ca.pem'), 'CA')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function withFile(mssante: unknown) {
  writeFileSync(path.join(dir, 'chevet.config.json'), JSON.stringify({ mssante }))
  return () => loadConfig({ CHEVET_DATA_DIR: dir })
}

const BLOCK = { host: 'smtp.mssante.example', from: 'lettres@ch-exemple.mssante.fr', clientCertPath: 'pki/client.pem', clientKeyPath: 'pki/client.key', caPath: 'pki/ca.pem' }

describe('mssante configuration', () => {
  it('is absent by default, and then a workstation without training has no sending', () => {
    const config = loadConfig({ CHEVET_DATA_DIR: dir })
    expect(config.mssante).toBeNull()
    expect(resolveMssanteTransport(config, null)).toBeNull()
  })

  it('reads the block with paths relative to the config file, defaults for port and retries', () => {
    const config = withFile(BLOCK)()
    expect(config.mssante).toEqual({
      host: 'smtp.mssante.example',
      port: 587,
      from: 'lettres@ch-exemple.mssante.fr',
      clientCertPath: path.join(dir, 'pki', 'client.pem'),
      clientKeyPath: path.join(dir, 'pki', 'client.key'),
      caPath: path.join(dir, 'pki', 'ca.pem'),
      servername: null,
      maxAttempts: 4,
      retryBaseMs: 30_000,
    })
    expect(mssanteTransportSettings(config.mssante!).tls).toEqual({ cert: 'CERT', key: 'KEY', ca: 'CA' })
    expect(resolveMssanteTransport(config, null)?.host).toBe('smtp.mssante.example')
  })

  it.each([
    [{ ...BLOCK, clientKeyPath: 'pki/absent.key' }, /clé privée du certificat client introuvable/],
    [{ ...BLOCK, from: 'pas une adresse' }, /mssante\.from/],
    [{ ...BLOCK, port: 70000 }, /mssante\.port/],
    [{ ...BLOCK, maxAttempts: 50 }, /mssante\.maxAttempts/],
    [{ ...BLOCK, password: 'x' }, /clé inconnue : password/],
  ])('refuses %o with a French message', (block, message) => {
    const load = withFile(block)
    expect(load).toThrow(ConfigError)
    expect(load).toThrow(message)
  })

  it('tells temporary SMTP failures from permanent ones', () => {
    expect(isTemporary(Object.assign(new Error('x'), { responseCode: 451 }))).toBe(true)
    expect(isTemporary(Object.assign(new Error('x'), { responseCode: 550 }))).toBe(false)
    expect(isTemporary(Object.assign(new Error('x'), { code: 'ECONNECTION' }))).toBe(true)
    expect(isTemporary(Object.assign(new Error('x'), { code: 'EMESSAGE' }))).toBe(false)
  })
})
