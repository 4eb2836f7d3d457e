import type { Command } from 'commander'
import { CliError } from './errors'

export const SHELLS = ['bash', 'zsh', 'fish'] as const

interface Spec {
  name: string
  description: string
  flags: string[]
}

/** The commands and their long flags, read from the program itself, so completion never lags behind it. */
function specOf(program: Command): { global: string[]; commands: Spec[] } {
  const longs = (cmd: Command): string[] => cmd.options.map((o) => o.long).filter((l): l is string => l !== undefined)
  return {
    global: longs(program),
    commands: program.commands.flatMap((c) =>
      [c.name(), ...c.aliases()].map((name) => ({ name, description: c.description(), flags: [...longs(c), '--help'] })),
    ),
  }
}

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`

/** A completion script for the shell named: commands first, then the flags of the command being typed. */
export function completionScript(program: Command, shell: string): string {
  const { global, commands } = specOf(program)
  const names = commands.map((c) => c.name).join(' ')
  if (shell === 'bash') {
    const cases = commands.map((c) => `    ${c.name}) flags=${quote([...c.flags, ...global].join(' '))} ;;`).join('\n')
    return `# offload completion for bash: eval "$(offload completion bash)" in ~/.bashrc
_offload() {
  local cur=\${COMP_WORDS[COMP_CWORD]} flags cmd='' i
  # The command is the first word that is not a global flag or its value.
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      --url|--token|--data) ((i++)) ;;
      -*) ;;
      *) cmd=\${COMP_WORDS[i]}; break ;;
    esac
  done
  if [ -z "$cmd" ] && [[ "$cur" != -* ]]; then
    COMPREPLY=($(compgen -W ${quote(names)} -- "$cur"))
    return
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
    const described = commands.map((c) => quote(`${c.name}:${c.description.split('\n')[0]!.replace(/:/g, '\\:')}`)).join(' ')
    const cases = commands.map((c) => `      ${c.name}) compadd -- ${[...c.flags, ...global].join(' ')} ;;`).join('\n')
    return `#compdef offload
# offload completion for zsh: offload completion zsh > "\${fpath[1]}/_offload", or eval "$(offload completion zsh)" in ~/.zshrc
_offload() {
  local cmd='' i
  for ((i = 2; i < CURRENT; i++)); do
    case "$words[i]" in
      --url|--token|--data) ((i++)) ;;
      -*) ;;
      *) cmd=$words[i]; break ;;
    esac
  done
  if [[ -z "$cmd" && "$words[CURRENT]" != -* ]]; then
    local -a commands=(${described})
    _describe 'command' commands
    return
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
    const lines = commands.flatMap((c) => [
      `complete -c offload -n __fish_use_subcommand -a ${c.name} -d ${quote(c.description.split('\n')[0]!)}`,
      ...c.flags.map((f) => `complete -c offload -n '__fish_seen_subcommand_from ${c.name}' -l ${f.slice(2)}`),
    ])
    return `# offload completion for fish: offload completion fish > ~/.config/fish/completions/offload.fish
${[...global.map((f) => `complete -c offload -l ${f.slice(2)}`), ...lines].join('\n')}
`
  }
  throw new CliError(`No completion for "${shell}"; there is ${SHELLS.join(', ')}`)
}
