/** The application menu. */
import { app, dialog, Menu, shell, type MenuItemConstructorOptions } from 'electron'

export function buildMenu(dataDir: string): Menu {
  const isMac = process.platform === 'darwin'
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Data Folder', click: () => void shell.openPath(dataDir) },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
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
        {
          label: 'About Sentiment Studio',
          click: () =>
            void dialog.showMessageBox({
              type: 'info',
              title: 'About Sentiment Studio',
              message: `Sentiment Studio ${app.getVersion()}`,
              detail: `Electron ${process.versions.electron}, Node ${process.versions.node}\nData: ${dataDir}`,
            }),
        },
      ],
    },
  ]
  return Menu.buildFromTemplate(template)
}
