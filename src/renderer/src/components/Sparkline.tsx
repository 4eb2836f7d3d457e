/** A tiny bar chart; the numbers are in its accessible label. */
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const max = Math.max(1, ...values)
  const width = 90
  const height = 22
  const bar = width / Math.max(1, values.length)
  return (
    <svg className="sparkline" width={width} height={height} role="img" aria-label={`${label}: ${values.join(', ')}`}>
      {values.map((v, i) => {
        const h = Math.max(v > 0 ? 2 : 0, (v / max) * height)
        return <rect key={i} x={i * bar} y={height - h} width={Math.max(1, bar - 1)} height={h} />
      })}
    </svg>
  )
}
