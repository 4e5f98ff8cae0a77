// Composition root entry (DESIGN.md §2): the same services, handed to the Electron shell when the Electron runtime
// runs this file, or to the browser host under plain Node. Only the shell imports `electron`.
if (process.versions.electron) {
  const { runShell } = await import('./shell')
  await runShell()
} else {
  const { runBrowserHost } = await import('./browser-host')
  await runBrowserHost()
}

export {}
