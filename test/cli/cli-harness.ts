/**
 * Runs the real `omaum` command in a child process, the way an operator
 * would: through bin/omaum.js, from a scratch folder, with a clean environment.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const BIN = path.resolve(import.meta.dirname, '..', '..', 'bin', 'omaum.js');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** OMAUM_ variables for the child; every other OMAUM_ variable is removed. */
  readonly env?: Record<string, string>;
  /** Written to the child's stdin, which is then closed. */
  readonly input?: string;
  readonly timeoutMs?: number;
}

/** A running `omaum start` or `serve`, with what it wrote so far. */
export interface RunningCli {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process ends. */
  readonly exited: Promise<CliResult>;
}

/** A scratch data folder and the processes started on it; `close()` kills and removes all. */
export class CliSandbox {
  readonly dir: string;
  private readonly children = new Set<ChildProcess>();

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omaum-cli-'));
  }

  /** Runs a command to its end. */
  async run(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
    const running = this.spawn(args, options);
    const timeoutMs = options.timeoutMs ?? 30_000;
    return withTimeout(running.exited, timeoutMs, `omaum ${args.join(' ')}`);
  }

  /** Starts a command and returns at once (for servers). */
  spawn(args: readonly string[], options: RunOptions = {}): RunningCli {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: this.dir,
      env: childEnv(this.dir, options.env ?? {}),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.stdin.end(options.input ?? '');

    const exited = new Promise<CliResult>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        this.children.delete(child);
        resolve({ code, signal, stdout, stderr });
      });
    });
    return { child, exited, stdout: () => stdout, stderr: () => stderr };
  }

  async close(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    this.children.clear();
    await fs.promises.rm(this.dir, { recursive: true, force: true });
  }
}

// The test runner's own OMAUM_ settings (a PostgreSQL URL, a log level...) must
// not reach the child: it has to behave as on a fresh machine, on SQLite.
function childEnv(dataDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('OMAUM_')),
  );
  return { ...env, OMAUM_DATA_DIR: path.join(dataDir, 'data'), ...extra };
}

/** A port nobody listens on right now (OMAUM_PORT=0 would not tell us which one it got). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  if (address === null || typeof address === 'string') throw new Error('no TCP port was given');
  return address.port;
}

/**
 * Polls `/readyz` until it answers 200. Fails early, with the server's output,
 * if the process ends first or the time runs out.
 */
export async function waitUntilReady(
  server: RunningCli,
  baseUrl: string,
  timeoutMs = 30_000,
): Promise<void> {
  let hasExited = false;
  void server.exited.then(() => (hasExited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited) throw new Error(`the server exited early:\n${server.stderr()}`);
    if (await isReady(baseUrl)) return;
    await sleep(100);
  }
  throw new Error(`the server was not ready within ${timeoutMs} ms:\n${server.stderr()}`);
}

async function isReady(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/readyz`);
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
