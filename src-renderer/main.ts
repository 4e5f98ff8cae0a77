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
  () => session.status.state,
  (state, previous) => {
    if (state === 'active') {
      void system.loadSyncStatus()
      void tasks.load()
      return
    }
    // Signed out, locked, expired or replaced: no patient data of the previous session stays in the page.
    census.reset()
    chart.reset()
    tasks.reset()
    system.connectivity = { state: 'online', dataAsOf: null }
    if (state === 'locked' && previous === 'active') {
      // A lock reloads the page, so that nothing of the chart stays in this page's memory (DESIGN.md §6).
      // In Electron the shell reloads the window itself.
      if (system.info?.shell !== 'electron') {
        history.replaceState(null, '', '#/verrouille')
        location.reload()
        return
      }
    }
    const route = router.currentRoute.value
    if (state === 'locked' && route.name !== 'lock') void router.replace({ name: 'lock' })
    else if (state === 'signed-out' && (route.meta.requiresSession || route.name === 'lock')) void router.replace({ name: 'sign-in' })
  },
)

// Keyboard and pointer use postpone the inactivity lock (in the browser host, the page is the only witness).
for (const type of ['keydown', 'pointerdown', 'wheel'] as const) {
  window.addEventListener(type, () => session.noteActivity(), { passive: true, capture: true })
}

if (system.linkUsable) {
  void system.loadInfo()
  void session.ensureLoaded()
}

app.mount('#app')
