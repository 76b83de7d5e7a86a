/** A long text cut to `n` characters for a table cell. */
export const short = (text: string, n = 160) => (text.length > n ? `${text.slice(0, n)}…` : text)
