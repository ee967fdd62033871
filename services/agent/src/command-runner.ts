import { spawn } from 'node:child_process';
import type { CommandResult } from '@backtrac/xmlrpc';

const MAX_OUTPUT = 64 * 1024;
const KILL_GRACE_MS = 5_000;

/**
 * Runs a share's pre/post command through the platform shell, capturing stdout and stderr
 * (interleaved, last 64 KiB). On timeout the whole process group gets SIGTERM, then SIGKILL.
 */
export function runCommand(command: string, timeoutMs: number, cwd?: string): Promise<CommandResult> {
  const started = Date.now();
  if (command.trim() === '') return Promise.resolve({ ok: true, exitCode: 0, timedOut: false, output: '', durationMs: 0, ran: false });
  return new Promise((resolve) => {
    const windows = process.platform === 'win32';
    const child = windows
      ? spawn(process.env.ComSpec ?? 'cmd.exe', ['/d', '/s', '/c', `"${command}"`], { cwd, windowsVerbatimArguments: true, windowsHide: true })
      : spawn('/bin/sh', ['-c', command], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const append = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > 2 * MAX_OUTPUT) output = output.slice(-MAX_OUTPUT);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    let timedOut = false;
    const kill = (signal: NodeJS.Signals): void => {
      try {
        if (!windows && child.pid) process.kill(-child.pid, signal);
        else child.kill(signal);
      } catch {
        // already gone
      }
    };
    let hard: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      kill('SIGTERM');
      hard = setTimeout(() => kill('SIGKILL'), KILL_GRACE_MS);
    }, timeoutMs);
    const finish = (exitCode: number | null, extra = ''): void => {
      clearTimeout(timer);
      if (hard) clearTimeout(hard);
      const text = (output + extra).slice(-MAX_OUTPUT);
      resolve({
        ok: !timedOut && exitCode === 0,
        exitCode: timedOut ? null : exitCode,
        timedOut,
        output: timedOut ? `${text}\n[killed after ${timeoutMs} ms]` : text,
        durationMs: Date.now() - started,
        ran: true,
      });
    };
    child.on('error', (error) => finish(null, `\n[could not start: ${error.message}]`));
    child.on('close', (code) => finish(code));
  });
}
