// Torture: the attempt throws an ordinary error.
export default {
  name: 't-throw',
  description: 'Torture: throws',
  run() {
    throw new Error('torture: planned failure')
  },
}
