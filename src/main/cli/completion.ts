import type { Command } from 'commander'
import { CliError } from './errors'

export const SHELLS = ['bash', 'zsh', 'fish'] as const

interface Spec {
  name: string
  description: string
  flags: string[]
  /** A command's own commands (`schedule add`, `schedule list`…), completed after its name. */
  subcommands: Spec[]
}

/** The commands and their long flags, read from the program itself, so completion never lags behind it. */
function specOf(program: Command): { global: string[]; commands: Spec[] } {
  const longs = (cmd: Command): string[] => cmd.options.map((o) => o.long).filter((l): l is string => l !== undefined)
  const specs = (parent: Command): Spec[] =>
    parent.commands.flatMap((c) =>
      [c.name(), ...c.aliases()].map((name) => ({ name, description: c.description(), flags: [...longs(c), '--help'], subcommands: specs(c) })),
    )
  return { global: longs(program), commands: specs(program) }
}

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`

const firstLine = (text: string): string => text.split('\n')[0]!

/**
 * A completion script for the shell named: commands first, then a command's
 * own commands if it has them (`schedule add`), then the flags of the one
 * being typed.
 */
export function completionScript(program: Command, shell: string): string {
  const { global, commands } = specOf(program)
  const names = (specs: Spec[]): string => specs.map((c) => c.name).join(' ')
  const groups = commands.filter((c) => c.subcommands.length > 0)
  const flagsOf = (c: Spec): string => [...c.flags, ...global].join(' ')
  if (shell === 'bash') {
    const subs = groups.map((g) => `      ${g.name}) COMPREPLY=($(compgen -W ${quote(names(g.subcommands))} -- "$cur")); return ;;`).join('\n')
    const cases = commands
      .map((c) =>
        c.subcommands.length === 0
          ? `    ${c.name}) flags=${quote(flagsOf(c))} ;;`
          : [
              `    ${c.name}) case "$sub" in`,
              ...c.subcommands.map((sc) => `        ${sc.name}) flags=${quote(flagsOf(sc))} ;;`),
              `        *) flags=${quote(flagsOf(c))} ;;`,
              '      esac ;;',
            ].join('\n'),
      )
      .join('\n')
    return `# offload completion for bash: eval "$(offload completion bash)" in ~/.bashrc
_offload() {
  local cur=\${COMP_WORDS[COMP_CWORD]} flags cmd='' sub='' i
  # The command is the first word that is not a global flag or its value; the word after it, its own command if it has them.
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      --url|--token|--data) ((i++)) ;;
      -*) ;;
      *) if [ -z "$cmd" ]; then cmd=\${COMP_WORDS[i]}; else sub=\${COMP_WORDS[i]}; break; fi ;;
    esac
  done
  if [ -z "$cmd" ] && [[ "$cur" != -* ]]; then
    COMPREPLY=($(compgen -W ${quote(names(commands))} -- "$cur"))
    return
  fi
  if [ -z "$sub" ] && [[ "$cur" != -* ]]; then
    case "$cmd" in
${subs}
    esac
  fi
  case "$cmd" in
${cases}
    *) flags=${quote(global.join(' '))} ;;
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$flags" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -F _offload offload
`
  }
  if (shell === 'zsh') {
    const described = (specs: Spec[]): string => specs.map((c) => quote(`${c.name}:${firstLine(c.description).replace(/:/g, '\\:')}`)).join(' ')
    const subs = groups.map((g) => `      ${g.name}) local -a subcommands=(${described(g.subcommands)}); _describe 'command' subcommands; return ;;`).join('\n')
    const cases = commands
      .map((c) =>
        c.subcommands.length === 0
          ? `      ${c.name}) compadd -- ${flagsOf(c)} ;;`
          : [
              `      ${c.name}) case "$sub" in`,
              ...c.subcommands.map((sc) => `          ${sc.name}) compadd -- ${flagsOf(sc)} ;;`),
              `          *) compadd -- ${flagsOf(c)} ;;`,
              '        esac ;;',
            ].join('\n'),
      )
      .join('\n')
    return `#compdef offload
# offload completion for zsh: offload completion zsh > "\${fpath[1]}/_offload", or eval "$(offload completion zsh)" in ~/.zshrc
_offload() {
  local cmd='' sub='' i
  for ((i = 2; i < CURRENT; i++)); do
    case "$words[i]" in
      --url|--token|--data) ((i++)) ;;
      -*) ;;
      *) if [[ -z "$cmd" ]]; then cmd=$words[i]; else sub=$words[i]; break; fi ;;
    esac
  done
  if [[ -z "$cmd" && "$words[CURRENT]" != -* ]]; then
    local -a commands=(${described(commands)})
    _describe 'command' commands
    return
  fi
  if [[ -z "$sub" && "$words[CURRENT]" != -* ]]; then
    case "$cmd" in
${subs}
    esac
  fi
  if [[ "$words[CURRENT]" == -* ]]; then
    case "$cmd" in
${cases}
      *) compadd -- ${global.join(' ')} ;;
    esac
  else
    _files
  fi
}
# Autoloaded from fpath, this file is the completion function; evaluated, it registers one.
if [[ "$funcstack[1]" == _offload ]]; then _offload "$@"; else compdef _offload offload; fi
`
  }
  if (shell === 'fish') {
    // \`offload schedule add\` has seen "add" too: the top-level add's flags are not its own.
    const notInGroup = groups.length > 0 ? `; and not __fish_seen_subcommand_from ${names(groups)}` : ''
    const lines = commands.flatMap((c) => [
      `complete -c offload -n __fish_use_subcommand -a ${c.name} -d ${quote(firstLine(c.description))}`,
      ...(c.subcommands.length === 0
        ? c.flags.map((f) => `complete -c offload -n '__fish_seen_subcommand_from ${c.name}${notInGroup}' -l ${f.slice(2)}`)
        : c.subcommands.flatMap((sc) => [
            `complete -c offload -n '__fish_seen_subcommand_from ${c.name}; and not __fish_seen_subcommand_from ${names(c.subcommands)}' -a ${sc.name} -d ${quote(firstLine(sc.description))}`,
            ...sc.flags.map(
              (f) => `complete -c offload -n '__fish_seen_subcommand_from ${c.name}; and __fish_seen_subcommand_from ${sc.name}' -l ${f.slice(2)}`,
            ),
          ])),
    ])
    return `# offload completion for fish: offload completion fish > ~/.config/fish/completions/offload.fish
${[...global.map((f) => `complete -c offload -l ${f.slice(2)}`), ...lines].join('\n')}
`
  }
  throw new CliError(`No completion for "${shell}"; there is ${SHELLS.join(', ')}`)
}
