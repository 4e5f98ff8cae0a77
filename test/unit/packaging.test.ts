import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

// electron-builder's own validator (the one `npm run package` runs first), reached through its packages.
const require = createRequire(import.meta.url)
const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  validateConfiguration(config: unknown, logger: unknown): Promise<void>
}
const { DebugLogger } = require('builder-util/out/DebugLogger') as { DebugLogger: new (enabled: boolean) => unknown }

const root = path.resolve(import.meta.dirname, '..', '..')
// The configuration files are read as untyped JSON: each test names the keys it checks.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const readJson = (file: string): Record<string, any> => JSON.parse(readFileSync(path.join(root, file), 'utf8'))
const config = readJson('build/electron-builder.json')
const pkg = readJson('package.json')

describe('packaging configuration (build/electron-builder.json)', () => {
  it('is valid for electron-builder, which refuses a wrong one', async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined()
    await expect(validateConfiguration({ ...config, nsis: { ...config.nsis, perMachine: 'oui' } }, new DebugLogger(false))).rejects.toThrow(
      /perMachine should be a boolean/,
    )
  })

  it('sets the Electron fuses: no RunAsNode, no NODE_OPTIONS nor --inspect, encrypted cookies, app only from an integrity-checked ASAR', () => {
    expect(config.asar).toBe(true)
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    })
  })

  it('builds Windows NSIS and MSI installers per machine (ward PCs) and Linux deb and AppImage', () => {
    const winTargets = config.win.target.map((t: { target: string }) => t.target)
    expect(winTargets).toEqual(expect.arrayContaining(['nsis', 'msi']))
    expect(config.nsis.perMachine).toBe(true)
    expect(config.nsis.oneClick).toBe(false)
    expect(config.msi.perMachine).toBe(true)
    expect(config.linux.target).toEqual(expect.arrayContaining(['deb', 'AppImage']))
  })

  it('has no auto-update channel unless a hospital configures one, and rebuilds native modules for Electron', () => {
    expect(config.publish).toBeNull()
    expect(pkg.scripts.package).toMatch(/electron-builder --config build\/electron-builder\.json --publish never/)
    expect(config.npmRebuild).toBe(true)
    expect(config.buildDependenciesFromSource).toBe(true)
    // better-sqlite3-multiple-ciphers and pkcs11js load .node files, which cannot be loaded from inside an ASAR.
    expect(config.asarUnpack).toContain('**/*.node')
  })

  it('is documented in the README with what it needs', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8')
    expect(readme).toContain('npm run package')
    expect(readme).toMatch(/runtime Electron/i)
  })
})

describe('supply chain', () => {
  it('pins every direct dependency to one exact version', () => {
    const ranges = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }).filter(
      ([, version]) => !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(String(version)),
    )
    expect(ranges).toEqual([])
  })

  it('commits the lockfile, and every locked package has its integrity hash', () => {
    const tracked = execFileSync('git', ['ls-files', 'package-lock.json'], { cwd: root, encoding: 'utf8' }).trim()
    expect(tracked).toBe('package-lock.json')
    const lock = readJson('package-lock.json')
    const missing = Object.entries(lock.packages as Record<string, { integrity?: string; link?: boolean; resolved?: string }>)
      .filter(([name, entry]) => name !== '' && !entry.link && !entry.integrity)
      .map(([name]) => name)
    expect(missing).toEqual([])
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version)
    }
  })
})
