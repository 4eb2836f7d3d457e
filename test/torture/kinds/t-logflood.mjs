// Torture: prints `lines` lines with console.log as fast as it can, then returns.
export default {
  name: 't-logflood',
  description: 'Torture: floods stdout',
  params: (z) => z.object({ lines: z.number().int().min(1) }),
  run({ lines }) {
    for (let i = 1; i <= lines; i++) console.log(`flood line ${i}`)
    return { lines }
  },
}
