#!/usr/bin/env node
// Static Electron security check (DESIGN.md §4): @doyensec/electronegativity over src-main, offline.
// Fails (exit 1) on any HIGH or MEDIUM finding not reviewed below; exit 2 when the tool itself fails.
//
// Usage: node scripts/electron-security.mjs [dir]   (default: src-main)
//
// The tool is called through its Node API rather than its CLI: in 1.10.3 the CLI writes the CSV header and the
// rows with two concurrent async writes (util/file.js), so rows can be lost and an unsafe app would "pass";
// and with -o it stays silent about files it failed to parse. The API returns the findings and the parse errors.
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const input = path.resolve(process.argv[2] ?? path.join(repoRoot, 'src-main'))
const ELECTRON_VERSION = '41.7.1'
const TIMEOUT_MS = 60_000

// Checks not run, by name.
const EXCLUDED_CHECKS = [
  // Downloads Electron's release list from GitHub to tell whether the pinned version has security fixes:
  // impossible offline (it retries for seconds, then passes). Upgrading Electron is a dependency decision.
  'AvailableSecurityFixesGlobalCheck',
]

// Findings reviewed by hand: each one is accepted in one file, at most `count` times. A new occurrence elsewhere,
// or a second one in the same file, fails the check again.
const REVIEWED = [
  {
    id: 'PRELOAD_JS_CHECK',
    file: 'src-main/shell/window.ts',
    count: 1,
    // "Review the use of preload scripts": the tool flags every preload. Ours exposes exactly window.chevet
    // ({ rpc, on }) and nothing of ipcRenderer — asserted by test/unit/preload.test.ts.
  },
  {
    id: 'OPEN_EXTERNAL_JS_CHECK',
    file: 'src-main/shell/index.ts',
    count: 1,
    // "Review the use of openExternal" (openInSystemBrowser): it only receives URLs that externalUrlToOpen
    // (shell/guards.ts) accepted — https, no credentials or port, host in the allow-list — asserted by
    // test/unit/shell-guards.test.ts, and the Pro Santé Connect authorization URL main builds (auth/psc).
  },
]

const BLOCKING = new Set(['HIGH', 'MEDIUM'])

function relative(file) {
  return file && file !== 'N/A' ? path.relative(repoRoot, file).split(path.sep).join('/') : 'N/A'
}

async function scan() {
  const run = require('@doyensec/electronegativity')
  // The tool chats on stdout (translations download, progress); keep it aside unless something goes wrong.
  const chatter = []
  const log = console.log
  console.log = (...args) => chatter.push(args.join(' '))
  try {
    const timeout = new Promise((_, reject) => {
      setTimeout(() => reject(new Error(`no answer after ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS).unref()
    })
    const result = await Promise.race([
      run({
        input,
        electronVersionOverride: ELECTRON_VERSION,
        excludeFromScan: EXCLUDED_CHECKS.map((name) => name.toLowerCase()),
      }),
      timeout,
    ])
    return { result, chatter }
  } catch (error) {
    error.chatter = chatter
    throw error
  } finally {
    console.log = log
  }
}

function toolFailure(message, chatter = []) {
  for (const line of chatter) console.error(line)
  console.error(`electron-security: electronegativity failed: ${message}`)
  process.exit(2)
}

let scanned
try {
  scanned = await scan()
} catch (error) {
  toolFailure(error instanceof Error ? error.message : String(error), error?.chatter)
}
const { result, chatter } = scanned
if (!result || !Array.isArray(result.issues) || !Array.isArray(result.errors) || !(result.atomicChecks > 0)) {
  toolFailure('no result from the tool', chatter)
}
const parseErrors = result.errors.filter((error) => !error.tolerable)
if (parseErrors.length > 0) {
  for (const error of parseErrors) console.error(`  cannot parse ${relative(error.file)}: ${error.message}`)
  toolFailure(`${parseErrors.length} file(s) could not be analysed`, chatter)
}

const findings = result.issues.map((issue) => ({
  id: issue.id,
  severity: issue.severity?.name ?? 'UNKNOWN',
  confidence: issue.confidence?.name ?? 'UNKNOWN',
  file: relative(issue.file),
  line: issue.location?.line ?? 0,
  column: issue.location?.column ?? 0,
  description: issue.description,
}))

const used = new Map()
function isReviewed(finding) {
  const entry = REVIEWED.find((r) => r.id === finding.id && r.file === finding.file)
  if (!entry) return false
  const key = `${entry.id} ${entry.file}`
  const seen = (used.get(key) ?? 0) + 1
  used.set(key, seen)
  return seen <= entry.count
}

const counts = { HIGH: 0, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0 }
const blocking = []
const reviewed = []
for (const finding of findings) {
  counts[finding.severity] = (counts[finding.severity] ?? 0) + 1
  if (!BLOCKING.has(finding.severity) && finding.severity !== 'UNKNOWN') continue
  if (isReviewed(finding)) reviewed.push(finding)
  else blocking.push(finding)
}

const where = (f) => `${f.file}:${f.line}:${f.column}`
console.log(
  `electron-security: electronegativity on ${relative(input)}, Electron ${ELECTRON_VERSION}, ` +
    `${result.atomicChecks} atomic + ${result.globalChecks} global checks`,
)
for (const f of reviewed) console.log(`  reviewed  ${f.severity.padEnd(6)} ${f.id} ${where(f)}`)
for (const f of blocking) console.log(`  FINDING   ${f.severity.padEnd(6)} ${f.id} ${where(f)} — ${f.description}`)
for (const f of findings.filter((x) => !BLOCKING.has(x.severity) && x.severity !== 'UNKNOWN')) {
  console.log(`  note      ${f.severity.padEnd(6)} ${f.id} ${where(f)}`)
}
const low = findings.length - counts.HIGH - counts.MEDIUM
console.log(
  `electron-security: ${findings.length} findings (${counts.HIGH} high, ${counts.MEDIUM} medium, ${low} low), ` +
    `${reviewed.length} reviewed, ${blocking.length} blocking`,
)
process.exit(blocking.length > 0 ? 1 : 0)
