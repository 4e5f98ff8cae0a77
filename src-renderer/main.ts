// First: zod must be configured before the contract's schemas are built.
import './zod-setup'
import './styles/index.css'
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { installHostAdapter } from './host-adapter'
import { i18n } from './i18n'
import { createAppRouter } from './router'
import { useSessionStore } from './stores/session'
import { useSystemStore } from './stores/system'

// Before the router: the adapter takes the token out of the address's fragment, which hash routing then owns.
const hostLink = installHostAdapter()

const app = createApp(App)
app.use(createPinia())
app.use(i18n)
app.use(createAppRouter())

const system = useSystemStore()
const session = useSessionStore()
system.start(hostLink, () => {
  void system.loadInfo()
  void session.refresh()
})
session.start()
if (system.linkUsable) {
  void system.loadInfo()
  void session.refresh()
}

app.mount('#app')
