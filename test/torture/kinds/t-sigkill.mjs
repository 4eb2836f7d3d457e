// Torture: the worker process is SIGKILLed (by itself), the way the OOM killer would.
export default {
  name: 't-sigkill',
  description: 'Torture: SIGKILLs its own process',
  async run() {
    await new Promise((resolve) => setTimeout(resolve, 20))
    process.kill(process.pid, 'SIGKILL')
    await new Promise((resolve) => setTimeout(resolve, 10_000))
  },
}
