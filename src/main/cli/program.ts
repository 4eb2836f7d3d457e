import { Command, Option } from 'commander'
import { DEPENDENCY_FAILURES, JOB_STATUSES, KEY_MODES, PRIORITIES } from '../../shared/job'
import { MISSED_POLICIES, OVERLAP_POLICIES } from '../../shared/schedule'
import { add, type AddOptions } from './commands/add'
import { kinds, open, stats } from './commands/info'
import { laneList, lanePause, laneSet, laneShow, type LaneSetOptions } from './commands/lane'
import { cancel, clean, follow, pause, release, remove, resume, retry, wait } from './commands/manage'
import { scheduleAdd, scheduleEnable, scheduleList, scheduleRemove, scheduleRun, scheduleShow, type ScheduleAddOptions } from './commands/schedule'
import { search, type SearchOptions } from './commands/search'
import { exportQueue, importQueue } from './commands/transfer'
import { status, type StatusOptions } from './commands/status'
import { watchAdd, watchEnable, watchList, watchRemove, watchShow, type WatchAddOptions } from './commands/watch'
import { completionScript, SHELLS } from './completion'
import { connect, type CliIo, type Context, type GlobalOptions } from './context'
import { cliErrorOf } from './client'
import { CliError, EXIT, type ExitCode } from './errors'

const collect = (value: string, previous: string[]): string[] => [...previous, value]

