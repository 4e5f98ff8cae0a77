// Helpers shared by the start and dev scripts.
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

/** Path of the Electron executable when its runtime was downloaded, else null. */
export function electronRuntime() {
  try {
    const dir = path.dirname(require.resolve('electron/package.json'))
    const pathFile = path.join(dir, 'path.txt')
    if (!existsSync(pathFile)) return null
    const executable = path.join(dir, 'dist', readFileSync(pathFile, 'utf8').trim())
    return existsSync(executable) ? executable : null
  } catch {
    return null
  }
}

function newestMtime(entry) {
  const stat = statSync(entry, { throwIfNoEntry: false })
  if (!stat) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const name of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)))
  return newest
}

const STAMP = path.join(root, 'out', '.build-stamp')
const INPUTS = ['src-main', 'src-renderer', 'resources', 'electron.vite.config.ts', 'package.json']
const OUTPUTS = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html']

/** True when the built app is missing or older than its sources. */
export function buildIsStale() {
  if (!OUTPUTS.every((file) => existsSync(path.join(root, file))) || !existsSync(STAMP)) return true
  const built = statSync(STAMP).mtimeMs
  return INPUTS.some((input) => newestMtime(path.join(root, input)) > built)
}

export function markBuilt() {
  writeFileSync(STAMP, new Date().toISOString() + '\n')
}

export const bin = (name) => path.join(root, 'node_modules', '.bin', name)
