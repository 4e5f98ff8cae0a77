// `npm run bench [-- --json] [-- --quick]`: runs the benchmark program (test/bench/run.ts) under tsx.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { root } from './lib.mjs'

const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test', 'bench', 'run.ts'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
})

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
