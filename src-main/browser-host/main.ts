// Node entry of the browser host: `node --import tsx src-main/browser-host/main.ts`.
import { runBrowserHost } from './index'

await runBrowserHost()
