// `npm run dev`: electron-vite dev (HMR) with the Electron runtime; otherwise the browser host behind Vite's dev server.
import { spawn } from 'node:child_process'
import { createServer as createNetServer } from 'node:net'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { bin, electronRuntime, root } from './lib.mjs'

if (electronRuntime()) {
  const child = spawn(bin('electron-vite'), ['dev'], { cwd: root, stdio: 'inherit' })
  child.on('exit', (code) => process.exit(code ?? 0))
} else {
  process.stderr.write('chevet: environnement Electron absent — hôte navigateur derrière le serveur de développement Vite.\n')
  await runBrowserDev()
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function runBrowserDev() {
  const { createServer } = await import('vite')
  const { default: vue } = await import('@vitejs/plugin-vue')
  const vitePort = await freePort()
  const devOrigin = `http://127.0.0.1:${vitePort}`

  const host = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src-main', 'browser-host', 'main.ts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, CHEVET_DEV_ORIGIN: devOrigin },
  })
  const line = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: host.stdout })
    lines.on('line', (text) => text.startsWith('Chevet workstation: ') && resolve(text))
    host.once('exit', (code) => reject(new Error(`browser host exited (${code})`)))
  })
  const hostUrl = new URL(line.slice('Chevet workstation: '.length))

  const server = await createServer({
    configFile: false,
    root: path.join(root, 'src-renderer'),
    plugins: [
      vue(),
      {
        // Vite injects styles at run time in development: relax the page's style-src there, and only there.
        name: 'chevet-dev-csp',
        transformIndexHtml: (html) => html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
      },
    ],
    server: {
      host: '127.0.0.1',
      port: vitePort,
      strictPort: true,
      proxy: { '^/rpc$': { target: `ws://127.0.0.1:${hostUrl.port}`, ws: true } },
    },
  })
  await server.listen()
  console.log(`Chevet workstation (dev): ${devOrigin}/${hostUrl.hash}`)
  const stop = async () => {
    host.kill('SIGTERM')
    await server.close()
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}
