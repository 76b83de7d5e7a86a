/**
 * The environment a job process starts with. On Linux, glibc's allocator is asked to back its large
 * blocks with transparent huge pages (`GLIBC_TUNABLES=glibc.malloc.hugetlb=1`, glibc 2.35+; older
 * glibc and other C libraries ignore it). A training step allocates and frees gigabytes of tensors
 * (amazon-lstm: ~10 GB touched in its first step), and TensorFlow takes them from malloc, which maps
 * each large block afresh: one page fault per 4 KiB page, costly on virtual machines. With 2 MiB pages
 * there are ~30x fewer faults (amazon-lstm's first step 31 s -> 21 s, its steps 8.2 -> 7.3 s; see
 * docs/architecture.md). A user's own `glibc.malloc.hugetlb` setting wins: `=0` turns this off.
 */
export function jobEnv(base: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  if (platform !== 'linux') return base
  const tunables = base.GLIBC_TUNABLES ?? ''
  if (/(^|:)glibc\.malloc\.hugetlb=/.test(tunables)) return base
  return { ...base, GLIBC_TUNABLES: tunables ? `${tunables}:glibc.malloc.hugetlb=1` : 'glibc.malloc.hugetlb=1' }
}
