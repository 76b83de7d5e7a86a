/** The application menu. */
import { app, dialog, Menu, shell, type MenuItemConstructorOptions } from 'electron'

export function setAppMenu(dataDir: string): void {
  const isMac = process.platform === 'darwin'
  const openDataFolder = async () => {
    const error = await shell.openPath(dataDir) // resolves to an error message, or '' on success
    if (error) dialog.showErrorBox('Could not open the data folder', `${dataDir}: ${error}`)
  }
  const about = () =>
    dialog.showMessageBox({
      type: 'info',
      title: 'About Sentiment Studio',
      message: `Sentiment Studio ${app.getVersion()}`,
      detail: `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node ${process.versions.node}\nData folder: ${dataDir}`,
    })
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    { label: 'File', submenu: [isMac ? { role: 'close' } : { role: 'quit' }] },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: 'About Sentiment Studio', click: () => void about() },
        { label: 'Open Data Folder', click: () => void openDataFolder() },
      ],
    },
  ]
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}