const examples = (lines: string[]): string => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`

/**
 * The `offload` command: every subcommand a thin client of the HTTP API.
 * `afterDashes` is what followed `--` on the command line (a shell job's
 * command for `add` and `schedule add`), kept apart so that a command's own
 * flags stay its own.
 */
export function buildProgram(io: CliIo, afterDashes: string[] | undefined, setExit: (code: ExitCode) => void): Command {
  const program = new Command('offload')
    .description('Queue heavy jobs for Offload (the desktop app or `offload serve`) and watch them from a terminal.')
    .option('--url <url>', 'the server’s address (else OFFLOAD_URL, else server.json)')
    .option('--token <token>', 'its token (else OFFLOAD_TOKEN, else server.json)')
    .option('--data <dir>', 'read server.json from this data folder')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`offload: ${text.replace(/^error: /, '')}`),
    })
    .exitOverride()
    .showSuggestionAfterError()
    .addHelpText(
      'after',
      `${examples([
        'offload add -- make release',
        'offload add hash-files --param folder=~/Photos --follow',
        'offload status --watch',
        'offload wait --all && echo "all done"',
      ])}\nExit codes: 0 done (every job waited for succeeded), 1 a job failed or was cancelled, 2 a wrong or refused request, 3 Offload isn’t running.\n`,
    )

  /** Runs a command's body against the discovered server; what it returns is the exit code. */
  const run =
    <A extends unknown[]>(body: (ctx: Context, ...args: A) => Promise<ExitCode> | ExitCode) =>
    async (...args: A): Promise<void> => {
      const command = args.at(-1) as Command
      const ctx = connect(io, command.optsWithGlobals<GlobalOptions>())
      try {
        setExit(await body(ctx, ...args))
      } catch (error) {
        throw cliErrorOf(error, ctx.connection)
      }
    }

  /** A group's `enable` and `disable`, each on the ids given, with what switching means for its things. */
  const switches = (
    group: Command,
    ids: string,
    [on, off]: readonly [string, string],
    body: (ctx: Context, ids: string[], enabled: boolean) => Promise<ExitCode>,
  ): void => {
    for (const [name, enabled, description] of [
      ['enable', true, on],
      ['disable', false, off],
    ] as const)
      group
        .command(name)
        .description(description)
        .argument('<ids...>', ids)
        .action(run((ctx, given: string[]) => body(ctx, given, enabled)))
  }

  program
    .command('add')
    .description('Queue a job: a kind with its params, or -- and a command to run here')
    .argument('[kind]', 'the job’s kind (offload kinds lists them)')
    .option('-p, --param <name=value>', 'a param; repeat for more (and for each item of a list)', collect, [])
    .option('--params-json <json>', 'all the params as one JSON object (--param values win)')
    .option('-n, --name <name>', 'the job’s name in lists')
    .addOption(new Option('--priority <level>', 'how soon, against other jobs').choices(PRIORITIES))
    .option('--timeout <duration>', 'a limit per try: 90s, 5m, 1h30m')
    .option('--attempts <n>', 'tries before it counts as failed')
    .option('--at <time>', 'not before this time: 14:30, "2026-12-24 18:00", or an ISO instant')
    .option('--delay <duration>', 'not before this long from now: 90s, 5m, 2h')
    .option('--lane <name>', 'the lane it runs in, with that lane’s limit and pause (else its kind’s, else default)')
    .option('--slots <n>', 'how many of the limits’ slots it takes while it runs, for a job using several cores (default 1)')
    .option('--hold', 'keep it held until `offload release <id>`')
    .option('--after <id>', 'start only once this job has succeeded; repeat for more', collect, [])
    .addOption(
      new Option('--if-dependency-fails <policy>', 'when a job it waits for fails: fail too, run anyway, or hold until it is retried').choices(
        DEPENDENCY_FAILURES,
      ),
    )
    .option('--key <name>', 'names the work: adding it again while a job with this key is pending or running does not make a second one')
    .addOption(
      new Option(
        '--key-mode <mode>',
        'with --key: hand back the job there (dedupe), give it these params (replace), or also put its start back (debounce)',
      ).choices(KEY_MODES),
    )
    .option('--debounce <duration>', 'with --key: start this long after the last add (implies --key-mode debounce): 2s, 5m')
    .option('--max-wait <duration>', 'with --debounce: but never later than this after the first add: 30s, 1h')
    .option('-e, --env <NAME[=value]>', 'pass an environment variable to the command after --; repeat for more', collect, [])
    .option('-w, --wait', 'wait until it ends; exit 1 if it failed')
    .option('-f, --follow', 'print its log as it runs; exit 1 if it failed')
    .option('--json', 'the new job, as JSON')
    .option('--print-id', 'print only the new job’s id (for scripts)')
    .addHelpText(
      'after',
      examples([
        'offload add -- make release',
        "offload add --attempts 1 --wait -- sh -c 'echo hi; exit 3'",
        'offload add --env PATH --follow -- ./build.sh --fast',
        'offload add hash-files --param folder=/home/me/Photos',
        `offload add shell --params-json '{"command": "du -sh ~"}' --print-id`,
        'offload add --at 23:00 -- ./backup.sh',
        'offload add --delay 2h -- make release',
        'offload add --lane encode --slots 4 -- ffmpeg -i in.mov out.mp4',
        'offload add --key reindex --debounce 5s --max-wait 1m -- ./reindex.sh',
      ]),
    )
    .action(run((ctx, kind: string | undefined, options: AddOptions) => add(ctx, kind, afterDashes, options)))

  program
    .command('status')
    .alias('ls')
    .description('The jobs, newest first, as a table that fits the terminal')
    .addOption(new Option('-s, --status <status>', 'only jobs with this status').choices(JOB_STATUSES))
    .option('-k, --kind <kind>', 'only jobs of this kind')
    .option('--lane <name>', 'only jobs in this lane')
    .option('--limit <n>', 'how many', '30')
    .option('--json', 'the API’s page of jobs, as JSON')
    .option('--watch', 'redraw as jobs change, until Ctrl+C')
    .addHelpText('after', examples(['offload status', 'offload status --status failed --json | jq ".jobs[].id"', 'offload status --lane encode --watch']))
    .action(run((ctx, options: StatusOptions) => status(ctx, options)))

  program
    .command('log')
    .description('A job’s log (the newest 2,000 lines are kept)')
    .argument('<id>', 'the job’s id')
    .option('--lines <n>', 'only the last n lines')
    .option('--json', 'lines with their times, as JSON')
    .action(
      run(async (ctx, id: string, options: { lines?: string; json?: boolean }) => {
        const n = options.lines === undefined ? Infinity : Number(options.lines)
        if (!(n === Infinity || (Number.isInteger(n) && n > 0))) throw new CliError(`--lines: a whole number above 0, got "${options.lines}"`)
        const { lines } = await ctx.api.getJobLogs({ id })
        const shown = n === Infinity ? lines : lines.slice(-n)
        if (options.json) ctx.out(JSON.stringify(shown, null, 2))
        else for (const { line } of shown) ctx.out(line)
        return EXIT.ok
      }),
    )

  program
    .command('follow')
    .description('Print a job’s log as it grows; exit when it ends, 0 if it succeeded, 1 if not')
    .argument('<id>', 'the job’s id')
    .action(run((ctx, id: string) => follow(ctx, id)))

  program
    .command('wait')
    .description('Wait for jobs to end: 0 if all succeeded, 1 if any failed or was cancelled')
    .argument('[ids...]', 'the jobs’ ids')
    .option('-a, --all', 'until nothing is queued or running')
    .option('-q, --quiet', 'say nothing as each ends')
    .addHelpText('after', examples(['offload wait 01JD3Q… 01JD3R…', 'offload wait --all && notify-send "Offload is done"']))
    .action(run((ctx, ids: string[], options: { all?: boolean; quiet?: boolean }) => wait(ctx, ids, options)))

  const schedule = program
    .command('schedule')
    .description('Recurring jobs: a kind, or a command, on a cron pattern (offload schedule --help)')
    .addHelpText(
      'after',
      examples([
        'offload schedule add hash-files --param folder=~/Photos --cron "0 3 * * *"',
        "offload schedule add --cron '*/15 9-17 * * 1-5' --name Sync -- ./sync.sh",
        'offload schedule list',
        'offload schedule run 01JD3Q…',
      ]),
    )

  // A person at a terminal means their own clock; read as the program is built, so the help shows it.
  const machineZone = Intl.DateTimeFormat().resolvedOptions().timeZone
  schedule
    .command('add')
    .description('Add a schedule: a job of a kind with its params, or -- and a command to run here, each time the cron pattern comes')
    .argument('[kind]', 'the job’s kind (offload kinds lists them)')
    .requiredOption('--cron <pattern>', 'when: minute hour day month weekday ("0 * * * *" hourly), or six fields with seconds first')
    .option('--tz <zone>', 'the IANA time zone the pattern’s times are in; this machine’s unless given (the API’s own default is UTC)', machineZone)
    .option('-p, --param <name=value>', 'a param; repeat for more (and for each item of a list)', collect, [])
    .option('--params-json <json>', 'all the params as one JSON object (--param values win)')
    .option('-n, --name <name>', 'the schedule’s name, and its jobs’ (else the kind, or the command)')
    .option('-e, --env <NAME[=value]>', 'pass an environment variable to the command after --; repeat for more', collect, [])
    .addOption(new Option('--priority <level>', 'how soon its jobs run, against other jobs').choices(PRIORITIES))
    .option('--timeout <duration>', 'a limit per try of each job: 90s, 5m, 1h30m')
    .option('--attempts <n>', 'tries before a job counts as failed')
    .addOption(
      new Option('--overlap <policy>', 'when a run comes while the last is still going: skip it, queue it behind, or replace the old one')
        .choices(OVERLAP_POLICIES)
        .default('skip'),
    )
    .addOption(
      new Option('--missed <policy>', 'runs missed while Offload was off or asleep: skip them, make up once, or all').choices(MISSED_POLICIES).default('once'),
    )
    .option('--missed-window <duration>', 'how far back missed runs are made up: 3h, 2d (default 24h)')
    .option('--lane <name>', 'the lane its jobs run in, with that lane’s limit and pause (else their kind’s, else default)')
    .option('--slots <n>', 'how many of the limits’ slots each job takes while it runs, for one using several cores (default 1)')
    .option('--disabled', 'add it switched off: it runs only once enabled, or by hand')
    .option('--json', 'the new schedule, as JSON')
    .option('--print-id', 'print only the new schedule’s id (for scripts)')
    .addHelpText(
      'after',
      examples([
        'offload schedule add hash-files --param folder=/home/me/Photos --cron "0 3 * * *"',
        "offload schedule add --cron '30 8 * * 1-5' --tz Europe/Berlin --name 'Morning build' -- make release",
        'offload schedule add --cron "*/10 * * * *" --overlap queue --missed all --missed-window 3h -- ./poll.sh',
      ]),
    )
    .action(run((ctx, kind: string | undefined, options: ScheduleAddOptions) => scheduleAdd(ctx, kind, afterDashes, options)))

  schedule
    .command('list')
    .alias('ls')
    .description('The schedules: pattern, zone, next run on this machine’s clock, and how the last run went')
    .option('--json', 'the API’s list, as JSON')
    .action(run((ctx, options: { json?: boolean }) => scheduleList(ctx, options)))

  schedule
    .command('show')
    .description('A schedule in full, with its next runs and its latest runs')
    .argument('<id>', 'the schedule’s id')
    .option('--json', 'as JSON, with its history')
    .action(run((ctx, id: string, options: { json?: boolean }) => scheduleShow(ctx, id, options)))

  schedule
    .command('run')
    .description('Queue a run now, outside the pattern (and its overlap policy)')
    .argument('<id>', 'the schedule’s id')
    .option('--json', 'the job it queued, as JSON')
    .option('--print-id', 'print only the job’s id (for scripts)')
    .action(run((ctx, id: string, options: { json?: boolean; printId?: boolean }) => scheduleRun(ctx, id, options)))

  schedule
    .command('rm')
    .alias('remove')
    .description('Remove schedules (the jobs they queued stay)')
    .argument('<ids...>', 'the schedules’ ids')
    .action(run((ctx, ids: string[]) => scheduleRemove(ctx, ids)))

  switches(
    schedule,
    'the schedules’ ids',
    ['Switch schedules on; times that passed while off are not made up', 'Switch schedules off: nothing fires until enabled again'],
    scheduleEnable,
  )

  const watch = program
    .command('watch')
    .description('Watched folders: each file that arrives in one becomes a job (offload watch --help)')
    .addHelpText(
      'after',
      examples([
        "offload watch add ~/Scans shell --glob '*.pdf' --param command=lpr --param args={{path}}",
        'offload watch list',
        'offload watch show 01JD3Q…',
        'offload watch disable 01JD3Q…',
      ]),
    )

  watch
    .command('add')
    .description('Watch a folder: each file in it, there now or to come, becomes a job of the kind once it has stopped changing')
    .argument('<folder>', 'the folder to watch (~ and relative paths are read here); it may come later, a drive not plugged in, say')
    .argument('<kind>', 'the kind of job each file becomes (offload kinds lists them)')
    .option(
      '--glob <pattern>',
      'which files: *.pdf takes PDFs at any depth, invoices/*.pdf only those in invoices/ (default *, every file not starting with .)',
    )
    .option('--no-recursive', 'only files directly in the folder, none in its subfolders')
    .option(
      '-p, --param <name=value>',
      'a param of each job, where {{path}}, {{name}} and {{dir}} are the file’s path, name and folder; repeat for more (with none, path={{path}})',
      collect,
      [],
    )
    .option('--params-json <json>', 'all the params as one JSON object (--param values win)')
    .addOption(new Option('--priority <level>', 'how soon its jobs run, against other jobs').choices(PRIORITIES))
    .option('--settle <duration>', 'how long a file must stay unchanged before its job is made: 500ms, 5s, 1m (default 2s)')
    .option('--lane <name>', 'the lane its jobs run in, with that lane’s limit and pause (else their kind’s, else default)')
    .option('--slots <n>', 'how many of the limits’ slots each job takes while it runs, for one using several cores (default 1)')
    .option('--disabled', 'add it switched off: nothing is handed over until it is enabled')
    .option('--json', 'the new watch, as JSON')
    .option('--print-id', 'print only the new watch’s id (for scripts)')
    .addHelpText(
      'after',
      `${examples([
        "offload watch add ~/Scans shell --glob '*.pdf' --param command=lpr --param args={{path}}",
        "offload watch add ./logs shell --glob '*.log' --no-recursive --settle 1m --param command=gzip --param args={{path}}",
        `offload watch add /srv/photos shell --glob '*.heic' --params-json '{"command": "convert", "args": ["{{path}}", "{{dir}}/{{name}}.png"]}' --print-id`,
      ])}\nA job that writes into the folder should write files the glob leaves out, or each of them becomes a job too.\n`,
    )
    .action(run((ctx, folder: string, kind: string, options: WatchAddOptions) => watchAdd(ctx, folder, kind, options)))

  watch
    .command('list')
    .alias('ls')
    .description('The watched folders: whether each is watching (and why not), its files and kind, and how many it handed over')
    .option('--json', 'the API’s list, as JSON')
    .action(run((ctx, options: { json?: boolean }) => watchList(ctx, options)))

  watch
    .command('show')
    .description('A watch in full: its state and what it means, its params, and the latest job it made and file it skipped')
    .argument('<id>', 'the watch’s id')
    .option('--json', 'as JSON')
    .action(run((ctx, id: string, options: { json?: boolean }) => watchShow(ctx, id, options)))

  watch
    .command('rm')
    .alias('remove')
    .description('Stop watching folders (the jobs they made stay)')
    .argument('<ids...>', 'the watches’ ids')
    .action(run((ctx, ids: string[]) => watchRemove(ctx, ids)))

  switches(
    watch,
    'the watches’ ids',
    ['Switch watches on; files that came while off become jobs then', 'Switch watches off: no file becomes a job until enabled again'],
    watchEnable,
  )

  const lane = program
    .command('lane')
    .description('Lanes: each job runs in one, with its own limit and pause inside the global limit (offload lane --help)')
    .addHelpText(
      'after',
      examples(['offload lane list', 'offload lane set encode --limit 1', 'offload lane pause encode', 'offload add --lane encode -- ./encode.sh']),
    )

  lane
    .command('list')
    .alias('ls')
    .description('The lanes with settings of their own or jobs in them, and default: limit, state, running, queued and slots in use')
    .option('--json', 'the API’s list, as JSON')
    .action(run((ctx, options: { json?: boolean }) => laneList(ctx, options)))

  lane
    .command('show')
    .description('A lane in full: its limit and state, and what its jobs take now (a lane never used is open and empty)')
    .argument('<name>', 'the lane’s name')
    .option('--json', 'as JSON')
    .action(run((ctx, name: string, options: { json?: boolean }) => laneShow(ctx, name, options)))

  lane
    .command('set')
    .description('Set a lane’s own limit: how many slots its jobs take at once, inside the global limit')
    .argument('<name>', 'the lane’s name (a lane needs no making)')
    .option('--limit <n>', 'at most this many slots at once')
    .option('--no-limit', 'no limit of its own: only the global limit holds')
    .addHelpText('after', examples(['offload lane set encode --limit 1', 'offload lane set encode --no-limit']))
    .action(run((ctx, name: string, options: LaneSetOptions) => laneSet(ctx, name, options)))

  for (const [name, paused, description] of [
    ['pause', true, 'Pause lanes: nothing new in them starts; what runs goes on'],
    ['resume', false, 'Resume paused lanes: their queued jobs may start again'],
  ] as const)
    lane
      .command(name)
      .description(description)
      .argument('<names...>', 'the lanes’ names')
      .action(run((ctx, names: string[]) => lanePause(ctx, names, paused)))

  for (const [name, description, body] of [
    ['cancel', 'Cancel queued or running jobs', cancel],
    ['retry', 'Queue failed or cancelled jobs again', retry],
    ['release', 'Let held jobs go on: queued, or scheduled if their time is still to come', release],
    ['remove', 'Remove jobs and their logs (a running job must be cancelled first)', remove],
  ] as const) {
    program
      .command(name)
      .description(description)
      .argument('<ids...>', 'the jobs’ ids')
      .action(run((ctx, ids: string[]) => body(ctx, ids)))
  }

  program
    .command('pause')
    .description('Start nothing new; running jobs go on')
    .action(run((ctx) => pause(ctx)))
  program
    .command('resume')
    .description('Start queued jobs again')
    .action(run((ctx) => resume(ctx)))

  program
    .command('clean')
    .description('Remove finished jobs (succeeded, failed and cancelled) and their logs; the stats keep their history')
    .option('-s, --status <status>', 'only these: succeeded, failed or cancelled; repeat for more', collect, [])
    .action(run((ctx, options: { status: string[] }) => clean(ctx, options)))

  program
    .command('export')
    .description('Write the whole queue as JSON Lines: jobs, schedules, watches, lane settings and the settings')
    .option('-o, --out <file>', 'write to this file (default: stdout)')
    .addHelpText(
      'after',
      examples(['offload export --out queue.jsonl', 'offload export | gzip > queue.jsonl.gz', 'offload --data ~/old export | offload --data ~/new import -']),
    )
    .action(run((ctx, options: { out?: string }) => exportQueue(ctx, options)))
  program
    .command('import')
    .description('Add what an export holds to this queue, all or nothing; what is there already (by id) is skipped')
    .argument('<file>', 'a file `offload export` wrote, or - for stdin')
    .option('--json', 'the API’s answer, as JSON')
    .addHelpText(
      'after',
      `${examples(['offload import queue.jsonl', 'gunzip -c queue.jsonl.gz | offload import -'])}\nJobs that were running come back queued, their attempt counted, as after a crash.\n`,
    )
    .action(run((ctx, file: string, options: { json?: boolean }) => importQueue(ctx, file, options)))

  program
    .command('kinds')
    .description('The kinds of job, with their params (* required)')
    .option('--json', 'as JSON, params as JSON Schema')
    .action(run((ctx, options: { json?: boolean }) => kinds(ctx, options)))

  program
    .command('search')
    .description('Search the documents that index-documents jobs have indexed, best match first')
    .argument('<words...>', 'the words to find, all of them (the last may be the start of a word)')
    .option('--folder <path>', 'only documents under this folder')
    .option('--limit <n>', 'at most this many hits (1–200, default 20)')
    .option('--json', 'the API’s answer, as JSON')
    .addHelpText(
      'after',
      examples(['offload search lighthouse budget', 'offload search --folder ~/Documents/letters harbour', 'offload search invoice 2026 --limit 5 --json']),
    )
    .action(run((ctx, words: string[], options: SearchOptions) => search(ctx, words, options)))

  program
    .command('stats')
    .description('What ended and how, run and wait times, by kind')
    .option('--range <range>', '1h, 24h or 7d', '24h')
    .option('--json', 'the API’s report, as JSON')
    .action(run((ctx, options: { range: string; json?: boolean }) => stats(ctx, options)))

  program
    .command('open')
    .description('Open the panel in the browser, with its token')
    .action(run((ctx) => open(ctx)))

  program
    .command('serve')
    .description('Run Offload headless: the engine and the panel over HTTP (offload serve --help)')
    .helpOption(false)
    .allowUnknownOption()
    .argument('[options...]')

  program
    .command('worker')
    .description('Run jobs from a shared queue on Redis, beside offload serve --redis (offload worker --help)')
    .helpOption(false)
    .allowUnknownOption()
    .argument('[options...]')

  program
    .command('completion')
    .description(`A completion script for ${SHELLS.join(', ')}`)
    .argument('<shell>', SHELLS.join(' | '))
    .addHelpText('after', examples(['eval "$(offload completion bash)"', 'offload completion fish > ~/.config/fish/completions/offload.fish']))
    .action((shell: string) => {
      io.stdout.write(completionScript(program, shell))
      setExit(EXIT.ok)
    })

  return program
}
