// Fetch the Electron runtime when this machine can; never fail the install when it cannot.
// npm's allowScripts keeps electron's own install script off, so that a machine without
// internet access still gets a working `npm install` (the browser host runs without Electron).
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'

const require = createRequire(import.meta.url)

function electronDir() {
  try {
    return path.dirname(require.resolve('electron/package.json'))
  } catch {
    return null
  }
}

const dir = electronDir()
if (!dir) {
  // Production install (--omit=dev): the desktop shell is not part of it.
  process.exit(0)
}
if (existsSync(path.join(dir, 'path.txt'))) {
  process.exit(0)
}
const result = spawnSync(process.execPath, [path.join(dir, 'install.js')], {
  stdio: ['ignore', 'ignore', 'pipe'],
  timeout: 120_000,
  env: { ...process.env },
})
if (result.status === 0 && existsSync(path.join(dir, 'path.txt'))) {
  console.log('chevet: Electron runtime installed.')
} else {
  console.log(
    "chevet: Electron runtime not downloaded (no access to its download server) — the desktop shell needs it; " +
      'run `node node_modules/electron/install.js` once this machine can reach it. Until then `npm start` runs the browser host.',
  )
}
