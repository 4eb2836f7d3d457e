// Torture: reports progress `calls` times, yielding only now and then.
export default {
  name: 't-progress',
  description: 'Torture: floods progress',
  params: (z) => z.object({ calls: z.number().int().min(1) }),
  async run({ calls }, ctx) {
    for (let i = 1; i <= calls; i++) {
      ctx.progress(i / calls, `step ${i} of ${calls}`)
      if (i % 20_000 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    return { calls }
  },
}
