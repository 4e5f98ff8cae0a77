// `npm test`: every runner in order, then one closing line "N passed, N failed, N skipped" summing them all.
// Type-check, lint, build and the Electron security check count as one test each.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensurePrerequisites } from './prereqs.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const results = path.join(root, 'test-results')
mkdirSync(results, { recursive: true })
const bin = (name) => path.join(root, 'node_modules', '.bin', name)

const totals = { passed: 0, failed: 0, skipped: 0 }
const stages = []

function run(label, command, args, env = {}) {
  console.log(`\n── ${label} ──`)
  const started = Date.now()
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } })
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  return { ok: result.status === 0, seconds, status: result.status ?? result.signal }
}

function single(label, command, args, env) {
  const r = run(label, command, args, env)
  totals[r.ok ? 'passed' : 'failed'] += 1
  stages.push(`${r.ok ? 'ok  ' : 'FAIL'} ${label} (${r.seconds} s)`)
  return r.ok
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return null
  }
}

function vitest(project) {
  const out = path.join(results, `vitest-${project}.json`)
  rmSync(out, { force: true })
  const r = run(`Vitest — ${project}`, bin('vitest'), [
    'run',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
  ])
  const report = readJson(out)
  if (!report) {
    totals.failed += 1
    stages.push(`FAIL Vitest ${project}: no report (exit ${r.status})`)
    return
  }
  const passed = report.numPassedTests ?? 0
  const failed = (report.numFailedTests ?? 0) + (r.ok || report.numFailedTests ? 0 : 1)
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
  totals.passed += passed
  totals.failed += failed
  totals.skipped += skipped
  stages.push(`${failed ? 'FAIL' : 'ok  '} Vitest ${project}: ${passed} passed, ${failed} failed, ${skipped} skipped (${r.seconds} s)`)
}

function playwright() {
  const out = path.join(results, 'e2e-report.json')
  rmSync(out, { force: true })
  const r = run('Playwright — end to end (Chromium)', bin('playwright'), ['test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: out })
  const report = readJson(out)
  if (!report?.stats) {
    totals.failed += 1
    stages.push(`FAIL Playwright: no report (exit ${r.status})`)
    return
  }
  const { expected = 0, unexpected = 0, flaky = 0, skipped = 0 } = report.stats
  const failed = unexpected + (r.ok || unexpected ? 0 : 1)
  totals.passed += expected + flaky
  totals.failed += failed
  totals.skipped += skipped
  stages.push(`${failed ? 'FAIL' : 'ok  '} Playwright: ${expected + flaky} passed, ${failed} failed, ${skipped} skipped (${r.seconds} s)`)
}

console.log('── Prérequis système ──')
if (!ensurePrerequisites()) {
  console.log('\n0 passed, 1 failed')
  process.exit(1)
}

const built = single('Build (electron-vite)', bin('electron-vite'), ['build'])
single('Type-check (vue-tsc)', 'npm', ['run', '--silent', 'typecheck'])
single('Lint (eslint, 0 warnings)', 'npm', ['run', '--silent', 'lint'])
single('Electron security (electronegativity)', process.execPath, [path.join(root, 'scripts', 'electron-security.mjs')])
vitest('unit')
vitest('integration')
if (built && existsSync(path.join(root, 'out', 'renderer', 'index.html'))) {
  playwright()
} else {
  totals.failed += 1
  stages.push('FAIL Playwright: not run, the renderer did not build')
}

console.log('\n── Summary ──')
for (const line of stages) console.log(line)
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`)
process.exit(totals.failed === 0 ? 0 : 1)
