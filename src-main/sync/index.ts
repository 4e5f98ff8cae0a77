export { createSyncEngine, type SyncEngine, type SyncEngineOptions, type SyncReport, type SyncUser } from './engine'
export { createConnectivityMonitor, type Connectivity, type ConnectivityMonitor } from './connectivity'
export { replayOutbox, type ReplayReport } from './replay'
export { CHART_QUERIES, chartQueryKey } from './chart-sync'
