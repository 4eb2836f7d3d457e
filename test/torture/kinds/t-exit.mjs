// Torture: the worker process exits in the middle of the job.
export default {
  name: 't-exit',
  description: 'Torture: calls process.exit(3)',
  async run() {
    await new Promise((resolve) => setTimeout(resolve, 20))
    process.exit(3)
  },
}
