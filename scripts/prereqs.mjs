// System packages that the test suite drives as real peers. Run as root on Debian, installs what is missing;
// otherwise prints the one command to run and fails.
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'

const REQUIRED = [
  { pkg: 'chromium', file: '/usr/bin/chromium', why: 'navigateur des tests de bout en bout' },
  { pkg: 'softhsm2', file: '/usr/lib/softhsm/libsofthsm2.so', why: 'jeton PKCS#11 (carte CPS de test)' },
  { pkg: 'opensc', file: '/usr/bin/pkcs11-tool', why: 'outils PKCS#11' },
  { pkg: 'sqlcipher', file: '/usr/bin/sqlcipher', why: 'preuve que la base ne s’ouvre pas sans clé' },
  { pkg: 'poppler-utils', file: '/usr/bin/pdftotext', why: 'relecture des PDF' },
  { pkg: 'xvfb', file: '/usr/bin/xvfb-run', why: 'affichage virtuel' },
  { pkg: 'fonts-dejavu-core', file: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', why: 'polices des PDF' },
]

export function missingPackages() {
  return REQUIRED.filter((r) => !existsSync(r.file))
}

export function ensurePrerequisites({ log = console.log } = {}) {
  let missing = missingPackages()
  if (missing.length === 0) return true
  const names = missing.map((m) => m.pkg)
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  const hasApt = existsSync('/usr/bin/apt-get')
  if (isRoot && hasApt) {
    log(`prerequisites: installing ${names.join(' ')} with apt-get`)
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
    const install =
      update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', ...names], { stdio: 'inherit', env }) : update
    missing = missingPackages()
    if (install.status === 0 && missing.length === 0) return true
  }
  log('prerequisites: missing system packages:')
  for (const m of missing) log(`  - ${m.pkg} (${m.why}): ${m.file} not found`)
  log(`Run: sudo apt-get update && sudo apt-get install -y ${missing.map((m) => m.pkg).join(' ')}`)
  return false
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exit(ensurePrerequisites() ? 0 : 1)
}
