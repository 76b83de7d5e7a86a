/** From a source's raw label to a class name: as is, through the user's mapping, or by a threshold. */
import type { SourceSpec } from '../../../../shared/datasets'

/** The class name, or why the example is skipped (a message to list as a problem). */
export type LabelResult = { label: string } | { skip: string }

/** `unit` names what the user would remove: a line of a file, or a file of a folder. */
export function labelMapper(spec: SourceSpec, unit: 'line' | 'file'): (raw: string) => LabelResult {
  const { labelMap, labelThreshold } = spec
  if (labelMap) {
    const known = Object.keys(labelMap).join(', ')
    return (raw) => {
      const mapped = labelMap[raw.trim()]
      return mapped !== undefined
        ? { label: mapped }
        : { skip: `label "${raw}" is not in the label mapping (${known}); add it to the mapping or remove the ${unit}` }
    }
  }
  if (labelThreshold) {
    const { threshold, below, atOrAbove, drop } = labelThreshold
    return (raw) => {
      const value = Number(raw)
      if (raw.trim() === '' || !Number.isFinite(value))
        return { skip: `label "${raw}" is not a number, so the threshold cannot place it; fix or remove the ${unit}` }
      if (drop.includes(value)) return { skip: `label ${raw.trim()} is dropped by the threshold mapping` }
      return { label: value < threshold ? below : atOrAbove }
    }
  }
  return (raw) => {
    const label = raw.trim()
    return label === '' ? { skip: `the label is empty; add one or remove the ${unit}` } : { label }
  }
}
