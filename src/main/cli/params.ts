import type { KindInfo } from '../../shared/job'
import { fieldsOf, toParams, type FormValues, type JsonSchema } from '../../shared/schema-form'
import { CliError } from './errors'

/**
 * `--param k=v …` and `--params-json '{…}'` as the kind's params, read the way
 * the panel's form reads its fields (a list param takes one value per
 * `--param`, a map takes `NAME=value`), with the same field errors.
 */
export function paramsFrom(kind: KindInfo, pairs: readonly string[], json: string | undefined): Record<string, unknown> {
  const fields = fieldsOf(kind.paramsSchema as JsonSchema)
  let base: Record<string, unknown> = {}
  if (json !== undefined) {
    let parsed: unknown
    try {
      parsed = JSON.parse(json)
    } catch (error) {
      throw new CliError(`--params-json is not valid JSON: ${(error as Error).message}`)
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new CliError('--params-json must be a JSON object, e.g. \'{"folder": "/tmp"}\'')
    base = parsed as Record<string, unknown>
  }
  const values: FormValues = {}
  // Lists and maps are built as given, item by item: read through the form's text, an empty or spaced item would be trimmed away.
  const direct: Record<string, string[] | Record<string, string>> = {}
  for (const pair of pairs) {
    const at = pair.indexOf('=')
    if (at <= 0) throw new CliError(`--param ${pair}: write it as name=value`)
    const name = pair.slice(0, at)
    const value = pair.slice(at + 1)
    const field = fields.find((f) => f.name === name)
    if (!field) {
      const known = fields.map((f) => f.name).join(', ')
      throw new CliError(`"${kind.name}" has no param "${name}"; ${known ? `its params: ${known}` : 'it takes none'}`)
    }
    if (field.kind === 'boolean') {
      if (value !== 'true' && value !== 'false') throw new CliError(`--param ${name}: true or false, got "${value}"`)
      values[name] = value === 'true'
    } else if (field.kind === 'lines') {
      const list = direct[name]
      direct[name] = Array.isArray(list) ? [...list, value] : [value]
    } else if (field.kind === 'pairs') {
      const eq = value.indexOf('=')
      if (eq <= 0) throw new CliError(`--param ${name}=${value}: write it as ${name}=NAME=value`)
      const map = direct[name]
      direct[name] = { ...(map && !Array.isArray(map) ? map : {}), [value.slice(0, eq)]: value.slice(eq + 1) }
    } else values[name] = value
  }
  const { params, errors } = toParams(
    fields.filter((f) => !(f.name in direct) && (f.name in values || !(f.name in base))),
    values,
  )
  const problems = Object.entries(errors)
  if (problems.length > 0) throw new CliError(problems.map(([field, message]) => `--param ${field}: ${message}`).join('; '))
  return { ...base, ...params, ...direct }
}
