/** The few JSON Schema shapes a kind's params use, as form fields (the panel's new-job form) and as `--param k=v` (the command line). */

/** A JSON Schema property, as far as a form needs it. */
export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  enum?: unknown[]
  description?: string
  minimum?: number
  maximum?: number
  default?: unknown
  /** A string to edit over several lines (a script), where the kind's schema says so through zod's meta. */
  multiline?: boolean
}

export type FieldKind = 'text' | 'number' | 'integer' | 'boolean' | 'select' | 'lines' | 'pairs' | 'json'

export interface Field {
  name: string
  kind: FieldKind
  required: boolean
  options?: string[]
  hint?: string
  multiline?: boolean
}

export function fieldsOf(schema: JsonSchema): Field[] {
  return Object.entries(schema.properties ?? {}).map(([name, prop]) => {
    const required = schema.required?.includes(name) ?? false
    const hint = prop.description
    const base = { name, required, ...(hint ? { hint } : {}) }
    if (prop.enum) return { ...base, kind: 'select', options: prop.enum.map(String) }
    if (prop.type === 'string') return { ...base, kind: 'text', ...(prop.multiline === true ? { multiline: true } : {}) }
    if (prop.type === 'integer') return { ...base, kind: 'integer' }
    if (prop.type === 'number') return { ...base, kind: 'number' }
    if (prop.type === 'boolean') return { ...base, kind: 'boolean' }
    if (prop.type === 'array' && prop.items?.type === 'string') return { ...base, kind: 'lines', hint: hint ?? 'One per line' }
    if (prop.type === 'object') return { ...base, kind: 'pairs', hint: hint ?? 'NAME=value, one per line' }
    return { ...base, kind: 'json', hint: hint ?? 'JSON' }
  })
}

export type FormValues = Record<string, string | boolean>

/** Form values to params, with a message per field that cannot be read. */
export function toParams(fields: Field[], values: FormValues): { params: Record<string, unknown>; errors: Record<string, string> } {
  const params: Record<string, unknown> = {}
  const errors: Record<string, string> = {}
  for (const field of fields) {
    const raw = values[field.name]
    if (field.kind === 'boolean') {
      if (raw !== undefined) params[field.name] = raw === true
      continue
    }
    const text = typeof raw === 'string' ? raw.trim() : ''
    if (text === '') {
      if (field.required) errors[field.name] = 'Required'
      continue
    }
    if (field.kind === 'number' || field.kind === 'integer') {
      const n = Number(text)
      if (!Number.isFinite(n) || (field.kind === 'integer' && !Number.isInteger(n)))
        errors[field.name] = field.kind === 'integer' ? 'A whole number' : 'A number'
      else params[field.name] = n
    } else if (field.kind === 'lines') {
      params[field.name] = text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
    } else if (field.kind === 'pairs') {
      const pairs: Record<string, string> = {}
      for (const line of text.split('\n').filter((l) => l.trim())) {
        const at = line.indexOf('=')
        if (at <= 0) errors[field.name] = `"${line}" is not NAME=value`
        else pairs[line.slice(0, at).trim()] = line.slice(at + 1)
      }
      params[field.name] = pairs
    } else if (field.kind === 'json') {
      try {
        params[field.name] = JSON.parse(text)
      } catch {
        errors[field.name] = 'Not valid JSON'
      }
    } else params[field.name] = text
  }
  return { params, errors }
}

/** A job's params back to form values, for "Run again…": the inverse of toParams. */
export function fromParams(fields: Field[], params: unknown): FormValues {
  const values: FormValues = {}
  const given = params !== null && typeof params === 'object' ? (params as Record<string, unknown>) : {}
  for (const field of fields) {
    const value = given[field.name]
    if (value === undefined) continue
    if (field.kind === 'boolean') values[field.name] = value === true
    else if (field.kind === 'lines' && Array.isArray(value)) values[field.name] = value.map(String).join('\n')
    else if (field.kind === 'pairs' && value !== null && typeof value === 'object')
      values[field.name] = Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join('\n')
    else if (field.kind === 'json') values[field.name] = JSON.stringify(value, null, 2)
    else values[field.name] = typeof value === 'string' ? value : JSON.stringify(value)
  }
  return values
}
