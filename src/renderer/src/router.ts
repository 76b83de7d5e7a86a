import type { Component } from 'vue'
import { createRouter, createWebHashHistory, type RouteLocationNormalized } from 'vue-router'

// Hash history: the desktop app loads the page from file://.
interface Section {
  path: string
  name: string
  title: string
  component: () => Promise<{ default: Component }>
  /** The view's props from the route (its query). */
  props?: (route: RouteLocationNormalized) => Record<string, unknown>
}

export const sections: Section[] = [
  { path: '/datasets', name: 'datasets', title: 'Datasets', component: () => import('./views/DatasetsView.vue') },
  { path: '/vectors', name: 'vectors', title: 'Word vectors', component: () => import('./views/VectorsView.vue') },
  {
    path: '/train',
    name: 'train',
    title: 'Train',
    component: () => import('./views/TrainView.vue'),
    props: (route) => ({ from: typeof route.query.from === 'string' ? route.query.from : undefined }),
  },
  { path: '/runs', name: 'runs', title: 'Runs', component: () => import('./views/RunsView.vue') },
  {
    path: '/compare',
    name: 'compare',
    title: 'Compare',
    component: () => import('./views/CompareView.vue'),
    props: (route) => ({ ids: typeof route.query.ids === 'string' ? route.query.ids : undefined }),
  },
  { path: '/score', name: 'score', title: 'Score', component: () => import('./views/ScoreView.vue') },
  { path: '/info', name: 'info', title: 'Info', component: () => import('./views/InfoView.vue') },
]

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/datasets' },
    ...sections.map(({ path, name, component, props }) => ({ path, name, component, props: props ?? false })),
    { path: '/datasets/import', name: 'import', component: () => import('./views/ImportWizard.vue') },
    { path: '/runs/:id', name: 'run', component: () => import('./views/RunView.vue'), props: true },
    { path: '/auto/:id', name: 'auto', component: () => import('./views/AutoView.vue'), props: true },
    { path: '/groups/:id', name: 'group', component: () => import('./views/GroupView.vue'), props: true },
  ],
})
