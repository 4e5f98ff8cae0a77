// First: zod must be configured before the contract's schemas are built.
import './zod-setup'
import './styles/index.css'
import { createApp, watch } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { installHostAdapter } from './host-adapter'
import { i18n } from './i18n'
import { createAppRouter } from './router'
import { useCensusStore } from './stores/census'
import { useChartStore } from './stores/chart'
import { useSessionStore } from './stores/session'
import { useSystemStore } from './stores/system'
import { useTasksStore } from './stores/tasks'

// Before the router: the adapter takes the token out of the address's fragment, which hash routing then owns.
const hostLink = installHostAdapter()

const app = createApp(App)
app.use(createPinia())
app.use(i18n)
const router = createAppRouter()
app.use(router)

const system = useSystemStore()
const session = useSessionStore()
const census = useCensusStore()
const chart = useChartStore()
const tasks = useTasksStore()

/** After a lost link, events may have been missed: ask again for everything on screen. */
async function catchUp(): Promise<void> {
  void system.loadInfo()
  await session.refresh()
  if (!session.active) return
  void system.loadSyncStatus()
  void tasks.load()
  if (census.loaded) void census.load()
  if (chart.patientId) void chart.load()
}

system.start(hostLink, () => void catchUp())
session.start()
census.start()
chart.start()
tasks.start()

watch(
  () => session.active,
  (active) => {
    if (active) {
      void system.loadSyncStatus()
      void tasks.load()
      return
    }
    // Signed out, expired or replaced: no patient data of the previous session stays in the page.
    census.reset()
    chart.reset()
    tasks.reset()
    system.connectivity = { state: 'online', dataAsOf: null }
    if (router.currentRoute.value.meta.requiresSession) void router.replace({ name: 'sign-in' })
  },
)

if (system.linkUsable) {
  void system.loadInfo()
  void session.ensureLoaded()
}

app.mount('#app')
