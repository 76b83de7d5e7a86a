/** Numbers, sizes and texts as people read them. */
export function bytes(n: number | null): string {
  if (n === null) return ''
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let i = 0
  let v = n
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v < 10 && i > 0 ? v.toFixed(1) : Math.round(v)} ${units[i]}`
}

export const count = (n: number) => n.toLocaleString('en')

export function duration(ms: number | null): string {
  if (ms === null) return ''
  const s = Math.ceil(ms / 1000)
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`
}

export const percent = (share: number) => `${(share * 100).toFixed(1)}%`

/** A long text cut to `n` characters, for a table cell. */
export const short = (text: string, n = 160) => (text.length > n ? `${text.slice(0, n)}…` : text)
