/**
 * The frame every line chart shares. The title is HTML above the canvas and each y axis's name runs
 * along its axis, so neither can overlap the other (ECharts put the title and the y name in the same
 * top-left corner).
 */
export const chartGrid = (axes: 1 | 2, slider = false) => ({
  left: 64,
  right: axes === 2 ? 64 : 20,
  top: 28,
  bottom: slider ? 64 : 40,
})

export const yAxisName = (name: string, side: 'left' | 'right' = 'left') => ({
  name,
  nameLocation: 'middle' as const,
  nameRotate: side === 'left' ? 90 : -90,
  nameGap: 48,
})

export const legend = { top: 0, right: 32, itemHeight: 8, type: 'scroll' as const }

/** A save-as-PNG button in the top-right corner, beside the legend. */
export const chartToolbox = {
  right: 0,
  top: -4,
  itemSize: 13,
  feature: { saveAsImage: { title: 'Save as PNG', pixelRatio: 2 } },
}
