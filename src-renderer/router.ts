import { createRouter, createWebHashHistory, type Router } from 'vue-router'
import SignInView from './views/SignInView.vue'
import AboutView from './views/AboutView.vue'

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the page title (document.title). */
    titleKey: string
    /** The view focuses its own first field; otherwise navigation moves the focus to the page heading. */
    focusesItself?: boolean
  }
}

/**
 * Hash history: the page is a single file served by app:// or the browser host, with no server-side routes.
 * A function, not a module-level router: creating the history rewrites the fragment, which must wait until
 * the host adapter has taken its token out of it.
 */
export function createAppRouter(): Router {
  return createRouter({
    history: createWebHashHistory(),
    routes: [
      { path: '/', redirect: '/connexion' },
      {
        path: '/connexion',
        name: 'sign-in',
        component: SignInView,
        meta: { titleKey: 'signIn.title', focusesItself: true },
      },
      { path: '/a-propos', name: 'about', component: AboutView, meta: { titleKey: 'about.title' } },
      { path: '/:rest(.*)*', redirect: '/connexion' },
    ],
  })
}
