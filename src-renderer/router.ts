import { createRouter, createWebHashHistory, type Router } from 'vue-router'
import { useSessionStore } from './stores/session'
import SignInView from './views/SignInView.vue'
import AboutView from './views/AboutView.vue'
import CensusView from './views/CensusView.vue'
import ChartView from './views/ChartView.vue'
import TasksView from './views/TasksView.vue'
import AccessReviewView from './views/AccessReviewView.vue'
import PharmacyQueueView from './prescribing/PharmacyQueueView.vue'
import PrescribingReportView from './prescribing/PrescribingReportView.vue'
import LetterEditorView from './views/LetterEditorView.vue'
import LettersQueueView from './views/LettersQueueView.vue'

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the page title (document.title). */
    titleKey: string
    /** The view focuses its own first field; otherwise navigation moves the focus to the page heading. */
    focusesItself?: boolean
    /** Shows patient data: only for a signed-in user. */
    requiresSession?: boolean
  }
}

/**
 * Hash history: the page is a single file served by app:// or the browser host, with no server-side routes.
 * A function, not a module-level router: creating the history rewrites the fragment, which must wait until
 * the host adapter has taken its token out of it. Call it after Pinia is installed (the guard reads the session).
 */
export function createAppRouter(): Router {
  const router = createRouter({
    history: createWebHashHistory(),
    routes: [
      { path: '/', redirect: '/census' },
      {
        path: '/connexion',
        name: 'sign-in',
        component: SignInView,
        meta: { titleKey: 'signIn.title', focusesItself: true },
      },
      {
        path: '/verrouille',
        name: 'lock',
        component: SignInView,
        props: { lockScreen: true },
        meta: { titleKey: 'lock.title', focusesItself: true },
      },
      {
        path: '/census',
        name: 'census',
        component: CensusView,
        meta: { titleKey: 'census.title', requiresSession: true },
      },
      {
        path: '/patients/:id',
        name: 'chart',
        component: ChartView,
        props: true,
        meta: { titleKey: 'chart.title', requiresSession: true, focusesItself: true },
      },
      {
        path: '/patients/:id/vitals/new',
        name: 'vitals-new',
        component: ChartView,
        props: (route) => ({ id: route.params.id, entry: true }),
        meta: { titleKey: 'vitals.newTitle', requiresSession: true, focusesItself: true },
      },
      {
        path: '/taches',
        name: 'tasks',
        component: TasksView,
        meta: { titleKey: 'tasks.title', requiresSession: true },
      },
      {
        path: '/revue-acces',
        name: 'access-review',
        component: AccessReviewView,
        meta: { titleKey: 'review.title', requiresSession: true },
      },
      {
        path: '/pharmacie',
        name: 'pharmacy-queue',
        component: PharmacyQueueView,
        meta: { titleKey: 'prescribing.queue.title', requiresSession: true },
      },
      {
        path: '/rapports/formes-pediatriques',
        name: 'prescribing-report',
        component: PrescribingReportView,
        meta: { titleKey: 'prescribing.report.title', requiresSession: true },
      },
      {
        path: '/patients/:id/lettre',
        name: 'letter-new',
        component: LetterEditorView,
        props: true,
        meta: { titleKey: 'letters.editor.title', requiresSession: true },
      },
      {
        path: '/patients/:id/lettre/:letterId',
        name: 'letter',
        component: LetterEditorView,
        props: true,
        meta: { titleKey: 'letters.editor.title', requiresSession: true },
      },
      {
        path: '/lettres',
        name: 'letters-queue',
        component: LettersQueueView,
        meta: { titleKey: 'letters.queue.title', requiresSession: true },
      },
      { path: '/a-propos', name: 'about', component: AboutView, meta: { titleKey: 'about.title' } },
      { path: '/:rest(.*)*', redirect: '/census' },
    ],
  })

  router.beforeEach(async (to) => {
    const session = useSessionStore()
    await session.ensureLoaded()
    // Locked: patient screens and the sign-in page lead to the lock screen, which says whose session it is.
    if (session.locked && (to.meta.requiresSession || to.name === 'sign-in')) return { name: 'lock' }
    if (to.meta.requiresSession && !session.active) return { name: 'sign-in' }
    if ((to.name === 'sign-in' || to.name === 'lock') && session.active) return { name: 'census' }
    if (to.name === 'lock' && !session.locked) return { name: 'sign-in' }
    // The DPO has no units and no census: her work is the access review.
    if (to.name === 'census' && session.user?.role === 'dpo') return { name: 'access-review' }
    return true
  })

  return router
}
