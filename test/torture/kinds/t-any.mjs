// Torture: a kind without a params schema (any object is accepted), as many users' own kinds are.
export default {
  name: 't-any',
  description: 'Torture: accepts any params, does nothing',
  run: () => null,
}
