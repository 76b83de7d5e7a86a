import { createRouter, createWebHashHistory } from 'vue-router'

// Hash history: the desktop app loads the page from file://.
export const sections = [
  { path: '/datasets', name: 'datasets', title: 'Datasets', component: () => import('./views/DatasetsView.vue') },
  { path: '/vectors', name: 'vectors', title: 'Word vectors', component: () => import('./views/VectorsView.vue') },
  { path: '/train', name: 'train', title: 'Train', component: () => import('./views/TrainView.vue') },
  { path: '/runs', name: 'runs', title: 'Runs', component: () => import('./views/RunsView.vue') },
  { path: '/compare', name: 'compare', title: 'Compare', component: () => import('./views/CompareView.vue') },
  { path: '/score', name: 'score', title: 'Score', component: () => import('./views/ScoreView.vue') },
  { path: '/info', name: 'info', title: 'Info', component: () => import('./views/InfoView.vue') },
] as const

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/datasets' },
    ...sections.map(({ path, name, component }) => ({ path, name, component })),
    { path: '/datasets/import', name: 'import', component: () => import('./views/ImportWizard.vue') },
  ],
})
