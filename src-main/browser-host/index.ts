import path from 'node:path'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { composeServices, type Services } from '../compose'
import { ConfigError, loadConfig } from '../config'
import { createLogger } from '../log'
import { chooseNodeKeyVault } from '../store/key-vault'
import { startBrowserHost, type BrowserHost } from './server'

function defaultRendererDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url))
  // From sources (src-main/browser-host) and from the bundle (out/main) alike.
  const candidates = [path.resolve(here, '../../out/renderer'), path.resolve(here, '../renderer')]
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? candidates[0]!
}

/** Starts the services and the browser host; prints the one line that tells where the workstation is. */
export async function runBrowserHost(): Promise<{ services: Services; host: BrowserHost }> {
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`chevet: ${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
  const log = createLogger({ dir: path.join(config.dataDir, 'logs') })
  const keyVault = chooseNodeKeyVault(config)
  if (keyVault.warning) process.stderr.write(`chevet: ${keyVault.warning}\n`)

  const rendererDir = process.env.CHEVET_RENDERER_DIR ? path.resolve(process.env.CHEVET_RENDERER_DIR) : defaultRendererDir()
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    process.stderr.write(`chevet: interface introuvable dans ${rendererDir} — lancez d'abord « npm run build ».\n`)
    process.exit(1)
  }

  const services = await composeServices({ config, shell: 'browser-host', keyVault, log })
  const extraOrigins = process.env.CHEVET_DEV_ORIGIN ? [process.env.CHEVET_DEV_ORIGIN] : []
  const host = await startBrowserHost({ services, rendererDir, port: config.port, extraOrigins })
  log.info('host.ready', { port: host.port })
  process.stdout.write(`Chevet workstation: ${host.url}\n`)

  let closing = false
  const shutdown = (): void => {
    if (closing) return
    closing = true
    void host
      .close()
      .then(() => services.close())
      .finally(() => process.exit(0))
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  return { services, host }
}
