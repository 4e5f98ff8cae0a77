// `npm start`: build when needed, then the Electron shell if its runtime is installed, else the browser host.
import { spawn, spawnSync } from 'node:child_process'
import path from 'node:path'
import { bin, buildIsStale, electronRuntime, markBuilt, root } from './lib.mjs'

if (buildIsStale()) {
  process.stderr.write('chevet: construction de l’application (electron-vite build)…\n')
  const build = spawnSync(bin('electron-vite'), ['build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
  if (build.status !== 0) {
    process.stderr.write('chevet: la construction a échoué (voir ci-dessus).\n')
    process.exit(1)
  }
  markBuilt()
}

const electron = electronRuntime()
const child = electron
  ? spawn(electron, ['.'], { cwd: root, stdio: 'inherit' })
  : (process.stderr.write(
      'chevet: environnement Electron absent — démarrage de l’hôte navigateur ; ouvrez l’adresse ci-dessous dans Chromium.\n',
    ),
    spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src-main', 'browser-host', 'main.ts')], {
      cwd: root,
      stdio: 'inherit',
    }))

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
