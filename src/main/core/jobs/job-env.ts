/**
 * The environment a job process starts with. On Linux, glibc's allocator gets three tunables (glibc
 * 2.35+ reads them; older glibc and other C libraries ignore them). A training step allocates and
 * frees gigabytes of tensors (amazon-lstm: ~10 GB touched in its first step), TensorFlow takes them
 * from malloc, and each fresh page costs a fault, costly on virtual machines:
 * - `hugetlb=1` backs large blocks with transparent huge pages: ~30x fewer faults (amazon-lstm's first
 *   step 31 s -> 21 s, its steps 8.2 -> 7.3 s);
 * - `mmap_threshold` at its most (32 MB) and a `trim_threshold` of 4 GB keep freed blocks in the heap
 *   for the next step instead of mapping each one afresh (a 10 MB tensor read into JavaScript 7.1 ->
 *   1.4 ms; sentimentnet-bilstm's step 8% faster). A job process keeps its peak heap until it ends.
 * Figures in docs/architecture.md. A user's own setting of any of them wins (`hugetlb=0` turns huge
 * pages off).
 */
const defaults: [name: string, value: string][] = [
  ['glibc.malloc.hugetlb', '1'],
  ['glibc.malloc.mmap_threshold', String(32 << 20)],
  ['glibc.malloc.trim_threshold', String(4 * 2 ** 30)],
]

export function jobEnv(base: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  if (platform !== 'linux') return base
  const own = base.GLIBC_TUNABLES ?? ''
  const added = defaults.filter(([name]) => !new RegExp(`(^|:)${name.replaceAll('.', '\\.')}=`).test(own))
  if (added.length === 0) return base
  const tunables = [...(own ? [own] : []), ...added.map(([name, value]) => `${name}=${value}`)].join(':')
  return { ...base, GLIBC_TUNABLES: tunables }
}
