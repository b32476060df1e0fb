/**
 * Everything the bench starts (child processes, temporary directories, PostgreSQL databases)
 * registers how to undo it here. `runAll` undoes in reverse order and never throws, so a failing
 * measurement still leaves the machine as it found it. `runSyncFallback` covers the last resort of
 * a process that exits without reaching `runAll` (an uncaught exception): it can only do
 * synchronous work, i.e. SIGKILL children and delete directories; databases need `runAll`.
 */
interface Task {
  name: string;
  run: () => Promise<void> | void;
  sync?: () => void;
}

export class Cleanup {
  private tasks: Task[] = [];
  private draining: Promise<void> | undefined;

  /** Registers an undo step; the returned function runs it now (once) and unregisters it. */
  add(name: string, run: () => Promise<void> | void, sync?: () => void): () => Promise<void> {
    const task: Task = { name, run, sync };
    this.tasks.push(task);
    return async () => {
      const index = this.tasks.indexOf(task);
      if (index === -1) return;
      this.tasks.splice(index, 1);
      await task.run();
    };
  }

  /** Safe to call again while it runs (a signal during the normal clean-up): both wait for one pass. */
  runAll(): Promise<void> {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async drain(): Promise<void> {
    while (this.tasks.length > 0) {
      const task = this.tasks.pop()!;
      try {
        await task.run();
      } catch (error) {
        process.stderr.write(
          `cleanup: ${task.name} failed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      }
    }
  }

  runSyncFallback(): void {
    for (const task of this.tasks.reverse()) {
      try {
        task.sync?.();
      } catch {
        // Best effort while the process exits.
      }
    }
    this.tasks = [];
  }
}
